import { type ChildProcess, spawn } from "node:child_process";
import { connect as tcpConnect } from "node:net";
import { type GatewayAck, natsNames } from "@portico/shared";
import type { NatsBus } from "@portico/shared/bus/nats";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY,
  bundleSigningKey,
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
} from "./harness.js";

/**
 * The control plane and NATS gone for a while under steady load. The gateway never calls the
 * control plane, so "both down" is NATS down with nobody publishing. CI default: 6 s at
 * 300 req/s; the 60 s is PORTICO_OUTAGE_SECONDS=60.
 */
const OUTAGE_S = Number(process.env.PORTICO_OUTAGE_SECONDS ?? 6);
const RATE = Number(process.env.PORTICO_OUTAGE_RATE ?? 300);

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
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

describe("control plane and NATS down under load", () => {
  const prefix = uniquePrefix();
  const names = natsNames(prefix);
  let port: number;
  let nats: ChildProcess | undefined;
  let store: Awaited<ReturnType<typeof tempDir>>;
  let data: Awaited<ReturnType<typeof tempDir>>;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let keys: Awaited<ReturnType<typeof bundleSigningKey>>;
  let issuer: Awaited<ReturnType<typeof tenantIssuer>>;
  let control: NatsBus;
  let gwBus: NatsBus;
  let gw: TestGateway;
  let acks: ReturnType<typeof collect<GatewayAck>>;

  const startNats = async () => {
    nats = spawn("/usr/sbin/nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store.path], {
      stdio: "ignore",
    });
    await waitForPort(port);
  };
  const stopNats = async () => {
    const child = nats;
    nats = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
  };
  const deploy = async (version: number) =>
    control.kvPut(
      names.bundleBucket(ENV),
      "tenant-acme",
      await keys.sign(tenantDraft({ version, upstream: upstream.origin, issuer })),
    );

  beforeAll(async () => {
    port = await closedPort();
    store = await tempDir();
    data = await tempDir();
    await startNats();
    upstream = await startEchoUpstream();
    keys = await bundleSigningKey();
    issuer = await tenantIssuer();
    control = natsBus("control-plane", `nats://127.0.0.1:${port}`);
    await control.ready();
    acks = collect<GatewayAck>(control, names.ackSubject(ENV, "gw-test"));
    gwBus = natsBus("gateway", `nats://127.0.0.1:${port}`);
    gw = await gateway({ bus: gwBus, dataDir: data.path, bundleKeys: keys.jwks, natsPrefix: prefix });
    await deploy(1);
    await waitFor(() => acks.messages.find((a) => a.ok && a.version === 1), 10_000, "ack v1");
  });

  afterAll(async () => {
    await gw?.close();
    await Promise.race([gwBus?.close(), sleep(500)]);
    await acks?.stop();
    await Promise.race([control?.close(), sleep(500)]);
    await stopNats();
    await upstream?.close();
    await store?.remove();
    await data?.remove();
  });

  it(`${OUTAGE_S} s outage at ${RATE} req/s: every request served, reconnect and catch-up within 10 s`, async () => {
    let ok = 0;
    let failed = 0;
    let running = true;
    const loadDone = (async () => {
      const start = Date.now();
      let sent = 0;
      const pending = new Set<Promise<void>>();
      while (running) {
        const due = Math.floor(((Date.now() - start) / 1000) * RATE);
        while (sent < due) {
          sent++;
          const p: Promise<void> = request(`${gw.url}/t/acme/shop/pets/v1/load`, { headers: { "x-api-key": API_KEY } })
            .then(async (res) => {
              await res.body.dump();
              if (res.statusCode === 200) {
                ok++;
              } else {
                failed++;
              }
            })
            .catch(() => {
              failed++;
            })
            .finally(() => pending.delete(p));
          pending.add(p);
        }
        await sleep(5);
      }
      await Promise.all(pending);
    })();
    await sleep(1000);
    await stopNats();
    await sleep(OUTAGE_S * 1000);
    const okDuringOutage = ok;
    await startNats();
    const back = performance.now();
    // The control plane's side reconnects too before it can publish.
    await control.ready();
    await waitFor(() => control.isConnected(), 10_000, "control plane reconnect");
    const published = performance.now();
    let deployed = false;
    for (let i = 0; i < 20 && !deployed; i++) {
      deployed = await deploy(2).then(
        () => true,
        () => false,
      );
      if (!deployed) {
        await sleep(250);
      }
    }
    await waitFor(() => acks.messages.find((a) => a.ok && a.version === 2), 15_000, "ack v2 after the outage");
    const catchUpS = (performance.now() - back) / 1000;
    const applyS = (performance.now() - published) / 1000;
    await sleep(1000);
    running = false;
    await loadDone;
    process.stdout.write(
      `outage: ${OUTAGE_S} s at ${RATE} req/s, ${ok} served (${okDuringOutage} before NATS came back), ${failed} failed; NATS back → new bundle applied and acked in ${catchUpS.toFixed(2)} s (${applyS.toFixed(2)} s after the control plane could publish)\n`,
    );
    expect(failed).toBe(0);
    expect(ok).toBeGreaterThan(RATE * OUTAGE_S * 0.9);
    expect(catchUpS).toBeLessThan(10);
  }, 180_000);
});
