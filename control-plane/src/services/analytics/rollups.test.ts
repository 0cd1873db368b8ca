import { randomUUID } from "node:crypto";
import type { AnalyticsEvent } from "@portico/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyticsEvent, shipEvents } from "../../test/analytics-events.js";
import { signupTenant, startTestControlPlane, type TestControlPlane } from "../../test/harness.js";
import { until } from "../../test/journey.js";
import { MIN_MS, RELATIVE_ERROR } from "./histogram.js";
import { pruneAnalytics } from "./retention.js";

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(() => t?.close());

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const apis = [randomUUID(), randomUUID()];
const apps = [randomUUID(), randomUUID(), randomUUID()];

/** Deterministic, long-tailed latencies over 2 APIs, 3 applications, 2 gateways and all status classes. */
function traffic(tenant: string, n: number, start: number): AnalyticsEvent[] {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: n }, (_, i) => {
    const r = random();
    return analyticsEvent(tenant, {
      time: start + Math.floor((i / n) * 40 * 60_000),
      api: apis[i % 2]!,
      application: i % 7 === 0 ? null : apps[i % 3]!,
      gateway: `gw-${i % 2}`,
      resource: i % 4 === 0 ? "/orders/{id}" : "/orders",
      status: r < 0.05 ? 503 : r < 0.15 ? 404 : r < 0.2 ? 304 : 200,
      latencyMs: Math.round(Math.exp(random() * 7) * 100) / 100,
    });
  });
}

const get = (token: string, path: string) => t.api.call("GET", `/api/v1/analytics${path}`, { token });
const within = (approx: number | null, exact: number | null) =>
  approx !== null && exact !== null && Math.abs(approx - exact) <= exact * RELATIVE_ERROR + MIN_MS;

