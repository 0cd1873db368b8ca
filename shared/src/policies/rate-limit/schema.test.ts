import { describe, expect, it } from "vitest";
import { Policy } from "../index.js";
import { RateLimitConfig } from "./schema.js";

const messages = (input: unknown) => {
  const r = RateLimitConfig.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("rate-limit schema", () => {
  it("defaults to per-application buckets over one minute", () => {
    expect(RateLimitConfig.parse({ limit: 10 })).toEqual({
      by: "application",
      limit: 10,
      windowMs: 60_000,
      shared: false,
    });
  });

  it("closes (default) or drops WebSocket messages past the limit", () => {
    expect(RateLimitConfig.parse({ limit: 1, websocketFrames: "drop" }).websocketFrames).toBe("drop");
    expect(RateLimitConfig.parse({ limit: 1 }).websocketFrames).toBeUndefined();
    expect(messages({ limit: 1, websocketFrames: "ignore" })).toHaveLength(1);
  });

  it("takes the limit from the tier when counting per subscription", () => {
    expect(messages({ by: "subscription" })).toEqual([]);
    expect(messages({ by: "subscription", limit: 5 })).toEqual(["limit: the subscription's tier sets the limit"]);
  });

  it("requires a limit otherwise, and a header exactly for by: header", () => {
    expect(messages({ by: "ip" })).toEqual(["limit: required with by: ip"]);
    expect(messages({ by: "header", limit: 5 })).toEqual(["header: set header exactly when by is header"]);
    expect(messages({ by: "ip", limit: 5, header: "x-user" })).toEqual([
      "header: set header exactly when by is header",
    ]);
    expect(messages({ by: "header", limit: 5, header: "x-user" })).toEqual([]);
  });

  it("refuses windows under a second and non-integer limits", () => {
    expect(messages({ limit: 1.5, windowMs: 10 }).map((m) => m.split(":")[0])).toEqual(["limit", "windowMs"]);
  });

  it("parses as a policy with the base fields", () => {
    expect(Policy.parse({ kind: "rate-limit", config: { by: "api", limit: 3 } })).toEqual({
      kind: "rate-limit",
      enabled: true,
      config: { by: "api", limit: 3, windowMs: 60_000, shared: false },
    });
  });
});
