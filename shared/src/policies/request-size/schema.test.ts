import { describe, expect, it } from "vitest";
import { RequestSizeConfig } from "./schema.js";

describe("request-size schema", () => {
  it("takes a positive byte count", () => {
    expect(RequestSizeConfig.parse({ maxBytes: 1024 })).toEqual({ maxBytes: 1024 });
    expect(RequestSizeConfig.safeParse({ maxBytes: 0 }).success).toBe(false);
    expect(RequestSizeConfig.safeParse({}).success).toBe(false);
  });
});
