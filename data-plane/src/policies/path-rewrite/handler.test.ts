import { describe, expect, it } from "vitest";
import { testDeps, testExchange } from "../testing.js";
import { compilePathRewrite, createPathRewriteHandler } from "./handler.js";

describe("path-rewrite handler", () => {
  it("replaces a prefix on whole segments only", () => {
    const r = compilePathRewrite({ prefix: "/v1/orders", replacement: "/legacy/orders" });
    expect(r("/v1/orders")).toBe("/legacy/orders");
    expect(r("/v1/orders/7")).toBe("/legacy/orders/7");
    expect(r("/v1/ordersx")).toBe("/v1/ordersx");
    expect(r("/other")).toBe("/other");
    expect(compilePathRewrite({ prefix: "/", replacement: "/api/" })("/x")).toBe("/api/x");
    expect(compilePathRewrite({ prefix: "/old", replacement: "/" })("/old")).toBe("/");
  });

  it("queues the rewrite on the exchange", () => {
    const ex = testExchange();
    createPathRewriteHandler({ prefix: "/a", replacement: "/b" }, testDeps()).onRequest(ex);
    expect(ex.pathEdits?.[0]?.("/a/1")).toBe("/b/1");
  });
});
