import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { analyticsEvent, shipEvents } from "../../test/analytics-events.js";
import { signupTenant, startTestControlPlane, type TestControlPlane } from "../../test/harness.js";
import { until } from "../../test/journey.js";

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(() => t?.close());

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** A real receiver on a local port that refuses its first `failFirst` deliveries with 503. */
async function receiver(failFirst: number) {
  const received: Received[] = [];
  let calls = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      calls++;
      if (calls <= failFirst) {
        res.writeHead(503).end();
        return;
      }
      received.push({ path: req.url ?? "", headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    calls: () => calls,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const exporters = (token: string, method = "GET", path = "", body?: unknown) =>
  t.api.call(method, `/api/v1/analytics/exporters${path}`, { token, body });

describe("analytics exporters", () => {
  it("deliver every event to a batched webhook at least once, retrying a receiver that fails first", async () => {
    const hook = await receiver(2);
    const { token, tenantId } = await signupTenant(t.api);
    const created = await exporters(token, "POST", "", {
      name: "moesif-like",
      kind: "webhook",
      url: `${hook.url}/events`,
      secret: { header: "X-Moesif-Application-Id", value: "app-secret-123" },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: "webhook", secretHeader: "x-moesif-application-id", enabled: true });
    expect(JSON.stringify(created.body)).not.toContain("app-secret-123");
    expect(JSON.stringify((await exporters(token)).body)).not.toContain("app-secret-123");
    // Sealed at rest, not stored in the clear.
    const sql = postgres(t.databaseUrl, { max: 1, onnotice: () => {} });
    const [row] = await sql`select secret_sealed from analytics_exporters where id = ${created.body.id}`;
    await sql.end();
    expect(row!.secret_sealed).not.toContain("app-secret-123");

    const events = Array.from({ length: 30 }, () => analyticsEvent(tenantId));
    await shipEvents(t, tenantId, events.slice(0, 10));
    await shipEvents(t, tenantId, events.slice(10));
    const ids = await until(async () => {
      const seen = new Set(hook.received.flatMap((r) => r.body.events.map((e: { id: string }) => e.id)));
      return seen.size === events.length ? seen : undefined;
    }, "all events exported");
    expect(ids).toEqual(new Set(events.map((e) => e.id)));
    expect(hook.calls()).toBeGreaterThanOrEqual(hook.received.length + 2);
    expect(hook.received[0]!.headers["x-moesif-application-id"]).toBe("app-secret-123");
    expect(hook.received[0]!.body.batchId).toBe(hook.received[0]!.headers["x-portico-batch"]);
    const status = await until(async () => {
      const x = (await exporters(token, "GET", `/${created.body.id}`)).body;
      return x.pendingBatches === 0 && x.lastDeliveredAt ? x : undefined;
    }, "queue drained");
    expect(status.lastError).toBeNull();
    await hook.close();
  });

  it("deliver OTLP/HTTP JSON logs to a collector, one record per request with its event id", async () => {
    const collector = await receiver(1);
    const { token, tenantId } = await signupTenant(t.api);
    const created = await exporters(token, "POST", "", { name: "otel", kind: "otlp", url: collector.url });
    expect(created.status).toBe(201);
    const events = [
      analyticsEvent(tenantId, { status: 200, latencyMs: 12.5 }),
      analyticsEvent(tenantId, { status: 503, errorType: "upstream_unavailable" }),
    ];
    await shipEvents(t, tenantId, events);
    const request = await until(async () => collector.received[0], "logs exported");
    expect(request.path).toBe("/v1/logs");
    const [resourceLogs] = request.body.resourceLogs;
    const attrs = (list: { key: string; value: Record<string, unknown> }[]) =>
      Object.fromEntries(list.map((a) => [a.key, Object.values(a.value)[0]]));
    expect(attrs(resourceLogs.resource.attributes)).toMatchObject({
      "service.name": "portico-gateway",
      "portico.tenant": tenantId,
    });
    const records = resourceLogs.scopeLogs[0].logRecords;
    expect(records.map((r: { attributes: never[] }) => attrs(r.attributes)["portico.event.id"])).toEqual(
      events.map((e) => e.id),
    );
    expect(records[1]).toMatchObject({ severityText: "ERROR", timeUnixNano: `${events[1]!.time}000000` });
    expect(attrs(records[1].attributes)).toMatchObject({
      "http.response.status_code": "503",
      "portico.error.type": "upstream_unavailable",
    });
    await collector.close();
  });

  it("can be paused, changed and removed by their tenant only", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const x = (await exporters(a.token, "POST", "", { name: "a", kind: "webhook", url: "http://127.0.0.1:9/" })).body;
    expect((await exporters(b.token)).body).toEqual([]);
    expect((await exporters(b.token, "GET", `/${x.id}`)).status).toBe(404);
    expect((await exporters(b.token, "PATCH", `/${x.id}`, { enabled: false })).status).toBe(404);
    expect((await exporters(b.token, "DELETE", `/${x.id}`)).status).toBe(404);

    const paused = await exporters(a.token, "PATCH", `/${x.id}`, {
      enabled: false,
      secret: { header: "authorization", value: "Bearer s" },
    });
    expect(paused.body).toMatchObject({ enabled: false, secretHeader: "authorization" });
    // Paused: new events are not queued for it.
    await shipEvents(t, a.tenantId, [analyticsEvent(a.tenantId)]);
    await until(
      async () => (await t.api.call("GET", "/api/v1/analytics/requests", { token: a.token })).body.totals.count === 1,
      "event stored",
    );
    expect((await exporters(a.token, "GET", `/${x.id}`)).body.pendingBatches).toBe(0);
    expect((await exporters(a.token, "PATCH", `/${x.id}`, { secret: null })).body.secretHeader).toBeNull();
    expect((await exporters(a.token, "POST", "", { name: "bad", kind: "kafka", url: "http://x" })).status).toBe(400);
    expect((await exporters(a.token, "DELETE", `/${x.id}`)).status).toBe(204);
    expect((await exporters(a.token, "GET", `/${x.id}`)).status).toBe(404);
  });
});
