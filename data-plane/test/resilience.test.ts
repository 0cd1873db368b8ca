import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { AnalyticsBatch, type AnalyticsEvent, type GatewayAck, natsNames } from "@portico/shared";
import type { NatsBus } from "@portico/shared/bus/nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY,
  bundleSigningKey,
  call,
  closedPort,
  collect,
  ENV,
  gateway,
  natsBus,
  sleep,
  startEchoUpstream,
  type TestGateway,
  tempDir,
  tenantDraft,
  tenantIssuer,
  uniquePrefix,
  waitFor,
  waitForAck,
} from "./harness.js";

/** A NATS server of our own, so the test can take it away and bring it back with its store. */
async function startNats(port: number, storeDir: string): Promise<ChildProcess> {
  const child = spawn("/usr/sbin/nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir], {
    stdio: "ignore",
  });
  await waitForPort(port);
  return child;
}

async function waitForPort(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, "127.0.0.1");
      s.once("connect", () => resolve(s.end() !== undefined));
      s.once("error", () => resolve(false));
    });
    if (open) {
      return;
    }
    await sleep(50);
  }
  throw new Error(`nats-server did not open port ${port}`);
}

async function stopNats(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGKILL");
  await exited;
}

describe("a gateway rides out NATS going away and coming back", () => {
  const prefix = uniquePrefix();
  const names = natsNames(prefix);
  let port: number;
  let natsUrl: string;
  let nats: ChildProcess | undefined;
  let store: Awaited<ReturnType<typeof tempDir>>;
  let data: Awaited<ReturnType<typeof tempDir>>;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let keys: Awaited<ReturnType<typeof bundleSigningKey>>;
  let issuer: Awaited<ReturnType<typeof tenantIssuer>>;
  let control: NatsBus;
  let acks: ReturnType<typeof collect<GatewayAck>>;
  let gw: TestGateway | undefined;
  let gwBus: NatsBus | undefined;
  /** resource of every request the gateways answered, so analytics can be reconciled */
  const sent: string[] = [];

  const deploy = async (version: number) =>
    control.kvPut(
      names.bundleBucket(ENV),
      "tenant-acme",
      await keys.sign(tenantDraft({ version, upstream: upstream.origin, issuer })),
    );

  const startGw = async () => {
    gwBus = natsBus("gateway", natsUrl);
    gw = await gateway({ bus: gwBus, dataDir: data.path, bundleKeys: keys.jwks, natsPrefix: prefix });
    return gw;
  };

  const stopGw = async () => {
    await gw?.close();
    // Draining needs a server; with NATS down give up after a moment.
    await Promise.race([gwBus?.close(), sleep(500)]);
    gw = undefined;
  };

  const expectServes = async (phase: string, n: number) => {
    for (let i = 0; i < n; i++) {
      const resource = `/${phase}-${i}`;
      const res = await call(`${(gw as TestGateway).url}/t/acme/shop/pets/v1${resource}`, {
        headers: { "x-api-key": API_KEY },
      });
      expect(res.status, resource).toBe(200);
      sent.push(resource);
    }
  };

  beforeAll(async () => {
    port = await closedPort();
    natsUrl = `nats://127.0.0.1:${port}`;
    store = await tempDir();
    data = await tempDir();
    nats = await startNats(port, store.path);
    upstream = await startEchoUpstream();
    keys = await bundleSigningKey();
    issuer = await tenantIssuer();
    control = natsBus("control-plane", natsUrl);
    await control.ready();
    await control.ensureStream(names.analyticsStream, [names.analyticsFilter]);
    acks = collect<GatewayAck>(control, names.ackSubject(ENV, "gw-test"));
  });

  afterAll(async () => {
    await stopGw();
    await acks?.stop();
    await control?.close();
    if (nats) {
      await stopNats(nats);
    }
    await upstream?.close();
    await store?.remove();
    await data?.remove();
  });

  it("applies a bundle and serves while NATS is up", async () => {
    await startGw();
    await deploy(1);
    await waitForAck(acks, (a) => a.ok && a.version === 1);
    await expectServes("up", 5);
  });

  it("keeps serving when NATS goes away, spooling analytics to disk", async () => {
    await stopNats(nats as ChildProcess);
    nats = undefined;
    await expectServes("nats-down", 20);
    const spool = join(data.path, "gateway", "gw-test", "spool");
    await waitFor(() => readdirSync(spool).some((f) => f.endsWith(".json")), 10_000, "spooled batch");
  });

  it("restarts with NATS still down and serves from disk within 2 s", async () => {
    await stopGw();
    const started = Date.now();
    const restarted = await startGw();
    const res = await call(`${restarted.url}/t/acme/shop/pets/v1/cold-start`, { headers: { "x-api-key": API_KEY } });
    const elapsed = Date.now() - started;
    expect(res.status).toBe(200);
    sent.push("/cold-start");
    expect(elapsed).toBeLessThan(2000);
    expect(restarted.tenants()).toMatchObject([{ tenant: "tenant-acme", version: 1 }]);
    await expectServes("cold", 5);
  });

  it("catches up with a bundle deployed after NATS comes back", async () => {
    nats = await startNats(port, store.path);
    await control.ready();
    await waitFor(() => control.isConnected(), 10_000, "control plane reconnect");
    await deploy(2);
    await waitForAck(acks, (a) => a.ok && a.version === 2, 15_000);
    expect(gw?.tenants()).toMatchObject([{ tenant: "tenant-acme", version: 2 }]);
    await expectServes("back", 5);
  });

  it("catches up with a bundle deployed while it was stopped", async () => {
    await stopGw();
    await deploy(3);
    const restarted = await startGw();
    await waitFor(() => restarted.tenants()[0]?.version === 3, 10_000, "version 3 from the bucket");
    await expectServes("caught-up", 5);
  });

  it("delivers the analytics of every request exactly once, including those made while NATS was down", async () => {
    await stopGw();
    const events = new Map<string, AnalyticsEvent>();
    let duplicates = 0;
    const consumer = await control.consume(names.analyticsStream, `${prefix}_check`, async (m) => {
      for (const e of AnalyticsBatch.parse(JSON.parse(m.data)).events) {
        if (events.has(e.id)) {
          duplicates++;
        }
        events.set(e.id, e);
      }
    });
    // The restarted gateway replays the spool every 2 s; the last one flushed on close.
    const restarted = await startGw();
    await waitFor(() => events.size >= sent.length, 20_000, `${sent.length} analytics events`);
    await sleep(500);
    await consumer.stop();
    expect(duplicates).toBe(0);
    const resources = [...events.values()].map((e) => e.resource).sort();
    expect(resources).toEqual([...sent].sort());
    expect(readdirSync(join(data.path, "gateway", "gw-test", "spool")).filter((f) => f.endsWith(".json"))).toEqual([]);
    expect(restarted.tenants()).toMatchObject([{ version: 3 }]);
  });
});
