import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, signupTenant, startTestControlPlane, type TestControlPlane } from "./harness.js";
import { application, publishedApi, startTestGateway, until } from "./journey.js";
import { ownNatsServer } from "./nats-server.js";
import { startEchoUpstream } from "./upstream.js";

/**
 * NATS goes away and comes back while the control plane keeps changing things: the gateway
 * keeps serving, restarts from disk, catches up, and no analytics event is lost or doubled.
 */
let nats: Awaited<ReturnType<typeof ownNatsServer>>;
let t: TestControlPlane;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let dataDir: string;
const running: Awaited<ReturnType<typeof startTestGateway>>[] = [];

async function gatewayUp() {
  const g = await startTestGateway(t, { gatewayId: "resilience-gw", dataDir, natsUrl: nats.url });
  running.push(g);
  return g.gateway;
}

async function gatewayDown() {
  await running.pop()?.close();
}

beforeAll(async () => {
  nats = await ownNatsServer();
  t = await startTestControlPlane({ natsUrl: nats.url });
  upstream = await startEchoUpstream();
  dataDir = mkdtempSync(join(tmpdir(), "portico-resilience-"));
});
afterAll(async () => {
  while (running.length) {
    await gatewayDown();
  }
  await upstream?.close();
  await t?.close();
  await nats?.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("NATS outage", () => {
  it("serves throughout, restarts from disk, catches up and loses no analytics", async () => {
    const { token, slug } = await signupTenant(t.api);
    const { api } = await publishedApi(t, token, { context: "steady", upstreamUrl: upstream.url });
    const first = await application(t, token, api.id);
    const path = `/t/${slug}/steady/v1/ping`;

    let gw = client((await gatewayUp()).url);
    let sent = 0;
    const call = async (headers: Record<string, string>) => {
      const res = await gw.call("GET", path, { headers });
      if (res.status !== 404) {
        sent++; // once the API is known, every call is an analytics event of it
      }
      return res;
    };
    await until(async () => (await call({ "x-api-key": first.key })).status === 200, "first bundle");

    await nats.stop();
    for (let i = 0; i < 50; i++) {
      expect((await call({ "x-api-key": first.key })).status).toBe(200);
    }

    // A change made while the bus is down waits in the outbox.
    const second = await application(t, token, api.id);

    await gatewayDown();
    const restarted = performance.now();
    gw = client((await gatewayUp()).url);
    await until(async () => (await call({ "x-api-key": first.key })).status === 200, "served from disk", 2000);
    const fromDiskMs = performance.now() - restarted;
    expect(fromDiskMs).toBeLessThan(2000);
    expect((await call({ "x-api-key": second.key })).status).toBe(401);
    for (let i = 0; i < 20; i++) {
      expect((await call({ "x-api-key": first.key })).status).toBe(200);
    }

    await nats.start();
    const back = performance.now();
    await until(async () => (await call({ "x-api-key": second.key })).status === 200, "caught up", 15_000);
    const catchUpMs = performance.now() - back;
    expect(catchUpMs).toBeLessThan(15_000);

    const total = await until(
      async () => {
        const res = (await t.api.call("GET", `/api/v1/analytics/requests?apiId=${api.id}`, { token })).body;
        return res.totals.count >= sent ? res.totals.count : undefined;
      },
      "analytics after recovery",
      20_000,
    );
    await new Promise((r) => setTimeout(r, 1000));
    const settled = (await t.api.call("GET", `/api/v1/analytics/requests?apiId=${api.id}`, { token })).body.totals
      .count;
    expect({ total, settled }).toEqual({ total: sent, settled: sent });
    console.info(
      `resilience: served from disk in ${fromDiskMs.toFixed(0)} ms, caught up ${catchUpMs.toFixed(0)} ms after NATS returned, ${sent} events counted once`,
    );
  });
});
