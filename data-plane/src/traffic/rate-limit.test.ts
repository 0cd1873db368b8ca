import { Tier } from "@portico/shared/bundle";
import { describe, expect, it } from "vitest";
import { RateLimiter, tierLimit } from "./rate-limit.js";

// Written the way older bundles spell a tier: requestsPerMinute reads as requests per minute.
const tier = (t: { name: string; requestsPerMinute: number | null; burst: number | null }) => Tier.parse(t);

describe("token bucket", () => {
  const limit = tierLimit("sub1", tier({ name: "t", requestsPerMinute: 60, burst: 2 }));

  it("allows the burst, then refuses until a token refills, telling when", () => {
    const limiter = new RateLimiter();
    if (limit === null) {
      throw new Error("limited tier expected");
    }
    expect(limiter.take(limit, 0)).toMatchObject({ allowed: true, limit: 2, remaining: 1 });
    expect(limiter.take(limit, 0)).toMatchObject({ allowed: true, remaining: 0, resetS: 2 });
    expect(limiter.take(limit, 0)).toMatchObject({ allowed: false, remaining: 0, retryAfterS: 1 });
    expect(limiter.take(limit, 500)).toMatchObject({ allowed: false, retryAfterS: 1 });
    expect(limiter.take(limit, 1000)).toMatchObject({ allowed: true, remaining: 0 });
  });

  it("refills continuously up to the burst, never above", () => {
    const limiter = new RateLimiter();
    if (limit === null) {
      throw new Error("limited tier expected");
    }
    limiter.take(limit, 0);
    limiter.take(limit, 0);
    expect(limiter.take(limit, 60_000)).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("treats a null rate as unlimited and a null burst as one minute's worth", () => {
    expect(tierLimit("s", tier({ name: "u", requestsPerMinute: null, burst: null }))).toBeNull();
    expect(tierLimit("s", tier({ name: "m", requestsPerMinute: 100, burst: null }))).toMatchObject({ capacity: 100 });
  });

  it("refills per the tier's unit and holds one unit's worth without a burst", () => {
    const perHour = tierLimit("s", Tier.parse({ name: "h", requests: 3600, unit: "hour", burst: null }));
    expect(perHour).toMatchObject({ capacity: 3600, refillPerMs: 0.001 });
    const perSecond = tierLimit("s", Tier.parse({ name: "s", requests: 5, unit: "second", burst: 10 }));
    expect(perSecond).toMatchObject({ capacity: 10, refillPerMs: 0.005 });
  });

  it("keys buckets by subscription and limits, so a tier change starts afresh", () => {
    const a = tierLimit("s", tier({ name: "a", requestsPerMinute: 10, burst: 1 }));
    const b = tierLimit("s", tier({ name: "b", requestsPerMinute: 20, burst: 1 }));
    expect(a?.key).not.toBe(b?.key);
  });

  it("forgets buckets that have refilled", () => {
    const limiter = new RateLimiter();
    if (limit === null) {
      throw new Error("limited tier expected");
    }
    limiter.take(limit, 0);
    limiter.sweep(500);
    expect(limiter.size).toBe(1);
    limiter.sweep(1000);
    expect(limiter.size).toBe(0);
  });
});
