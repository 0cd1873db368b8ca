import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  client,
  expectProblem,
  signupTenant,
  startTestControlPlane,
  type TestControlPlane,
} from "./harness.js";
import { application, publishedApi, served, startTestGateway, until } from "./journey.js";
import { startEchoUpstream } from "./upstream.js";

/**
 * A gateway that runs another bundle than the control plane expects is flagged in
 * GET /api/v1/gateways within a heartbeat interval (500 ms here); a resync puts the expected
 * bundle on the bus again and has the gateway re-fetch and re-apply it, and the flag clears.
 */
const GATEWAY = "drift-gw";
const dataDir = mkdtempSync(join(tmpdir(), "portico-drift-"));
let t: TestControlPlane;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let gw: Client;

const startGw = async () => {
  gateway = await startTestGateway(t, { gatewayId: GATEWAY, dataDir });
  gw = client(gateway.gateway.url);
};

beforeAll(async () => {
  t = await startTestControlPlane();
  upstream = await startEchoUpstream();
  await startGw();
});
afterAll(async () => {
  await gateway?.close();
  await upstream?.close();
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const bundleFile = (tenantId: string) => join(dataDir, "gateway", GATEWAY, "bundles", `${tenantId}.jws`);

interface GatewayView {
  id: string;
  inSync: boolean;
  drift: {
    status: string;
    reason: string | null;
    expected: { version: number; hash: string } | null;
    actual: { version: number; hash: string } | null;
  };
}

const tamper = (jws: string) => {
  const [h, p, s] = jws.split(".") as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, "base64url").toString());
  payload.apis = [];
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${s}`;
};

describe("bundle drift", () => {
  it("flags a gateway whose bundle was tampered with on disk and on the bus, and a resync clears it", async () => {
    const { token, tenantId, slug } = await signupTenant(t.api);
    const view = async () =>
      ((await t.api.call("GET", "/api/v1/gateways", { token })).body as GatewayView[]).find((g) => g.id === GATEWAY);
    const { api } = await publishedApi(t, token, { context: "drift", upstreamUrl: upstream.url });
    const { key } = await application(t, token, api.id);
    await served(gw, `/t/${slug}/drift/v1/x`, { "x-api-key": key });
    const synced = await until(async () => {
      const g = await view();
      return g?.drift.status === "in-sync" ? g : undefined;
    }, "in sync after the deploy");
    expect(synced.drift.actual).toEqual(synced.drift.expected);

    // Someone rewrites the bundle on the bus and on the gateway's disk; the gateway restarts.
    const bucket = t.names.bundleBucket("default");
    const good = (await t.bus.kvGet(bucket, tenantId))!.value!;
    await gateway.close();
    const onDisk = bundleFile(tenantId);
    writeFileSync(onDisk, tamper(good));
    await t.bus.kvPut(bucket, tenantId, tamper(good));
    await startGw();
    const started = performance.now();
    const drifted = await until(async () => {
      const g = await view();
      return g?.drift.status === "drifted" ? g : undefined;
    }, "flagged as drifted");
    const flaggedMs = performance.now() - started;
    expect(drifted.drift).toMatchObject({ reason: "rejected", actual: null, expected: synced.drift.expected });
    expect(drifted.inSync).toBe(false);
    // One heartbeat interval plus a loaded machine's slack.
    expect(flaggedMs).toBeLessThan(3000);
    expect((await gw.call("GET", `/t/${slug}/drift/v1/x`, { headers: { "x-api-key": key } })).status).toBe(404);

    const resync = await t.api.call("POST", `/api/v1/gateways/${GATEWAY}/resync`, { token });
    expect(resync.status).toBe(202);
    expect(resync.body).toMatchObject({ gateway: GATEWAY, environment: "default", expected: synced.drift.expected });
    const cleared = await until(async () => {
      const g = await view();
      return g?.drift.status === "in-sync" ? g : undefined;
    }, "in sync after the resync");
    expect(cleared.drift.actual).toEqual(synced.drift.expected);
    await served(gw, `/t/${slug}/drift/v1/x`, { "x-api-key": key });
    expect((await t.bus.kvGet(bucket, tenantId))!.value).toBe(good);
    expect(readFileSync(onDisk, "utf8").trim()).toBe(good);
    process.stdout.write(`drift flagged ${Math.round(flaggedMs)} ms after the gateway restarted\n`);
  });

  it("rewrites a gateway's copy on disk on resync even when it serves the expected bundle", async () => {
    const { token, tenantId } = await signupTenant(t.api);
    const { deployment } = await publishedApi(t, token, { context: "disk", upstreamUrl: upstream.url });
    await until(
      async () =>
        gateway.gateway.tenants().some((x) => x.tenant === tenantId && x.version === deployment.bundleVersion),
      "the deployed bundle applied",
    );
    const onDisk = bundleFile(tenantId);
    const bucket = t.names.bundleBucket("default");
    const good = await until(async () => {
      const published = (await t.bus.kvGet(bucket, tenantId))?.value;
      try {
        return published === readFileSync(onDisk, "utf8") ? published : undefined;
      } catch {
        return undefined;
      }
    }, "the deployed bundle persisted");
    writeFileSync(onDisk, "garbage");
    expect((await t.api.call("POST", `/api/v1/gateways/${GATEWAY}/resync`, { token })).status).toBe(202);
    await until(async () => readFileSync(onDisk, "utf8") === good, "the copy on disk rewritten");
  });

  it("answers 404 for a gateway no environment of the tenant has", async () => {
    const { token } = await signupTenant(t.api);
    expectProblem(await t.api.call("POST", "/api/v1/gateways/nobody/resync", { token }), 404, "not-found");
    expectProblem(await t.api.call("POST", "/api/v1/gateways/not%20an%20id/resync", { token }), 404, "not-found");
  });
});
