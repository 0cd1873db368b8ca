import { describe, expect, it } from "vitest";
import { testDeps, testExchange } from "../testing.js";
import { createKeyAuthHandler } from "./handler.js";

describe("key-auth handler", () => {
  const handler = createKeyAuthHandler({ header: "x-api-key" }, testDeps());

  it("authenticates the key's application", () => {
    const ex = testExchange({ "x-api-key": "good-key" });
    expect(handler.onRequest(ex)).toEqual({ ok: true });
    expect(ex).toMatchObject({ authenticated: true, applicationId: "app1", scopes: null });
  });

  it("refuses an unknown key and leaves a request without one to the next policy", () => {
    expect(handler.onRequest(testExchange({ "x-api-key": "bad" }))).toMatchObject({
      ok: false,
      code: "invalid-api-key",
    });
    const ex = testExchange({});
    expect(handler.onRequest(ex)).toEqual({ ok: true });
    expect(ex.authenticated).toBe(false);
  });

  it("reads the configured header only", () => {
    const custom = createKeyAuthHandler({ header: "apikey" }, testDeps());
    const ex = testExchange({ apikey: "good-key" });
    expect(custom.onRequest(ex)).toEqual({ ok: true });
    expect(ex.applicationId).toBe("app1");
  });

  it("does nothing once another policy authenticated the caller", () => {
    const ex = testExchange({ "x-api-key": "bad" });
    ex.authenticated = true;
    expect(handler.onRequest(ex)).toEqual({ ok: true });
  });
});
