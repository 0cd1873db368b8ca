import { describe, expect, it } from "vitest";
import { periodBounds } from "../../traffic/tier-limit.js";
import { testDeps, testExchange } from "../testing.js";
import { createQuotaHandler } from "./handler.js";

describe("quota handler", () => {
  it("computes UTC calendar periods, December included", () => {
    expect(periodBounds("month", Date.UTC(2026, 11, 31, 23, 59))).toEqual([
      Date.UTC(2026, 11, 1),
      Date.UTC(2027, 0, 1),
    ]);
    expect(periodBounds("day", Date.UTC(2026, 1, 28, 12))).toEqual([Date.UTC(2026, 1, 28), Date.UTC(2026, 2, 1)]);
  });

  it("refuses past the limit per application with 429 quota-exceeded", () => {
    const q = createQuotaHandler({ limit: 2, period: "month", by: "application" }, testDeps());
    const app = (id: string) => {
      const ex = testExchange();
      ex.applicationId = id;
      return ex;
    };
    expect([q.onRequest(app("a")), q.onRequest(app("a")), q.onRequest(app("a"))]).toEqual([
      { ok: true },
      { ok: true },
      { ok: false, code: "quota-exceeded", detail: undefined },
    ]);
    expect(q.onRequest(app("b"))).toEqual({ ok: true });
  });
});
