import { connect } from "node:net";
import { AnalyticsBatch, type AnalyticsEvent, type GatewayAck, type GatewayStatus, natsNames } from "@portico/shared";
import type { NatsBus } from "@portico/shared/bus/nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY,
  bundleSigningKey,
  call,
  collect,
  type EchoRequest,
  ENV,
  gateway,
  natsBus,
  startEchoUpstream,
  type TestGateway,
  tempDir,
  tenantDraft,
  tenantIssuer,
  uniquePrefix,
  waitFor,
  waitForAck,
} from "./harness.js";

describe("a gateway following NATS serves a deployed tenant", () => {
  const prefix = uniquePrefix();
  const names = natsNames(prefix);
  let control: NatsBus;
  let gwBus: NatsBus;
  let gw: TestGateway;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let issuer: Awaited<ReturnType<typeof tenantIssuer>>;
  let acks: ReturnType<typeof collect<GatewayAck>>;
  let statuses: ReturnType<typeof collect<GatewayStatus>>;
  const events: AnalyticsEvent[] = [];
  let firstAck: GatewayAck;

  beforeAll(async () => {
    dir = await tempDir();
    upstream = await startEchoUpstream();
    issuer = await tenantIssuer();
    const keys = await bundleSigningKey();
    control = natsBus("control-plane");
    await control.ready();
    acks = collect<GatewayAck>(control, names.ackSubject(ENV, "gw-test"));
    statuses = collect<GatewayStatus>(control, names.statusSubject(ENV, "gw-test"));
    await control.ensureStream(names.analyticsStream, [names.analyticsFilter]);
    await control.consume(names.analyticsStream, names.analyticsDurable, async (m) => {
      events.push(...AnalyticsBatch.parse(JSON.parse(m.data)).events);
    });
    gwBus = natsBus("gateway");
    gw = await gateway({ bus: gwBus, dataDir: dir.path, bundleKeys: keys.jwks, natsPrefix: prefix });
    await control.kvPut(
      names.bundleBucket(ENV),
      "tenant-acme",
      await keys.sign(tenantDraft({ version: 1, upstream: upstream.origin, issuer })),
    );
    firstAck = await waitForAck(acks, (a) => a.ok);
  });

  afterAll(async () => {
    await gw?.close();
    await acks?.stop();
    await statuses?.stop();
    await gwBus?.close();
    await control?.close();
    await upstream?.close();
    await dir?.remove();
  });

  it("acks the applied bundle with its version, hash and apply time", () => {
    expect(firstAck).toMatchObject({
      ok: true,
      gateway: "gw-test",
      environment: ENV,
      tenant: "tenant-acme",
      version: 1,
    });
    expect(firstAck.ok && firstAck.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(firstAck.ok && firstAck.applyMs).toBeGreaterThanOrEqual(0);
    expect(gw.tenants()).toEqual([{ tenant: "tenant-acme", version: 1, hash: firstAck.ok ? firstAck.hash : "" }]);
  });

  it("forwards an API-key call with path, query, method and body, forwarding headers set and the key removed", async () => {
    const res = await call(`${gw.url}/t/acme/shop/pets/v1/items/42?color=red&n=1`, {
      method: "POST",
      headers: {
        "x-api-key": API_KEY,
        "content-type": "application/json",
        "x-forwarded-for": "203.0.113.9",
        "x-request-id": "req-abc",
      },
      body: JSON.stringify({ name: "rex" }),
    });
    expect(res.status).toBe(200);
    const echo = res.json() as EchoRequest;
    expect(echo.method).toBe("POST");
    expect(echo.url).toBe("/base/items/42?color=red&n=1");
    expect(echo.body).toBe('{"name":"rex"}');
    expect(echo.headers["content-type"]).toBe("application/json");
    expect(echo.headers["x-api-key"]).toBeUndefined();
    expect(echo.headers["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
    expect(echo.headers["x-forwarded-proto"]).toBe("http");
    expect(echo.headers["x-forwarded-host"]).toBe(new URL(gw.url).host);
    expect(echo.headers["x-forwarded-prefix"]).toBe("/t/acme/shop/pets/v1");
    expect(echo.headers["x-request-id"]).toBe("req-abc");
    expect(echo.headers.host).toBe(new URL(upstream.origin).host);
    expect(res.headers["x-request-id"]).toBe("req-abc");
    expect(res.headers["x-upstream"]).toBe("echo");
    // Hop-by-hop headers of the upstream's response, and those its Connection header names, stay behind.
    expect(res.headers["x-hop"]).toBeUndefined();
    expect(res.headers["keep-alive"]).not.toBe("timeout=5");
  });

  it("forwards a JWT call without the Authorization header it consumed", async () => {
    const token = await issuer.token();
    const res = await call(`${gw.url}/t/acme/shop/pets/v1/`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const echo = res.json() as EchoRequest;
    expect(echo.url).toBe("/base/");
    expect(echo.headers.authorization).toBeUndefined();
    // A second call with the same token is served from the verified-token cache.
    expect(
      (await call(`${gw.url}/t/acme/shop/pets/v1`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
    expect((upstream.received.at(-1) as EchoRequest).url).toBe("/base");
  });

  it("passes Authorization through to an API that does not require Portico credentials", async () => {
    const res = await call(`${gw.url}/t/acme/open/v1/x`, { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(res.status).toBe(200);
    expect((res.json() as EchoRequest).headers.authorization).toBe("Basic dXNlcjpwYXNz");
  });

  it("marks responses of a deprecated API with a Deprecation header", async () => {
    const res = await call(`${gw.url}/t/acme/old/v1/x`);
    expect(res.status).toBe(200);
    expect(res.headers.deprecation).toBe("true");
  });

  it("reports what it serves in its heartbeat", async () => {
    const status = await waitFor(() => statuses.messages.find((s) => s.tenants.length > 0), 5000, "heartbeat");
    expect(status).toMatchObject({
      id: "gw-test",
      environment: ENV,
      softwareVersion: "0.1.0",
      capabilities: { schemaVersions: [1] },
      tenants: [{ tenant: "tenant-acme", version: 1 }],
      lastError: null,
    });
  });

  it("ships one analytics event per request with the request's fields", async () => {
    const res = await call(`${gw.url}/t/acme/shop/pets/v1/analytics-probe?q=1`, {
      method: "PUT",
      headers: { "x-api-key": API_KEY },
      body: "12345",
    });
    expect(res.status).toBe(200);
    const denied = await call(`${gw.url}/t/acme/shop/pets/v1/analytics-denied`);
    expect(denied.status).toBe(401);
    const event = await waitFor(() => events.find((e) => e.resource === "/analytics-probe"), 10_000, "analytics event");
    expect(event).toMatchObject({
      tenant: "tenant-acme",
      environment: ENV,
      gateway: "gw-test",
      api: "api_pets",
      apiVersion: "v1",
      method: "PUT",
      status: 200,
      application: "app1",
      bytesIn: 5,
      errorType: null,
    });
    expect(event.bytesOut).toBeGreaterThan(0);
    expect(event.latencyMs).toBeGreaterThan(0);
    expect(event.upstreamLatencyMs).not.toBeNull();
    expect(event.upstreamLatencyMs as number).toBeLessThanOrEqual(event.latencyMs);
    const deniedEvent = await waitFor(
      () => events.find((e) => e.resource === "/analytics-denied"),
      10_000,
      "401 event",
    );
    expect(deniedEvent).toMatchObject({
      status: 401,
      application: null,
      api: "api_pets",
      errorType: "unauthorized",
      upstreamLatencyMs: null,
    });
  });

  it("counts each response's own bytes on a kept-alive connection", async () => {
    const url = new URL(gw.url);
    const socket = connect(Number(url.port), url.hostname);
    const received: number[] = [];
    let pending = Buffer.alloc(0);
    let answered: (() => void) | undefined;
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      const head = pending.indexOf("\r\n\r\n");
      const length = Number(/content-length: (\d+)/i.exec(pending.toString("latin1"))?.[1]);
      if (head >= 0 && pending.length >= head + 4 + length) {
        received.push(pending.length);
        pending = Buffer.alloc(0);
        answered?.();
      }
    });
    // The unknown tenant's 404 has no event, and its bytes must not land on the next one's.
    const paths = ["/bytes-1", "/bytes-2-longer", "/t/nobody/x/v1/", "/bytes-3"];
    for (const path of paths) {
      const done = new Promise<void>((resolve) => {
        answered = resolve;
      });
      const target = path.startsWith("/t/") ? path : `/t/acme/shop/pets/v1${path}`;
      socket.write(`GET ${target} HTTP/1.1\r\nhost: x\r\nx-api-key: ${API_KEY}\r\n\r\n`);
      await done;
    }
    socket.destroy();
    received.splice(2, 1);
    const counted = await waitFor(
      () => {
        const found = ["/bytes-1", "/bytes-2-longer", "/bytes-3"].map((r) => events.find((e) => e.resource === r));
        return found.every((e) => e !== undefined) ? found.map((e) => e?.bytesOut) : undefined;
      },
      10_000,
      "three events",
    );
    expect(counted).toEqual(received);
  });

  it("serves liveness, readiness and Prometheus metrics", async () => {
    expect((await call(`${gw.url}/healthz`)).json()).toEqual({ status: "ok" });
    expect((await call(`${gw.url}/readyz`)).status).toBe(200);
    const metrics = await call(`${gw.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/portico_gateway_requests_total\{tenant="tenant-acme",status_class="2xx"\} \d+/);
    expect(metrics.text).toMatch(/portico_gateway_bundle_version\{tenant="tenant-acme"\} 1/);
    expect(metrics.text).toContain("portico_gateway_request_duration_seconds_bucket");
    expect(metrics.text).toContain("portico_gateway_analytics_spool_depth 0");
  });
});
