import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stoppable } from "@portico/shared/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestControlPlane } from "./harness.js";
import { publishedApi, startTestGateway, startTestStack, type TestStack, until } from "./journey.js";

/**
 * A deploy reaches every gateway of the environment, and the control plane reports how many
 * acked and how long after the bundle went on the bus; a tenant's changes put nothing on the
 * bus of another tenant's self-hosted environment.
 */
const GATEWAYS = 5;
const DEPLOYS = 3;
let stack: TestStack;
let t: TestControlPlane;
const extra: { close(): Promise<void> }[] = [];
const dir = mkdtempSync(join(tmpdir(), "portico-propagation-"));

beforeAll(async () => {
  stack = await startTestStack("prop-gw-0");
  t = stack.t;
  for (let i = 1; i < GATEWAYS; i++) {
    extra.push(await startTestGateway(t, { gatewayId: `prop-gw-${i}`, dataDir: join(dir, String(i)) }));
  }
});
afterAll(async () => {
  await Promise.all(extra.map((g) => g.close()));
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface DeploymentView {
  bundleVersion: number;
  live: boolean;
  gateways: {
    total: number;
    acked: number;
    publishedAt: string | null;
    firstAckMs: number | null;
    lastAckMs: number | null;
  };
}

describe("propagation to the gateways of an environment", () => {
  it(`reports every deploy acked by all ${GATEWAYS} gateways, with the time from bus put to first and last ack`, async () => {
    const { token } = await signupTenant(t.api);
    const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
    await until(async () => {
      const gws = (await call("GET", "/api/v1/gateways")).body as { live: boolean }[];
      return gws.filter((g) => g.live).length === GATEWAYS;
    }, "every gateway heartbeats");
    const { api } = await publishedApi(t, token, { context: "prop", upstreamUrl: stack.upstream.url });
    const revisions = [
      (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body.id,
      (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body.id,
    ];
    const lastAcks: number[] = [];
    for (let i = 0; i < DEPLOYS; i++) {
      const dep = await call("POST", `/api/v1/apis/${api.id}/deployments`, {
        revisionId: revisions[i % 2],
        environment: "default",
      });
      expect(dep.status).toBe(201);
      const done = await until(async () => {
        const list = (await call("GET", `/api/v1/apis/${api.id}/deployments`)).body as DeploymentView[];
        const d = list.find((x) => x.bundleVersion === dep.body.bundleVersion);
        return d && d.gateways.acked === GATEWAYS && d.gateways.lastAckMs !== null ? d : undefined;
      }, `deploy ${i} acked by every gateway`);
      expect(done.gateways).toMatchObject({ total: GATEWAYS, acked: GATEWAYS, publishedAt: expect.any(String) });
      expect(done.gateways.firstAckMs).toBeGreaterThanOrEqual(0);
      expect(done.gateways.lastAckMs).toBeGreaterThanOrEqual(done.gateways.firstAckMs!);
      // Generous: a loaded CI machine; loopback takes tens of ms.
      expect(done.gateways.lastAckMs).toBeLessThan(10_000);
      lastAcks.push(done.gateways.lastAckMs!);
    }
    process.stdout.write(`bus put → all ${GATEWAYS} gateways acked: ${lastAcks.map((ms) => `${ms} ms`).join(", ")}\n`);
  });

  it("puts nothing on another tenant's self-hosted environment when a tenant deploys or resyncs", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const as = (token: string) => (method: string, path: string, body?: unknown) =>
      t.api.call(method, path, { token, body });
    const [callA, callB] = [as(a.token), as(b.token)];
    const envA = (await callA("POST", "/api/v1/environments", { name: "site-a" })).body;
    const envB = (await callB("POST", "/api/v1/environments", { name: "site-b" })).body;
    const gwB = await startTestGateway(t, {
      gatewayId: "prop-b",
      dataDir: join(dir, "b"),
      environment: envB.id,
      tenant: b.tenantId,
    });
    extra.push(gwB);
    const onB = await publishedApi(t, b.token, { context: "b", upstreamUrl: stack.upstream.url, environment: envB.id });
    const runningB = await until(
      async () => gwB.gateway.tenants().find((x) => x.tenant === b.tenantId),
      "B's gateway runs B's bundle",
    );

    // Everything that travels to B's environment: its bundle bucket and its gateways' control subjects.
    const seen: string[] = [];
    const subs: Stoppable[] = [
      t.bus.subscribe(`$KV.${t.names.bundleBucket(envB.id)}.>`, (m) => seen.push(m.subject)),
      t.bus.subscribe(`${t.prefix}.control.${envB.id}.>`, (m) => seen.push(m.subject)),
    ];
    // A request on the same connection: the server has the subscriptions once it answers.
    await t.bus.kvGet(t.names.bundleBucket(envB.id), b.tenantId);

    const { api } = await publishedApi(t, a.token, { context: "a", upstreamUrl: stack.upstream.url });
    const rev = (await callA("POST", `/api/v1/apis/${api.id}/revisions`)).body;
    expect(
      (
        await callA("POST", `/api/v1/apis/${api.id}/deployments`, {
          revisionId: rev.id,
          environments: ["default", envA.id],
        })
      ).status,
    ).toBe(201);
    expect((await callA("POST", "/api/v1/gateways/prop-gw-0/resync")).status).toBe(202);
    await until(async () => {
      const list = (await callA("GET", `/api/v1/apis/${api.id}/deployments`)).body as DeploymentView[];
      return list.filter((d) => d.live).every((d) => d.gateways.publishedAt !== null) && list.length === 3;
    }, "A's bundles are on the bus");
    // A's resync request and bundles were published after the subscriptions; give stragglers time.
    await new Promise((r) => setTimeout(r, 500));
    expect(seen).toEqual([]);
    expect(gwB.gateway.tenants()).toEqual([runningB]);
    // B's own gateway may not be resynced by A, nor seen by A.
    expect((await callA("POST", "/api/v1/gateways/prop-b/resync")).status).toBe(404);

    // The same watch does see B's own changes: the count above is not zero for want of listening.
    const revB = (await callB("POST", `/api/v1/apis/${onB.api.id}/revisions`)).body;
    await callB("POST", `/api/v1/apis/${onB.api.id}/deployments`, { revisionId: revB.id, environment: envB.id });
    await until(async () => seen.length > 0, "B's deploy on B's bucket");
    expect(seen.every((subject) => subject.endsWith(`.${b.tenantId}`))).toBe(true);
    await Promise.all(subs.map((s) => s.stop()));
  });
});
