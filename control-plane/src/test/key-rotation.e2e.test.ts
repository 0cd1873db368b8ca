import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startGateway } from "@portico/data-plane";
import { NatsBus } from "@portico/shared/bus/nats";
import { desc, eq } from "drizzle-orm";
import { decodeProtectedHeader, type JSONWebKeySet } from "jose";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outbox } from "../db/schema/index.js";
import {
  type Client,
  client,
  expectProblem,
  NATS_URL,
  signupTenant,
  startTestControlPlane,
  type TestControlPlane,
} from "./harness.js";
import { accessToken, application, publishedApi, served, startTestGateway, until } from "./journey.js";
import { startEchoUpstream } from "./upstream.js";

/** Issuer-key and bundle-signing-key rotation with overlap, end to end through a real gateway. */
let t: TestControlPlane;
let gwHandle: Awaited<ReturnType<typeof startTestGateway>>;
let gw: Client;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let dataDir: string;
let installedKeys: JSONWebKeySet;
const GATEWAY_ID = "rotation-gw";

beforeAll(async () => {
  t = await startTestControlPlane();
  upstream = await startEchoUpstream();
  dataDir = mkdtempSync(join(tmpdir(), "portico-rotation-gw-"));
  installedKeys = (await t.api.call("GET", "/.well-known/portico/bundle-keys")).body;
  gwHandle = await startTestGateway(t, { gatewayId: GATEWAY_ID, dataDir });
  gw = client(gwHandle.gateway.url);
});
afterAll(async () => {
  await gwHandle?.close();
  await upstream?.close();
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("issuer key rotation", () => {
  it("signs with the new key at once, keeps old tokens valid through the overlap, then retires the old key", async () => {
    const { token, slug } = await signupTenant(t.api);
    const { api } = await publishedApi(t, token, { context: "rot", upstreamUrl: upstream.url });
    const { creds } = await application(t, token, api.id);
    const path = `/t/${slug}/rot/v1/x`;
    const oldToken = await accessToken(t, slug, creds);
    await served(gw, path, { authorization: `Bearer ${oldToken}` });
    const oldKid = decodeProtectedHeader(oldToken).kid;

    const rotated = await t.api.call("POST", "/api/v1/issuer-keys/rotate", { token, body: { overlapSeconds: 2 } });
    expect(rotated.status).toBe(201);
    expect(rotated.body.retiring.map((r: { kid: string }) => r.kid)).toEqual([oldKid]);
    const newToken = await accessToken(t, slug, creds);
    expect(decodeProtectedHeader(newToken).kid).toBe(rotated.body.kid);

    // Overlap: JWKS and bundles carry both keys; tokens of both pass.
    const jwks = (await t.api.call("GET", `/t/${slug}/jwks`)).body;
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([rotated.body.kid, oldKid]);
    await served(gw, path, { authorization: `Bearer ${newToken}` });
    expect((await gw.call("GET", path, { headers: { authorization: `Bearer ${oldToken}` } })).status).toBe(200);
    const audited = (await t.api.call("GET", "/api/v1/audit", { token })).body;
    expect(audited[0]).toMatchObject({
      action: "issuer-key.rotate",
      targetType: "issuer-key",
      targetId: rotated.body.kid,
    });
    const listed = (await t.api.call("GET", "/api/v1/issuer-keys", { token })).body;
    expect(listed.map((k: { status: string }) => k.status)).toEqual(["active", "retiring"]);

    // After the overlap the sweep retires the old key everywhere.
    await new Promise((r) => setTimeout(r, 2100));
    await t.cp.sweepKeys();
    expect((await t.api.call("GET", `/t/${slug}/jwks`)).body.keys.map((k: { kid: string }) => k.kid)).toEqual([
      rotated.body.kid,
    ]);
    expectProblem(await served(gw, path, { authorization: `Bearer ${oldToken}` }, 401), 401, "invalid-token");
    expect((await gw.call("GET", path, { headers: { authorization: `Bearer ${newToken}` } })).status).toBe(200);
    expect((await t.api.call("GET", "/api/v1/issuer-keys", { token })).body.map((k: { kid: string }) => k.kid)).toEqual(
      [rotated.body.kid],
    );
    // Rotation needs an admin console token.
    const dev = await t.api.call("POST", "/api/v1/issuer-keys/rotate", { body: {} });
    expectProblem(dev, 401, "unauthorized");
  });
});

describe("bundle-signing key rotation", () => {
  it("announces the next key in bundles, switches after the overlap, and the gateway follows (also after a restart)", async () => {
    const { token, slug, tenantId } = await signupTenant(t.api);
    const { api } = await publishedApi(t, token, { context: "sig", upstreamUrl: upstream.url });
    const { app, key } = await application(t, token, api.id);
    const path = `/t/${slug}/sig/v1/x`;
    await served(gw, path, { "x-api-key": key });
    const oldKid = installedKeys.keys[0]!.kid;

    // Step 1: announce. Bundles are still signed by the old key and carry the new public key.
    const newKid = await t.cp.rotateBundleKey(1);
    const published = (await t.api.call("GET", "/.well-known/portico/bundle-keys")).body;
    expect(published.keys.map((k: { kid: string }) => k.kid).sort()).toEqual([oldKid, newKid].sort());
    const announcedFile = join(dataDir, "gateway", GATEWAY_ID, "announced-bundle-keys.json");
    await until(async () => {
      try {
        return JSON.parse(readFileSync(announcedFile, "utf8")).keys.some((k: { kid: string }) => k.kid === newKid);
      } catch {
        return false;
      }
    }, "the gateway trusts the announced key");
    const latestJws = async () => {
      const [row] = await t.cp.database.system
        .select()
        .from(outbox)
        .where(eq(outbox.tenantId, tenantId))
        .orderBy(desc(outbox.id))
        .limit(1);
      return row!;
    };
    expect(decodeProtectedHeader((await latestJws()).jws).kid).toBe(oldKid);

    // Step 2: after the overlap the new key signs; every tenant's bundle is re-signed.
    await new Promise((r) => setTimeout(r, 1100));
    await t.cp.sweepKeys();
    const resigned = await latestJws();
    expect(decodeProtectedHeader(resigned.jws).kid).toBe(newKid);
    await until(
      async () => gwHandle.gateway.tenants().find((x) => x.tenant === tenantId && x.version >= resigned.version),
      "the gateway applied a bundle signed by the new key",
    );
    const fresh = (await t.api.call("POST", `/api/v1/applications/${app.id}/api-keys`, { token })).body.key;
    await served(gw, path, { "x-api-key": fresh });
    expect(decodeProtectedHeader((await latestJws()).jws).kid).toBe(newKid);

    // A restart with only the keys given at install still verifies its on-disk bundles (signed
    // by the new key), because the announced key was kept next to them.
    await gwHandle.close();
    gwHandle = await startGatewayWithKeys(dataDir, GATEWAY_ID, installedKeys);
    gw = client(gwHandle.gateway.url);
    expect(gwHandle.gateway.tenants().some((x) => x.tenant === tenantId)).toBe(true);
    expect((await gw.call("GET", path, { headers: { "x-api-key": fresh } })).status).toBe(200);

    // A gateway that never saw the announcement (installed with the old key only) refuses them.
    const strangerDir = mkdtempSync(join(tmpdir(), "portico-rotation-stranger-"));
    const stranger = await startGatewayWithKeys(strangerDir, "stranger-gw", installedKeys);
    try {
      await new Promise((r) => setTimeout(r, 500));
      expect(stranger.gateway.tenants().some((x) => x.tenant === tenantId)).toBe(false);
    } finally {
      await stranger.close();
      rmSync(strangerDir, { recursive: true, force: true });
    }
  });
});

describe("bundle-signing key rotation from the CLI", () => {
  it("announces a key from another process; the running control plane publishes it on its next sweep", async () => {
    const script = fileURLToPath(new URL("../rotate-bundle-key.ts", import.meta.url));
    const { stdout } = await promisify(execFile)("npx", ["tsx", script, "60"], {
      env: { ...process.env, DATABASE_URL: t.databaseUrl },
    });
    const kid = JSON.parse(stdout).announced as string;
    expect(
      (await t.api.call("GET", "/.well-known/portico/bundle-keys")).body.keys.map((k: { kid: string }) => k.kid),
    ).not.toContain(kid);
    await t.cp.sweepKeys();
    expect(
      (await t.api.call("GET", "/.well-known/portico/bundle-keys")).body.keys.map((k: { kid: string }) => k.kid),
    ).toContain(kid);
    const announcedFile = join(dataDir, "gateway", GATEWAY_ID, "announced-bundle-keys.json");
    await until(async () => {
      try {
        return JSON.parse(readFileSync(announcedFile, "utf8")).keys.some((k: { kid: string }) => k.kid === kid);
      } catch {
        return false;
      }
    }, "the gateway trusts the key announced from the CLI");
    // Not due for 60 s: the current key keeps signing.
    expect(s().deploy.signer.kid).not.toBe(kid);
  });
});

const s = () => t.cp.services;

async function startGatewayWithKeys(dir: string, gatewayId: string, bundleKeys: JSONWebKeySet) {
  const bus = new NatsBus({ servers: NATS_URL, name: gatewayId });
  const gateway = await startGateway({
    bus,
    environment: "default",
    gatewayId,
    dataDir: dir,
    port: 0,
    host: "127.0.0.1",
    bundleKeys,
    natsPrefix: t.prefix,
    heartbeatMs: 500,
    logger: pino({ level: "silent" }),
  });
  return {
    gateway,
    close: async () => {
      await gateway.close();
      await bus.close();
    },
  };
}
