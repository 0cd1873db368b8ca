import { Tier } from "@portico/shared/bundle";
import { describe, expect, it } from "vitest";
import { createRateLimitHandler } from "../policies/rate-limit/handler.js";
import { testDeps, testExchange } from "../policies/testing.js";
import { periodBounds, SharedTierLimit } from "./tier-limit.js";

const tier = (t: Partial<Tier> & { name: string }) => Tier.parse({ requests: null, burst: null, ...t });

describe("shared tier limits", () => {
  const { shared } = testDeps();

  it("is nothing at all for a tier that limits nothing", () => {
    expect(SharedTierLimit.create(shared, "app|t|a", tier({ name: "Unlimited" }), true)).toBeNull();
    const billedOnly = tier({ name: "Overage", quotaPerMonth: 10, stopOnQuota: false });
    expect(SharedTierLimit.create(shared, "app|t|a", billedOnly, true)).toBeNull();
    // a subscription's rate is its token bucket: without a quota nothing is shared
    expect(SharedTierLimit.create(shared, "sub|t|s", tier({ name: "Gold", requests: 5000 }), false)).toBeNull();
  });

  it("refuses past the rate with rate-limited, telling when to retry", () => {
    const limit = SharedTierLimit.create(shared, "app|t|rate", tier({ name: "2PerMin", requests: 2 }), true);
    const now = Date.UTC(2026, 0, 1, 0, 0, 10);
    const results = [1, 2, 3].map(() => {
      const ex = testExchange();
      return { outcome: limit?.check(ex, now), rate: ex.rate };
    });
    expect(results.map((r) => r.outcome?.ok)).toEqual([true, true, false]);
    expect(results[2]?.outcome).toMatchObject({ code: "rate-limited" });
    expect(results[2]?.rate).toMatchObject({ allowed: false, limit: 2, remaining: 0, retryAfterS: 50 });
  });

  it("refuses past the monthly quota with quota-exceeded until the month ends", () => {
    const limit = SharedTierLimit.create(shared, "app|t|quota", tier({ name: "Q", quotaPerMonth: 2 }), true);
    const now = Date.UTC(2026, 5, 30, 23, 59, 0);
    expect(limit?.check(testExchange(), now).ok).toBe(true);
    expect(limit?.check(testExchange(), now).ok).toBe(true);
    const ex = testExchange();
    expect(limit?.check(ex, now)).toMatchObject({ ok: false, code: "quota-exceeded" });
    expect(ex.rate).toMatchObject({ limit: 2, retryAfterS: 60 });
    expect(limit?.check(testExchange(), periodBounds("month", now)[1])).toEqual({ ok: true });
  });
});

describe("rate-limit by subscription with an application tier", () => {
  it("counts the application across its subscriptions (APIs)", () => {
    const deps = testDeps();
    const application = SharedTierLimit.create(deps.shared, "app|t|app1", tier({ name: "1PerMin", requests: 1 }), true);
    const handler = createRateLimitHandler({ by: "subscription", windowMs: 60_000, shared: false }, deps);
    const call = (subscriptionId: string) => {
      const ex = testExchange();
      ex.subscription = { id: subscriptionId, limit: null, quota: null, application };
      return handler.onRequest(ex);
    };
    expect(call("sub-on-api-1")).toEqual({ ok: true });
    expect(call("sub-on-api-2")).toMatchObject({ ok: false, code: "rate-limited" });
  });
});
