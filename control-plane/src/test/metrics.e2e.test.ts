import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, signupTenant, startTestControlPlane, type TestControlPlane } from "./harness.js";
import { application, publishedApi, served, startTestGateway, until } from "./journey.js";
import { scrape } from "./metrics-scrape.js";
import { ownNatsServer } from "./nats-server.js";
import { startEchoUpstream } from "./upstream.js";

/**
 * `/metrics` of a real gateway and a real control plane move with what happens: requests per
 * API, bundle versions per tenant, control-plane routes, NATS reconnects; and request ids
 * travel from the client to the upstream, the response and problem bodies.
 */
let nats: Awaited<ReturnType<typeof ownNatsServer>>;
let t: TestControlPlane;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let gw: Client;
let dataDir: string;

beforeAll(async () => {
  nats = await ownNatsServer();
  t = await startTestControlPlane({ natsUrl: nats.url });
  upstream = await startEchoUpstream();
  dataDir = mkdtempSync(join(tmpdir(), "portico-metrics-"));
  gateway = await startTestGateway(t, { gatewayId: "metrics-gw", dataDir, natsUrl: nats.url });
  gw = client(gateway.gateway.url);
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await t?.close();
  await nats?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("metrics", () => {
  it("count requests per API, bundle versions, control-plane routes and NATS reconnects", async () => {
    const { token, slug, tenantId } = await signupTenant(t.api);
    const { api } = await publishedApi(t, token, { context: "metered", upstreamUrl: upstream.url });
    const { key } = await application(t, token, api.id);
    const path = `/t/${slug}/metered/v1/items`;
    await served(gw, path, { "x-api-key": key });
    const apiLabels = { tenant: tenantId, api: api.id };
    const before = await scrape(gateway.gateway.url);
    const ok0 = before.value("portico_gateway_api_requests_total", { ...apiLabels, status_class: "2xx" }) ?? 0;
    const count0 = before.value("portico_gateway_api_request_duration_seconds_count", apiLabels) ?? 0;
    const version0 = before.value("portico_gateway_bundle_version", { tenant: tenantId }) ?? 0;
    expect(version0).toBeGreaterThan(0);
    expect(before.value("portico_gateway_analytics_spool_depth")).toBe(0);

    for (let i = 0; i < 3; i++) {
      expect((await gw.call("GET", path, { headers: { "x-api-key": key } })).status).toBe(200);
    }
    expect((await gw.call("GET", path)).status).toBe(401);
    const after = await scrape(gateway.gateway.url);
    expect(after.value("portico_gateway_api_requests_total", { ...apiLabels, status_class: "2xx" })).toBe(ok0 + 3);
    expect(after.value("portico_gateway_api_requests_total", { ...apiLabels, status_class: "4xx" })).toBeGreaterThan(0);
    expect(after.value("portico_gateway_api_request_duration_seconds_count", apiLabels)).toBe(count0 + 4);
    expect(after.value("portico_gateway_api_request_duration_seconds_bucket", { ...apiLabels, le: "+Inf" })).toBe(
      count0 + 4,
    );
    // The series kept from before: per tenant.
    expect(after.value("portico_gateway_requests_total", { tenant: tenantId, status_class: "2xx" })).toBeGreaterThan(0);

    // A second deployment moves the tenant's bundle version.
    const rev = (await t.api.call("POST", `/api/v1/apis/${api.id}/revisions`, { token })).body;
    const dep = await t.api.call("POST", `/api/v1/apis/${api.id}/deployments`, {
      token,
      body: { revisionId: rev.id, environment: "default" },
    });
    expect(dep.status).toBe(201);
    await until(async () => {
      const v = (await scrape(gateway.gateway.url)).value("portico_gateway_bundle_version", { tenant: tenantId });
      return v !== undefined && v > version0;
    }, "bundle version moved");

    // Control-plane series are labelled by route pattern, never by raw path.
    const cp = await scrape(t.cp.url);
    expect(
      cp.value("portico_cp_http_request_duration_seconds_count", {
        method: "POST",
        route: "/api/v1/apis/:id/deployments",
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      cp.value("portico_cp_http_requests_total", { method: "POST", route: "/api/v1/apis", status: "201" }),
    ).toBeGreaterThanOrEqual(1);
    expect(cp.labelValues("portico_cp_http_requests_total", "route").some((r) => r.includes(api.id))).toBe(false);

    // NATS goes away and comes back: both processes count the reconnect.
    expect((await scrape(gateway.gateway.url)).value("portico_gateway_nats_reconnects_total")).toBe(0);
    await nats.stop();
    await nats.start();
    await until(async () => {
      const [g, c] = await Promise.all([scrape(gateway.gateway.url), scrape(t.cp.url)]);
      return (
        (g.value("portico_gateway_nats_reconnects_total") ?? 0) >= 1 &&
        (c.value("portico_cp_nats_reconnects_total") ?? 0) >= 1
      );
    }, "reconnects counted");
  });

  it("carry the request id to the upstream, the response and problem bodies", async () => {
    const { token, slug } = await signupTenant(t.api);
    const { api } = await publishedApi(t, token, { context: "traced-ids", upstreamUrl: upstream.url });
    const { key } = await application(t, token, api.id);
    const path = `/t/${slug}/traced-ids/v1/x`;
    await served(gw, path, { "x-api-key": key });

    const res = await gw.call("GET", path, { headers: { "x-api-key": key, "x-request-id": "req-from-client-1" } });
    expect(res.headers.get("x-request-id")).toBe("req-from-client-1");
    expect(upstream.seen.at(-1)?.headers["x-request-id"]).toBe("req-from-client-1");

    const refused = await gw.call("GET", path, { headers: { "x-request-id": "req-from-client-2" } });
    expect(refused.status).toBe(401);
    expect(refused.body.requestId).toBe("req-from-client-2");
    const generated = await gw.call("GET", path);
    expect(generated.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.headers.get("x-request-id")).toBe(generated.body.requestId);

    const cpProblem = await t.api.call("GET", "/api/v1/apis/nope", { token, headers: { "x-request-id": "cp-req-1" } });
    expect(cpProblem.headers.get("x-request-id")).toBe("cp-req-1");
    expect(cpProblem.body.requestId).toBe("cp-req-1");
  });
});
