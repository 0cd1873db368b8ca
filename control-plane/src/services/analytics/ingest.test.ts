import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyticsEvent as event } from "../../test/analytics-events.js";
import { signupTenant, startTestControlPlane, type TestControlPlane } from "../../test/harness.js";

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(() => t?.close());

async function countOf(token: string, expected: number) {
  const end = Date.now() + 10_000;
  for (;;) {
    const res = await t.api.call("GET", "/api/v1/analytics/requests", { token });
    if (res.body.totals.count >= expected || Date.now() > end) {
      return res.body;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("analytics ingest", () => {
  it("counts each event once, however often its batch arrives, and serves percentiles per minute", async () => {
    const { token, tenantId } = await signupTenant(t.api);
    const events = Array.from({ length: 100 }, (_, i) =>
      event(tenantId, { latencyMs: i + 1, status: i < 10 ? 502 : 200 }),
    );
    const first = { batchId: randomUUID(), events: events.slice(0, 60) };
    const second = { batchId: randomUUID(), events: events.slice(40) };
    const subject = t.names.analyticsSubject("default", tenantId);
    await t.bus.streamPublish(subject, JSON.stringify(first), first.batchId);
    await t.bus.streamPublish(subject, JSON.stringify(first), first.batchId); // deduplicated by msgID
    await t.bus.streamPublish(subject, JSON.stringify(second), second.batchId); // overlaps: idempotent on event id
    const body = await countOf(token, 100);
    await new Promise((r) => setTimeout(r, 300));
    const again = (await t.api.call("GET", "/api/v1/analytics/requests", { token })).body;
    expect(again.totals).toEqual({ count: 100, errors: 10, p50: 50.5, p95: 95.05, p99: 99.01 });
    expect(body.series.reduce((n: number, m: { count: number }) => n + m.count, 0)).toBe(100);
  });

  it("keeps tenants' events apart and drops events of unknown tenants", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const stray = { batchId: randomUUID(), events: [event(randomUUID())] };
    await t.bus.streamPublish(t.names.analyticsSubject("default", a.tenantId), JSON.stringify(stray), stray.batchId);
    const batch = { batchId: randomUUID(), events: [event(a.tenantId), event(a.tenantId)] };
    await t.bus.streamPublish(t.names.analyticsSubject("default", a.tenantId), JSON.stringify(batch), batch.batchId);
    expect((await countOf(a.token, 2)).totals.count).toBe(2);
    expect((await t.api.call("GET", "/api/v1/analytics/requests", { token: b.token })).body.totals.count).toBe(0);
  });

  it("validates the query", async () => {
    const { token } = await signupTenant(t.api);
    const bad = await t.api.call("GET", "/api/v1/analytics/requests?from=yesterday", { token });
    expect(bad.status).toBe(400);
    const reversed = await t.api.call(
      "GET",
      "/api/v1/analytics/requests?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z",
      { token },
    );
    expect(reversed.status).toBe(400);
  });
});
