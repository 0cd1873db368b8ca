import { describe, expect, it } from "vitest";
import { Policy } from "../index.js";

describe("key-auth schema", () => {
  it("reads the key from x-api-key unless told otherwise", () => {
    expect(Policy.parse({ kind: "key-auth" })).toEqual({
      kind: "key-auth",
      enabled: true,
      config: { header: "x-api-key" },
    });
    expect(Policy.parse({ kind: "key-auth", config: { header: "apikey" } })).toMatchObject({
      config: { header: "apikey" },
    });
  });

  it("refuses a header name node could never report", () => {
    const r = Policy.safeParse({ kind: "key-auth", config: { header: "X-Api-Key" } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe("a lower-case HTTP header name");
  });

  it("fails closed on a kind nobody knows", () => {
    const r = Policy.safeParse({ kind: "lua-script", config: {} });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(["kind"]);
  });

  it("refuses an id that could break bucket keys or logs", () => {
    expect(Policy.safeParse({ kind: "key-auth", id: "a|b\n" }).success).toBe(false);
  });
});
