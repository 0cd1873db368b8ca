import { describe, expect, it } from "vitest";
import { testDeps, testExchange } from "../testing.js";
import { createSubscriptionHandler, subscriptionKey } from "./handler.js";

describe("subscription handler", () => {
  const subscription = {
    id: "sub1",
    limit: { key: "sub1", capacity: 3, refillPerMs: 0.001 },
    quota: null,
    application: null,
  };
  const handler = createSubscriptionHandler(
    {},
    testDeps({ subscriptions: new Map([[subscriptionKey("app1", "api-1"), subscription]]) }),
  );

  it("lets a subscribed application through and keeps its tier limit", () => {
    const ex = testExchange();
    ex.applicationId = "app1";
    expect(handler.onRequest(ex)).toEqual({ ok: true });
    expect(ex.subscription).toBe(subscription);
  });

  it("refuses other applications and anonymous callers", () => {
    const ex = testExchange();
    ex.applicationId = "app2";
    expect(handler.onRequest(ex)).toMatchObject({ ok: false, code: "not-subscribed" });
    expect(handler.onRequest(testExchange())).toMatchObject({ ok: false, code: "not-subscribed" });
  });
});
