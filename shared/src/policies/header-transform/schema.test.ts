import { describe, expect, it } from "vitest";
import { HeaderTransformConfig } from "./schema.js";

describe("header-transform schema", () => {
  it("defaults both sides to no edits and refuses header injection", () => {
    expect(HeaderTransformConfig.parse({})).toEqual({
      request: { add: {}, remove: [], rename: {} },
      response: { add: {}, remove: [], rename: {} },
    });
    expect(
      HeaderTransformConfig.safeParse({ request: { add: { "x-a": "1\r\nx-b: 2" } } }).error?.issues[0]?.message,
    ).toBe("no control characters");
    expect(HeaderTransformConfig.safeParse({ response: { remove: ["Bad Name"] } }).success).toBe(false);
  });
});
