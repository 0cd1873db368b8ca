import { describe, expect, it } from "vitest";
import { compileQueryRewrite } from "./handler.js";

describe("query-rewrite handler", () => {
  it("removes, renames (every value), then adds", () => {
    const r = compileQueryRewrite({ remove: ["debug"], rename: { q: "search" }, add: { api_version: "2" } });
    expect(r("q=a&q=b&debug=1&page=3")).toBe("page=3&search=a&search=b&api_version=2");
    expect(r("")).toBe("api_version=2");
  });
});
