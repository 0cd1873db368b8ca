import { describe, expect, it } from "vitest";
import { QuotaConfig } from "./schema.js";

describe("quota schema", () => {
  it("defaults to a monthly quota per application", () => {
    expect(QuotaConfig.parse({ limit: 10_000 })).toEqual({ limit: 10_000, period: "month", by: "application" });
    expect(QuotaConfig.safeParse({ limit: 0 }).success).toBe(false);
    expect(QuotaConfig.safeParse({ limit: 5, period: "year" }).success).toBe(false);
  });
});
