import { describe, expect, it } from "vitest";
import { ScopesConfig } from "./schema.js";

describe("scopes schema", () => {
  it("needs at least one well-formed scope", () => {
    expect(ScopesConfig.parse({ scopes: ["orders:read"] })).toEqual({ scopes: ["orders:read"] });
    expect(ScopesConfig.safeParse({ scopes: [] }).error?.issues[0]?.message).toBe("list at least one scope");
    expect(ScopesConfig.safeParse({ scopes: ["a b"] }).error?.issues[0]?.message).toBe(
      "an OAuth scope token (RFC 6749 3.3)",
    );
  });
});
