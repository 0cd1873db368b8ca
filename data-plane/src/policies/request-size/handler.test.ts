import { describe, expect, it } from "vitest";
import { testDeps, testExchange } from "../testing.js";
import { createRequestSizeHandler } from "./handler.js";

describe("request-size handler", () => {
  const handler = createRequestSizeHandler({ maxBytes: 100 }, testDeps());

  it("413 on a declared length over the limit", () => {
    expect(handler.onRequest(testExchange({ "content-length": "101" }))).toMatchObject({
      ok: false,
      code: "payload-too-large",
    });
  });

  it("passes smaller bodies and caps streamed ones at the limit", () => {
    const ex = testExchange({ "content-length": "100" });
    expect(handler.onRequest(ex)).toEqual({ ok: true });
    expect(ex.bodyLimit).toBe(100);
  });
});
