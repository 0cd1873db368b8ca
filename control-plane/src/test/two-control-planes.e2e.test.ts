import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { startGateway } from "@portico/data-plane";
import { GatewayAck, natsNames } from "@portico/shared";
import { NatsBus } from "@portico/shared/bus/nats";
import { sql } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ControlPlane, startControlPlane } from "../control-plane.js";
import { client, createTestDatabase, deleteNatsPrefix, NATS_URL, signupTenant, uniqueName } from "./harness.js";
import { publishedApi, served, until } from "./journey.js";
import { startEchoUpstream } from "./upstream.js";

/**
 * Two control planes on one PostgreSQL database and one NATS: either serves the API, one of
 * them relays the outbox, and the analytics consumer is one durable they share.
 */
describe("two control planes against the same PostgreSQL and NATS", () => {
  const prefix = uniqueName("t");
  const names = natsNames(prefix);
  const dataDir = mkdtempSync(join(tmpdir(), "portico-two-cp-"));
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const buses: NatsBus[] = [];
  const cps: ControlPlane[] = [];
  const closed = new Set<ControlPlane>();
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  const acks: GatewayAck[] = [];

  const startOne = async (i: number) => {
    const bus = new NatsBus({ servers: NATS_URL, name: `${prefix}-cp${i}` });
    buses.push(bus);
    const cp = await startControlPlane({
      databaseUrl: db.url,
      dataDir: join(dataDir, `cp${i}`),
      bus,
      natsPrefix: prefix,
      port: 0,
      host: "127.0.0.1",
      logger: pino({ level: "silent" }),
    });
    cps.push(cp);
    return cp;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await startOne(1);
    await startOne(2);
    upstream = await startEchoUpstream();
    const watcher = new NatsBus({ servers: NATS_URL, name: `${prefix}-acks` });
    buses.push(watcher);
    watcher.subscribe(names.ackFilter, (m) => acks.push(GatewayAck.parse(JSON.parse(m.data))));
    const bundleKeys = (await client(cps[0]!.url).call("GET", "/.well-known/portico/bundle-keys")).body;
    const gwBus = new NatsBus({ servers: NATS_URL, name: `${prefix}-gw` });
    buses.push(gwBus);
    gateway = await startGateway({
      bus: gwBus,
      environment: "default",
      gatewayId: `${prefix}-gw`,
      dataDir: join(dataDir, "gw"),
      port: 0,
      host: "127.0.0.1",
      bundleKeys,
      natsPrefix: prefix,
      heartbeatMs: 500,
      analyticsFlushMs: 100,
      logger: pino({ level: "silent" }),
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.close();
    for (const cp of cps.filter((c) => !closed.has(c))) {
      await cp.close();
    }
    for (const bus of buses) {
      await bus.close();
    }
    await upstream?.close();
    await db?.drop();
    await deleteNatsPrefix(prefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("deploy through either, each bundle version reaches the gateway once, and a follower takes over the relay", async () => {
    const [one, two] = cps.map((cp) => client(cp.url)) as [ReturnType<typeof client>, ReturnType<typeof client>];
    await until(async () => cps.some((cp) => cp.leadsRelay()), "a relay leader");
    expect(cps.filter((cp) => cp.leadsRelay())).toHaveLength(1);

    const a = await signupTenant(one);
    // Every put of the tenant's bundle, as the bus carries it: each version must travel once.
    const published: number[] = [];
    const leaders = new Set<number>();
    const sampler = setInterval(() => leaders.add(cps.filter((cp) => !closed.has(cp) && cp.leadsRelay()).length), 50);
    const watch = await buses[0]!.kvWatch(
      names.bundleBucket("default"),
      (e) => e.value && published.push(JSON.parse(Buffer.from(e.value.split(".")[1]!, "base64url").toString()).version),
      { key: a.tenantId },
    );
    const deploy = async (api: ReturnType<typeof client>, context: string) =>
      (await publishedApi({ api }, a.token, { context, upstreamUrl: upstream.url })).api.id as string;
    const gw = client(gateway.url);
    const apiOne = await deploy(one, "via-one");
    const apiTwo = await deploy(two, "via-two");
    const app = (await one.call("POST", "/api/v1/applications", { token: a.token, body: { name: "x" } })).body;
    const key = (await two.call("POST", `/api/v1/applications/${app.id}/api-keys`, { token: a.token })).body.key;
    for (const apiId of [apiOne, apiTwo]) {
      await one.call("POST", "/api/v1/subscriptions", { token: a.token, body: { applicationId: app.id, apiId } });
    }
    await served(gw, `/t/${a.slug}/via-one/v1/x`, { "x-api-key": key });
    await served(gw, `/t/${a.slug}/via-two/v1/x`, { "x-api-key": key });

    // The leader goes away; the other takes the lock on its next poll and publishes from then on.
    const leader = cps.find((cp) => cp.leadsRelay())!;
    const follower = cps.find((cp) => cp !== leader)!;
    const stoppedAt = Date.now();
    closed.add(leader);
    await leader.close();
    await until(async () => follower.leadsRelay(), "the follower leads", 10_000);
    const takeoverMs = Date.now() - stoppedAt;
    expect(takeoverMs).toBeLessThan(5000);
    const survivor = client(follower.url);
    await deploy(survivor, "after-failover");
    const app2 = await survivor.call("POST", `/api/v1/applications/${app.id}/api-keys`, { token: a.token });
    await served(gw, `/t/${a.slug}/via-one/v1/x`, { "x-api-key": app2.body.key });

    // Every version the gateway saw, it saw once, and it never saw one twice (a rejection).
    await new Promise((r) => setTimeout(r, 1500));
    clearInterval(sampler);
    await watch.stop();
    expect([...leaders].every((n) => n <= 1)).toBe(true);
    expect(published.length).toBeGreaterThan(3);
    expect(new Set(published).size).toBe(published.length);
    const mine = acks.filter((x) => x.tenant === a.tenantId);
    expect(mine.filter((x) => !x.ok)).toEqual([]);
    const versions = mine.map((x) => (x.ok ? x.version : -1));
    expect(new Set(versions).size).toBe(versions.length);
    expect(versions.length).toBeGreaterThan(3);

    // Analytics: one durable consumer shared by both, each event stored once.
    const nc = await connect({ servers: NATS_URL });
    const consumers: string[] = [];
    for await (const c of (await jetstreamManager(nc)).consumers.list(names.analyticsStream)) {
      consumers.push(c.name);
    }
    await nc.close();
    expect(consumers).toEqual([names.analyticsDurable]);
    const before = await countEvents(follower, a.tenantId);
    for (let i = 0; i < 20; i++) {
      expect((await gw.call("GET", `/t/${a.slug}/via-two/v1/n${i}`, { headers: { "x-api-key": key } })).status).toBe(
        200,
      );
    }
    await until(async () => (await countEvents(follower, a.tenantId)) >= before + 20, "analytics ingested");
    await new Promise((r) => setTimeout(r, 1000));
    expect(await countEvents(follower, a.tenantId)).toBe(before + 20);
    console.info(`relay takeover after the leader stopped: ${takeoverMs} ms`);
  }, 90_000);
});

async function countEvents(cp: ControlPlane, tenantId: string): Promise<number> {
  const rows = await cp.database.system.execute<{ n: number }>(
    sql`select count(*)::int as n from analytics_events where tenant_id = ${tenantId} and resource like '/n%'`,
  );
  return Number(rows[0]?.n ?? 0);
}
