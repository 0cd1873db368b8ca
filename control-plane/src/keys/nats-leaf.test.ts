import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gatewayInboxPrefix, natsNames } from "@portico/shared";
import type { KvEntry } from "@portico/shared/bus";
import { NatsBus } from "@portico/shared/bus/nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../test/journey.js";
import { freePort, ownNatsServer } from "../test/nats-server.js";
import { accountVariable, createNatsOperator, gatewayCreds, resolverConfig } from "./nats-auth.js";

const nats = new URL("../../../infra/nats/", import.meta.url).pathname;
const names = natsNames("leaftest");
const tenant = "33333333-3333-4333-8333-333333333333";
const env = "env-eu";

/**
 * The shipped cluster.conf and leaf.conf, live: three JetStream nodes on loopback (ports and
 * routes rewritten, nothing else), a leaf node linked to them, and a gateway with credentials
 * limited to itself reaching its bundle and the analytics stream through the leaf.
 */
describe("a gateway behind a regional leaf node of the 3-node cluster (shipped configs)", () => {
  const dir = mkdtempSync(join(tmpdir(), "portico-nats-leaf-"));
  const servers: Awaited<ReturnType<typeof ownNatsServer>>[] = [];
  const buses: NatsBus[] = [];

  beforeAll(async () => {
    const setup = await createNatsOperator();
    writeFileSync(join(dir, "resolver.conf"), resolverConfig(setup));
    writeFileSync(join(dir, "leaf.creds"), setup.leafCreds);
    writeFileSync(join(dir, "account.conf"), accountVariable(setup));
    writeFileSync(join(dir, "cp.creds"), setup.controlPlaneCreds);
    writeFileSync(
      join(dir, "gw.creds"),
      await gatewayCreds(setup.signerSeed, setup.account.publicKey, names, {
        environment: env,
        tenantId: tenant,
        gatewayId: "gw-eu",
        jsDomain: "portico",
      }),
    );
    const ports = await Promise.all(
      [1, 2, 3].map(async () => ({ route: await freePort(), leaf: await freePort(), http: await freePort() })),
    );
    const cluster = readFileSync(join(nats, "cluster.conf"), "utf8");
    const nodes = [1, 2, 3].map((i) => {
      let text = cluster
        .replace(/store_dir: .*/, `store_dir: "${join(dir, `js-${i}`)}"`)
        .replace("0.0.0.0:6222", `127.0.0.1:${ports[i - 1]!.route}`)
        .replace("0.0.0.0:7422", `127.0.0.1:${ports[i - 1]!.leaf}`)
        .replace("0.0.0.0:8222", `127.0.0.1:${ports[i - 1]!.http}`);
      for (const j of [1, 2, 3]) {
        text = text.replace(`nats-route://nats-${j}:6222`, `nats-route://127.0.0.1:${ports[j - 1]!.route}`);
      }
      writeFileSync(join(dir, `cluster-${i}.conf`), text);
      return ownNatsServer({ config: join(dir, `cluster-${i}.conf`), env: { NATS_SERVER_NAME: `nats-${i}` } });
    });
    servers.push(...(await Promise.all(nodes)));
    let leaf = readFileSync(join(nats, "leaf.conf"), "utf8").replace("/etc/nats/leaf.creds", join(dir, "leaf.creds"));
    for (const j of [1, 2, 3]) {
      leaf = leaf.replace(`nats-leaf://nats-${j}:7422`, `nats-leaf://127.0.0.1:${ports[j - 1]!.leaf}`);
    }
    writeFileSync(join(dir, "leaf.conf"), leaf);
  }, 30_000);

  afterAll(async () => {
    for (const b of buses) {
      await b.close();
    }
    for (const s of servers) {
      await s.destroy();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("replicates the bundle bucket three ways and serves the gateway's key and analytics through the leaf", async () => {
    const cp = new NatsBus({
      servers: servers[0]!.url,
      credsFile: join(dir, "cp.creds"),
      name: "cp",
      replicas: 3,
      domain: "portico",
    });
    buses.push(cp);
    await cp.ready();
    // The cluster elects its JetStream leader after the routes form: retry until it accepts.
    await until(
      async () =>
        cp.kvPut(names.bundleBucket(env), tenant, "bundle-v1").then(
          () => true,
          () => false,
        ),
      "JetStream cluster ready",
      // A loaded CI machine can take a few elections to settle three nodes.
      45_000,
    );
    await cp.ensureStream(names.analyticsStream, [names.analyticsFilter]);
    // The leaf links once the cluster's JetStream is up, so the gateway's first calls do not race
    // the cluster's leader election.
    servers.push(await ownNatsServer({ config: join(dir, "leaf.conf"), env: { NATS_SERVER_NAME: "leaf-eu" } }));

    const gw = new NatsBus({
      servers: servers[3]!.url,
      credsFile: join(dir, "gw.creds"),
      name: "gw-eu",
      inboxPrefix: gatewayInboxPrefix("gw-eu"),
      domain: "portico",
    });
    buses.push(gw);
    const seen: KvEntry[] = [];
    await until(
      async () =>
        gw
          .kvWatch(names.bundleBucket(env), (e) => seen.push(e), { key: tenant })
          .then(
            () => true,
            () => false,
          ),
      "watch through the leaf",
      10_000,
    );
    await until(async () => seen.length > 0, "the bundle through the leaf");
    expect(seen[0]!.value).toBe("bundle-v1");
    await cp.kvPut(names.bundleBucket(env), tenant, "bundle-v2");
    await until(async () => seen.at(-1)?.value === "bundle-v2", "the change through the leaf");

    await gw.streamPublish(names.analyticsSubject(env, tenant), "events", "leaf-batch-1");
    const got: string[] = [];
    const c = await cp.consume(names.analyticsStream, "leaftest-reader", async (m) => void got.push(m.data));
    await until(async () => got.length > 0, "analytics through the leaf");
    expect(got).toEqual(["events"]);
    await c.stop();
  }, 90_000);
});
