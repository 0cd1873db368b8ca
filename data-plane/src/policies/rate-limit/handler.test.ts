import { describe, expect, it } from "vitest";
import { testDeps, testExchange } from "../testing.js";
import { createRateLimitHandler } from "./handler.js";

describe("rate-limit handler", () => {
  it("counts per client IP and refuses past the limit", () => {
    const handler = createRateLimitHandler({ by: "ip", limit: 2, windowMs: 60_000, shared: false }, testDeps());
    const results = [1, 2, 3].map(() => handler.onRequest(testExchange({}, "10.0.0.1")));
    expect(results.map((r) => "ok" in r && r.ok)).toEqual([true, true, false]);
    expect(handler.onRequest(testExchange({}, "10.0.0.2"))).toEqual({ ok: true });
  });

  it("counts per header value", () => {
    const handler = createRateLimitHandler(
      { by: "header", header: "x-user", limit: 1, windowMs: 60_000, shared: false },
      testDeps(),
    );
    expect(handler.onRequest(testExchange({ "x-user": "a" }))).toEqual({ ok: true });
    expect(handler.onRequest(testExchange({ "x-user": "a" }))).toMatchObject({ ok: false, code: "rate-limited" });
    expect(handler.onRequest(testExchange({ "x-user": "b" }))).toEqual({ ok: true });
  });

  it("uses the subscription's tier limit, and none for an unlimited tier", () => {
    const handler = createRateLimitHandler({ by: "subscription", windowMs: 60_000, shared: false }, testDeps());
    const ex = testExchange();
    ex.subscription = {
      id: "s",
      limit: { key: "s", capacity: 1, refillPerMs: 1 / 60_000 },
      quota: null,
      application: null,
    };
    expect(handler.onRequest(ex)).toEqual({ ok: true });
    expect(ex.rate).toMatchObject({ allowed: true, limit: 1, remaining: 0 });
    const again = testExchange();
    again.subscription = ex.subscription;
    expect(handler.onRequest(again)).toMatchObject({ ok: false, code: "rate-limited" });
    expect(handler.onRequest(testExchange())).toEqual({ ok: true });
  });

  it("counts an application across IPs and an anonymous caller by IP", () => {
    const handler = createRateLimitHandler(
      { by: "application", limit: 1, windowMs: 60_000, shared: false },
      testDeps(),
    );
    const app = (ip: string) => {
      const ex = testExchange({}, ip);
      ex.applicationId = "app1";
      return ex;
    };
    expect(handler.onRequest(app("10.0.0.1"))).toEqual({ ok: true });
    expect(handler.onRequest(app("10.0.0.9"))).toMatchObject({ ok: false });
    expect(handler.onRequest(testExchange({}, "10.0.0.1"))).toEqual({ ok: true });
  });
});