describe("analytics rollups", () => {
  it("agree with the raw events: exact counts, percentiles within the histogram's bound", async () => {
    const { token, tenantId } = await signupTenant(t.api);
    // Two hours ago, on the hour: one hour bucket, forty minute buckets.
    const start = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR;
    const events = traffic(tenantId, 4000, start);
    await shipEvents(t, tenantId, events);
    const range = `from=${new Date(start).toISOString()}&to=${new Date(start + HOUR).toISOString()}`;
    const raw = await until(async () => {
      const r = (await get(token, `/requests?${range}`)).body;
      return r.totals.count === events.length ? r : undefined;
    }, "events stored");
    expect(raw.source).toBe("raw");
    expect(raw.series).toHaveLength(40);

    const [hour] = (await get(token, `/rollups?granularity=hour&${range}`)).body.rows;
    const minutes = (await get(token, `/rollups?granularity=minute&${range}`)).body.rows;
    expect(hour.count).toBe(events.length);
    expect(hour.errors).toBe(raw.totals.errors);
    expect(minutes.map((m: { count: number }) => m.count)).toEqual(raw.series.map((m: { count: number }) => m.count));
    for (const p of ["p50", "p95", "p99"] as const) {
      expect({ p, ok: within(hour.latency[p], raw.totals[p]) }).toEqual({ p, ok: true });
      minutes.forEach((m: { latency: Record<string, number> }, i: number) => {
        expect({ p, i, ok: within(m.latency[p]!, raw.series[i][p]) }).toEqual({ p, i, ok: true });
      });
    }

    // Grouped by API, each group's percentiles against the raw ones of that API.
    const byApi = (await get(token, `/rollups?granularity=hour&groupBy=api&${range}`)).body.rows;
    expect(byApi).toHaveLength(2);
    for (const row of byApi) {
      const exact = (await get(token, `/requests?${range}&apiId=${row.api}`)).body.totals;
      expect(row.count).toBe(exact.count);
      expect(within(row.latency.p95, exact.p95)).toBe(true);
    }
    expect(raw.statusClasses).toEqual({
      "1xx": 0,
      "2xx": events.filter((e) => e.status === 200).length,
      "3xx": events.filter((e) => e.status === 304).length,
      "4xx": events.filter((e) => e.status === 404).length,
      "5xx": events.filter((e) => e.status === 503).length,
    });
    expect(raw.topApis.map((a: { apiId: string }) => a.apiId).sort()).toEqual([...apis].sort());
    expect(raw.topApplications.reduce((s: number, a: { count: number }) => s + a.count, 0)).toBe(events.length);
    expect(raw.topApplications.find((a: { applicationId: string | null }) => a.applicationId === null).count).toBe(
      events.filter((e) => e.application === null).length,
    );
  });

  it("answer totals and top lists from one snapshot while ingest keeps storing batches", async () => {
    const { token, tenantId } = await signupTenant(t.api);
    const start = Date.now() - 45 * 60_000;
    // Small batches, so some land between the reads of one answer unless they share a snapshot.
    const storing = shipEvents(t, tenantId, traffic(tenantId, 3000, start), 25);
    const range = `from=${new Date(start).toISOString()}&to=${new Date(start + HOUR).toISOString()}`;
    const sum = (rows: { count: number }[]) => rows.reduce((n, r) => n + r.count, 0);
    const answers: { total: number; apis: number; applications: number }[] = [];
    let total = 0;
    const end = Date.now() + 40_000;
    while (total < 3000 && Date.now() < end) {
      const r = (await get(token, `/requests?${range}`)).body;
      total = r.totals.count;
      answers.push({ total, apis: sum(r.topApis), applications: sum(r.topApplications) });
    }
    await storing;
    expect(total).toBe(3000);
    // Two APIs and four applications (one of them none): each top list covers every event.
    expect(answers.filter((a) => a.apis !== a.total || a.applications !== a.total)).toEqual([]);
    expect(answers.filter((a) => a.total > 0 && a.total < 3000).length).toBeGreaterThan(0);
  });

  it("filters by status class, gateway, resource and environment, and groups by several dimensions", async () => {
    const { token, tenantId } = await signupTenant(t.api);
    const start = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR;
    const events = traffic(tenantId, 1000, start);
    await shipEvents(t, tenantId, events);
    const range = `from=${new Date(start).toISOString()}&to=${new Date(start + HOUR).toISOString()}`;
    await until(
      async () => (await get(token, `/requests?${range}`)).body.totals.count === events.length,
      "events stored",
    );
    const count = async (q: string) => (await get(token, `/requests?${range}&${q}`)).body.totals.count;
    expect(await count("statusClass=5xx")).toBe(events.filter((e) => e.status >= 500).length);
    expect(await count("gatewayId=gw-1")).toBe(events.filter((e) => e.gateway === "gw-1").length);
    expect(await count("resource=/orders/%7Bid%7D")).toBe(events.filter((e) => e.resource === "/orders/{id}").length);
    expect(await count(`applicationId=${apps[0]}`)).toBe(events.filter((e) => e.application === apps[0]).length);
    expect(await count("environment=elsewhere")).toBe(0);

    const grouped = (await get(token, `/rollups?granularity=hour&groupBy=gateway,statusClass&${range}`)).body;
    expect(grouped.groupBy).toEqual(["gateway", "statusClass"]);
    const gw1Errors = grouped.rows.filter(
      (r: { gateway: string; statusClass: string }) => r.gateway === "gw-1" && r.statusClass === "5xx",
    );
    expect(gw1Errors[0].count).toBe(events.filter((e) => e.gateway === "gw-1" && e.status >= 500).length);

    expect((await get(token, `/rollups?groupBy=tenant&${range}`)).status).toBe(400);
    expect((await get(token, `/rollups?granularity=day&${range}`)).status).toBe(400);
    const longAgo = new Date(Date.now() - 200 * DAY).toISOString();
    expect((await get(token, `/rollups?granularity=hour&from=${longAgo}`)).status).toBe(200);
    expect((await get(token, `/rollups?granularity=minute&from=${longAgo}`)).status).toBe(400);
    expect((await get(token, `/requests?${range}&applicationId=nope`)).status).toBe(400);
  });

  it("answers from rollups beyond raw retention, and pruning keeps each resolution as long as configured", async () => {
    const { token, tenantId } = await signupTenant(t.api);
    const start = Math.floor((Date.now() - 9 * DAY) / HOUR) * HOUR;
    const events = traffic(tenantId, 500, start);
    await shipEvents(t, tenantId, events);
    const range = `from=${new Date(start).toISOString()}&to=${new Date(start + HOUR).toISOString()}`;
    const old = await until(async () => {
      const r = (await get(token, `/requests?${range}`)).body;
      return r.totals.count === events.length ? r : undefined;
    }, "events stored");
    // Nine days back lies beyond the default 7 days of raw events: minute rollups answer.
    expect(old.source).toBe("minute");

    const removed = await pruneAnalytics(t.cp.database, { rawMs: 8 * DAY, minuteMs: 30 * DAY, hourMs: 400 * DAY });
    expect(removed.events).toBeGreaterThanOrEqual(events.length);
    const after = (await get(token, `/requests?${range}`)).body;
    expect(after.totals).toEqual(old.totals);
    await pruneAnalytics(t.cp.database, { rawMs: 8 * DAY, minuteMs: 8 * DAY, hourMs: 400 * DAY });
    expect((await get(token, `/rollups?granularity=minute&${range}`)).body.rows).toEqual([]);
    const hour = (await get(token, `/rollups?granularity=hour&${range}`)).body.rows;
    expect(hour.reduce((s: number, r: { count: number }) => s + r.count, 0)).toBe(events.length);
  });

  it("never shows one tenant's analytics to another", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const events = traffic(a.tenantId, 50, Date.now() - 50 * 60_000);
    await shipEvents(t, a.tenantId, events);
    await until(async () => (await get(a.token, "/requests")).body.totals.count === 50, "events stored");
    expect((await get(b.token, "/requests")).body.totals.count).toBe(0);
    expect((await get(b.token, `/requests?apiId=${apis[0]}`)).body.totals.count).toBe(0);
    expect((await get(b.token, "/rollups?groupBy=api")).body.rows).toEqual([]);
    expect((await get(b.token, "/rollups?granularity=hour")).body.rows).toEqual([]);
  });
});
