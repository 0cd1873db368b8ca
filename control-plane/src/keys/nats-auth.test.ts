import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, credsAuthenticator } from "@nats-io/transport-node";
import { gatewayInboxPrefix, natsNames } from "@portico/shared";
import type { KvEntry } from "@portico/shared/bus";
import { NatsBus } from "@portico/shared/bus/nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { until } from "../test/journey.js";
import { ownNatsServer } from "../test/nats-server.js";
import { createNatsOperator, gatewayCreds, loadNatsSigner, resolverConfig } from "./nats-auth.js";

const infraConf = new URL("../../../infra/nats/auth.conf", import.meta.url).pathname;
const names = natsNames("authtest");
const tenantA = "11111111-1111-4111-8111-111111111111";
const tenantB = "22222222-2222-4222-8222-222222222222";
const envA = "env-a";

describe("NATS credentials of a self-hosted gateway (shipped infra/nats/auth.conf, nats-server 2.9)", () => {
  const dir = mkdtempSync(join(tmpdir(), "portico-nats-auth-"));
  let server: Awaited<ReturnType<typeof ownNatsServer>>;
  let cp: NatsBus;
  let gw: NatsBus;
  let gwCredsFile: string;

  beforeAll(async () => {
    const setup = await createNatsOperator();
    writeFileSync(
      join(dir, "auth.conf"),
      readFileSync(infraConf, "utf8").replace(/store_dir: .*/, `store_dir: "${join(dir, "js")}"`),
    );
    writeFileSync(join(dir, "resolver.conf"), resolverConfig(setup));
    writeFileSync(join(dir, "cp.creds"), setup.controlPlaneCreds);
    gwCredsFile = join(dir, "gw.creds");
    writeFileSync(
      gwCredsFile,
      await gatewayCreds(setup.signerSeed, setup.account.publicKey, names, {
        environment: envA,
        tenantId: tenantA,
        gatewayId: "gw-a1",
      }),
    );
    server = await ownNatsServer({ config: join(dir, "auth.conf") });
    cp = new NatsBus({ servers: server.url, credsFile: join(dir, "cp.creds"), name: "cp" });
    await cp.ready();
    await cp.kvPut(names.bundleBucket(envA), tenantA, "bundle-of-a");
    await cp.kvPut(names.bundleBucket(envA), tenantB, "bundle-of-b");
    await cp.kvPut(names.bundleBucket("default"), tenantB, "bundle-of-b-default");
    await cp.ensureStream(names.analyticsStream, [names.analyticsFilter]);
    gw = new NatsBus({
      servers: server.url,
      credsFile: gwCredsFile,
      name: "gw",
      inboxPrefix: gatewayInboxPrefix("gw-a1"),
    });
    await gw.ready();
  }, 20_000);

  afterAll(async () => {
    await gw?.close();
    await cp?.close();
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A connection with gateway gw-a1's credentials, and the server's errors (refusals) on it. */
  async function connectAsGateway() {
    const nc = await connect({
      servers: server.url,
      authenticator: credsAuthenticator(readFileSync(gwCredsFile)),
      inboxPrefix: gatewayInboxPrefix("gw-a1"),
    });
    const errors: string[] = [];
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === "error") {
          errors.push(String(s.error));
        }
      }
    })();
    return { nc, errors };
  }

  it("the control plane finds its signing key and account from nats-init's files", async () => {
    const setup = await createNatsOperator();
    writeFileSync(join(dir, "signer.nk"), `${setup.signerSeed}\n`);
    writeFileSync(join(dir, "own.creds"), setup.controlPlaneCreds);
    expect(loadNatsSigner(join(dir, "signer.nk"), join(dir, "own.creds"))).toEqual({
      seed: setup.signerSeed,
      account: setup.account.publicKey,
    });
    expect(() => loadNatsSigner(join(dir, "signer.nk"), undefined)).toThrow(/NATS_CREDS/);
  });

  it("refuses a client without credentials", async () => {
    await expect(connect({ servers: server.url, reconnect: false })).rejects.toThrow();
  });

  it("reads its own tenant's bundle by watching its key", async () => {
    const seen: KvEntry[] = [];
    const w = await gw.kvWatch(names.bundleBucket(envA), (e) => seen.push(e), { key: tenantA });
    await until(async () => seen.length > 0, "the first bundle");
    expect(seen.map((e) => e.value)).toEqual(["bundle-of-a"]);
    await cp.kvPut(names.bundleBucket(envA), tenantA, "bundle-of-a-v2");
    await until(async () => seen.length > 1, "the second bundle");
    expect(seen.at(-1)?.value).toBe("bundle-of-a-v2");
    await w.stop();
  });

  it("cannot read another tenant's key, another bucket, the whole bucket or the analytics stream", async () => {
    const { nc } = await connectAsGateway();
    const { Kvm } = await import("@nats-io/kv");
    const { jetstream } = await import("@nats-io/jetstream");
    const js = jetstream(nc, { timeout: 2000 });
    const own = await new Kvm(js).open(names.bundleBucket(envA));
    await expect(own.get(tenantB)).rejects.toThrow();
    await expect(own.watch({ key: tenantB })).rejects.toThrow();
    await expect(own.watch()).rejects.toThrow();
    const { jetstreamManager } = await import("@nats-io/jetstream");
    const jsm = await jetstreamManager(nc, { timeout: 2000, checkAPI: false });
    await expect(jsm.consumers.add(names.analyticsStream, { durable_name: "peek" })).rejects.toThrow();
    await expect(jsm.streams.info(names.analyticsStream)).rejects.toThrow();
    const other = await new Kvm(js).open(names.bundleBucket("default"));
    await expect(other.get(tenantB)).rejects.toThrow();
    await expect(other.watch({ key: tenantB })).rejects.toThrow();
    await nc.close();
  });

  it("publishes only as itself, and cannot listen to analytics or other gateways", async () => {
    const heard: string[] = [];
    const spy = cp.subscribe(`${names.prefix}.>`, (m) => heard.push(m.subject));
    await new Promise((r) => setTimeout(r, 100));
    const { nc, errors } = await connectAsGateway();
    nc.publish(names.ackSubject(envA, "gw-a2"), "{}");
    nc.publish(names.statusSubject(envA, "gw-a2"), "{}");
    nc.publish(names.analyticsSubject(envA, tenantB), "{}");
    nc.publish(names.ackSubject(envA, "gw-a1"), "{}");
    nc.publish(names.statusSubject(envA, "gw-a1"), "{}");
    nc.subscribe(names.analyticsFilter);
    nc.subscribe(names.ackFilter);
    await nc.flush();
    await until(async () => heard.length >= 2 && errors.length >= 5, "refusals");
    expect(heard.sort()).toEqual([names.ackSubject(envA, "gw-a1"), names.statusSubject(envA, "gw-a1")]);
    expect(errors.every((e) => /permissions violation/i.test(e))).toBe(true);
    await nc.close();
    await spy.stop();
  });

  it("hears the control plane's requests addressed to it, and not those to other gateways", async () => {
    const heard: string[] = [];
    const mine = gw.subscribe(names.controlSubject(envA, "gw-a1"), (m) => heard.push(m.data));
    const { nc, errors } = await connectAsGateway();
    nc.subscribe(names.controlSubject(envA, "gw-a2"));
    await nc.flush();
    await until(async () => errors.length >= 1, "refused subscription");
    expect(errors[0]).toMatch(/permissions violation/i);
    await until(async () => {
      cp.publish(names.controlSubject(envA, "gw-a1"), "resync");
      return heard.length > 0;
    }, "own control subject");
    expect(heard[0]).toBe("resync");
    await nc.close();
    await mine.stop();
  });

  it("publishes its own tenant's analytics to the stream, and no one else's", async () => {
    await gw.streamPublish(names.analyticsSubject(envA, tenantA), "events", "batch-1");
    await expect(gw.streamPublish(names.analyticsSubject(envA, tenantB), "events", "batch-2")).rejects.toThrow();
    const got: string[] = [];
    const c = await cp.consume(names.analyticsStream, "authtest-reader", async (m) => void got.push(m.subject));
    await until(async () => got.length > 0, "analytics");
    expect(got).toEqual([names.analyticsSubject(envA, tenantA)]);
    await c.stop();
  });
});
