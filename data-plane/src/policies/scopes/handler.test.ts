import { describe, expect, it } from "vitest";
import { testDeps, testExchange } from "../testing.js";
import { createScopesHandler } from "./handler.js";

describe("scopes handler", () => {
  const handler = createScopesHandler({ scopes: ["orders:read", "orders:write"] }, testDeps());
  const withScopes = (scopes: string[] | null) => {
    const ex = testExchange();
    ex.scopes = scopes;
    return ex;
  };

  it("passes a token with every required scope", () => {
    expect(handler.onRequest(withScopes(["x", "orders:write", "orders:read"]))).toEqual({ ok: true });
  });

  it("403 insufficient-scope when one is missing, or when the caller used no token", () => {
    expect(handler.onRequest(withScopes(["orders:read"]))).toMatchObject({ ok: false, code: "insufficient-scope" });
    expect(handler.onRequest(withScopes(null))).toMatchObject({ ok: false, code: "insufficient-scope" });
  });
});
