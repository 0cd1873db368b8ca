import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Kvm } from "@nats-io/kv";
import { connect } from "@nats-io/transport-node";
import type { GatewayStatus } from "@portico/shared";
import { contentHash } from "@portico/shared/bundle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY,
  bundleSigningKey,
  call,
  collect,
  deployedGateway,
  ENV,
  NATS_URL,
  sleep,
  tenantDraft,
  waitFor,
  waitForAck,
} from "./harness.js";

describe("bundles the gateway must refuse, while it keeps serving the last good one", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let bucket: string;
  let loop: { stop(): Promise<{ ok: number; failed: string[] }> };

  /** Calls the API back to back until stopped; every answer must be the upstream's 200. */
  function requestLoop() {
    let running = true;
    let ok = 0;
    const failed: string[] = [];
    const done = (async () => {
      while (running) {
        const res = await call(`${t.gw.url}/t/acme/shop/pets/v1/loop`, { headers: { "x-api-key": API_KEY } }).catch(
          (e: unknown) => ({ status: -1, text: String(e) }),
        );
        if (res.status === 200) {
          ok++;
        } else {
          failed.push(`${res.status} ${res.text}`);
        }
      }
    })();
    return {
      stop: async () => {
        running = false;
        await done;
        return { ok, failed };
      },
    };
  }

  const draft = (version: number, over: Parameters<typeof tenantDraft>[0] extends infer D ? Partial<D> : never = {}) =>
    tenantDraft({ version, upstream: t.upstream.origin, issuer: t.issuer, ...over });

  async function expectRejected(key: string, jws: string, reason: string) {
    const before = t.acks.messages.length;
    const t0 = performance.now();
    await t.control.kvPut(bucket, key, jws);
    const nack = await waitFor(() => t.acks.messages[before], 10_000, `nack ${reason}`);
    // Reported to the control plane within a second of being published.
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(nack).toMatchObject({ ok: false, gateway: "gw-test", environment: ENV, reason, at: expect.any(Number) });
    expect(nack.ok === false && nack.detail.length).toBeGreaterThan(0);
    expect(t.gw.tenants().find((x) => x.tenant === "tenant-acme")).toBeDefined();
  }

  beforeAll(async () => {
    t = await deployedGateway();
    bucket = t.names.bundleBucket(ENV);
    loop = requestLoop();
  });

  afterAll(async () => {
    await loop?.stop();
    await t?.close();
  });

  it("persists the applied bundle to disk as the signed JWS", () => {
    const file = join(t.dir.path, "gateway", "gw-test", "bundles", "tenant-acme.jws");
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, "utf8").split(".")).toHaveLength(3);
  });

  it("rejects a bundle signed by a key it does not trust, or tampered with", async () => {
    const stranger = await bundleSigningKey(t.keys.kid);
    await expectRejected("tenant-acme", await stranger.sign(draft(5)), "bad_signature");
    const otherKid = await bundleSigningKey("unknown-kid");
    await expectRejected("tenant-acme", await otherKid.sign(draft(5)), "unknown_kid");
    const [h, p, s] = (await t.keys.sign(draft(5))).split(".");
    const tampered = Buffer.from(p as string, "base64url")
      .toString()
      .replace('"version":5', '"version":6');
    await expectRejected("tenant-acme", `${h}.${Buffer.from(tampered).toString("base64url")}.${s}`, "bad_signature");
  });

  it("rejects a bundle for another environment, under another tenant's key, or with a broken schema", async () => {
    await expectRejected("tenant-acme", await t.keys.sign(draft(5, { environment: "prod" })), "wrong_environment");
    await expectRejected("tenant-other", await t.keys.sign(draft(5)), "wrong_tenant");
    await expectRejected(
      "tenant-acme",
      await t.keys.signRaw({ schemaVersion: 1, tenant: { id: "tenant-acme" }, version: 5 }),
      "schema",
    );
    await expectRejected("tenant-acme", "not-a-jws", "bad_signature");
    // A policy kind this gateway does not know: fail closed, keep serving the last good config.
    const unknownPolicy = draft(5) as Record<string, unknown> & { apis: Record<string, unknown>[] };
    unknownPolicy.apis = unknownPolicy.apis.map((a, i) => (i === 0 ? { ...a, policies: [{ kind: "lua-script" }] } : a));
    await expectRejected(
      "tenant-acme",
      await t.keys.signRaw({ ...unknownPolicy, hash: contentHash(unknownPolicy) }),
      "schema",
    );
  });

  it("rejects a bundle it cannot compile: unknown tier, or a slug another tenant serves", async () => {
    const unknownTier = draft(5);
    unknownTier.subscriptions = [{ id: "s", applicationId: "app1", apiId: "api_pets", tier: "Gold", status: "ACTIVE" }];
    await expectRejected("tenant-acme", await t.keys.sign(unknownTier), "invalid_config");
    await expectRejected(
      "tenant-beta",
      await t.keys.sign(draft(1, { tenantId: "tenant-beta", slug: "acme" })),
      "slug_conflict",
    );
  });

  it("applies a newer bundle, then refuses an older one and a same-version one with other content", async () => {
    await t.deploy(3);
    await waitForAck(t.acks, (a) => a.ok && a.version === 3);
    await expectRejected("tenant-acme", await t.keys.sign(draft(2)), "stale_version");
    await expectRejected(
      "tenant-acme",
      await t.keys.sign(draft(3, { silentUpstream: "http://127.0.0.1:9" })),
      "stale_version",
    );
    expect(t.gw.tenants()).toMatchObject([{ tenant: "tenant-acme", version: 3 }]);
  });

  it("ignores a replay of the bundle it already runs", async () => {
    const current = await t.keys.sign(draft(4));
    await t.control.kvPut(bucket, "tenant-acme", current);
    await waitForAck(t.acks, (a) => a.ok && a.version === 4);
    const before = t.acks.messages.length;
    await t.control.kvPut(bucket, "tenant-acme", current);
    await sleep(500);
    expect(t.acks.messages.length).toBe(before);
  });

  it("reports the last rejection in its heartbeat", async () => {
    const statuses = collect<GatewayStatus>(t.control, t.names.statusSubject(ENV, "gw-test"));
    const status = await waitFor(
      () => statuses.messages.find((s) => s.lastError !== null),
      5000,
      "status with lastError",
    );
    await statuses.stop();
    expect(status.lastError).toMatchObject({ reason: expect.any(String), detail: expect.any(String) });
    expect(status.tenants).toMatchObject([{ tenant: "tenant-acme", version: 4 }]);
  });

  it("served every request of the loop with no failure through all of the above", async () => {
    const result = await loop.stop();
    expect(result.failed).toEqual([]);
    expect(result.ok).toBeGreaterThan(10);
    loop = { stop: async () => result };
  });

  it("stops routing a renamed tenant's old slug, and a deleted tenant altogether", async () => {
    await t.deploy(10, { slug: "acme-renamed" });
    await waitForAck(t.acks, (a) => a.ok && a.version === 10);
    expect((await call(`${t.gw.url}/t/acme/open/v1/x`)).status).toBe(404);
    expect((await call(`${t.gw.url}/t/acme-renamed/open/v1/x`)).status).toBe(200);
    // The Bus contract has no delete (the control plane never deletes yet): use the NATS KV client.
    const nc = await connect({ servers: NATS_URL });
    await (await new Kvm(nc).open(bucket)).delete("tenant-acme");
    await nc.close();
    await waitFor(() => t.gw.tenants().length === 0, 5000, "tenant removal");
    expect((await call(`${t.gw.url}/t/acme-renamed/open/v1/x`)).status).toBe(404);
    const file = join(t.dir.path, "gateway", "gw-test", "bundles", "tenant-acme.jws");
    await waitFor(() => !existsSync(file), 5000, "on-disk bundle removal");
  });
});
