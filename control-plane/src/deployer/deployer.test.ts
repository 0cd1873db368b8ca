import { DeploymentBundle } from "@portico/shared/bundle";
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(() => t?.close());

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) {
      return v;
    }
    if (Date.now() > end) {
      throw new Error("timed out");
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function bundleOnBus(tenantId: string, minVersion: number) {
  const keys = createLocalJWKSet((await t.api.call("GET", "/.well-known/portico/bundle-keys")).body);
  return waitFor(async () => {
    const entry = await t.bus.kvGet(t.names.bundleBucket("default"), tenantId);
    if (!entry?.value) {
      return undefined;
    }
    const { payload } = await compactVerify(entry.value, keys);
    const bundle = DeploymentBundle.parse(JSON.parse(new TextDecoder().decode(payload)));
    return bundle.version >= minVersion ? { bundle, jws: entry.value } : undefined;
  });
}

describe("deployer", () => {
  it("signs the tenant's bundle with EdDSA and a kid and puts it in the environment's KV bucket", async () => {
    const { token, tenantId, slug } = await signupTenant(t.api);
    const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
    const api = (
      await call("POST", "/api/v1/apis", {
        name: "Echo",
        context: "echo",
        version: "v1",
        upstream: { url: "http://127.0.0.1:9/base" },
      })
    ).body;
    await call("POST", `/api/v1/apis/${api.id}/lifecycle`, { action: "publish" });
    const rev = (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body;
    expect(rev.number).toBe(1);
    const dep = await call("POST", `/api/v1/apis/${api.id}/deployments`, {
      revisionId: rev.id,
      environment: "default",
    });
    expect(dep.status).toBe(201);
    const { bundle, jws } = await bundleOnBus(tenantId, dep.body.bundleVersion);
    expect(decodeProtectedHeader(jws)).toMatchObject({ alg: "EdDSA", kid: expect.stringMatching(/^bk-/) });
    expect(bundle).toMatchObject({
      tenant: { id: tenantId, slug },
      environment: "default",
      version: dep.body.bundleVersion,
    });
    expect(bundle.apis).toEqual([
      expect.objectContaining({
        id: api.id,
        context: "echo",
        version: "v1",
        status: "PUBLISHED",
        upstream: expect.objectContaining({ url: "http://127.0.0.1:9/base" }),
        revision: { id: rev.id, number: 1 },
      }),
    ]);
    expect(bundle.issuers[0]).toMatchObject({
      issuer: `${t.cp.url}/t/${slug}`,
      audience: "portico-gateway",
      algorithms: ["ES256"],
    });
    expect(bundle.issuers[0]!.jwks!.keys[0]).not.toHaveProperty("d");

    // Keys, credentials and subscriptions re-deploy: the gateway must know them without asking.
    const app = (await call("POST", "/api/v1/applications", { name: "App" })).body;
    const key = (await call("POST", `/api/v1/applications/${app.id}/api-keys`)).body;
    const cred = (await call("POST", `/api/v1/applications/${app.id}/credentials`)).body;
    const sub = (await call("POST", "/api/v1/subscriptions", { applicationId: app.id, apiId: api.id, tier: "Gold" }))
      .body;
    const after = (await bundleOnBus(tenantId, dep.body.bundleVersion + 3)).bundle;
    expect(after.apiKeys.map((k) => k.id)).toEqual([key.id]);
    expect(after.apiKeys[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(after)).not.toContain(key.key);
    expect(JSON.stringify(after)).not.toContain(cred.clientSecret);
    expect(after.clients).toContainEqual({
      issuer: `${t.cp.url}/t/${slug}`,
      clientId: cred.clientId,
      applicationId: app.id,
    });
    expect(after.subscriptions).toEqual([
      { id: sub.id, applicationId: app.id, apiId: api.id, tier: "Gold", status: "ACTIVE" },
    ]);

    // Revoking the key takes it out of the next bundle.
    expect((await call("DELETE", `/api/v1/applications/${app.id}/api-keys/${key.id}`)).status).toBe(204);
    expect((await bundleOnBus(tenantId, after.version + 1)).bundle.apiKeys).toEqual([]);
  });

  it("bumps the version monotonically even when changes race", async () => {
    const { token, tenantId } = await signupTenant(t.api);
    const apps = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.api.call("POST", "/api/v1/applications", { token, body: { name: `a${i}` } }),
      ),
    );
    await Promise.all(apps.map((a) => t.api.call("POST", `/api/v1/applications/${a.body.id}/api-keys`, { token })));
    const { bundle } = await bundleOnBus(tenantId, 9);
    expect(bundle.version).toBe(9); // signup's bundle + 8 keys
    expect(bundle.apiKeys).toHaveLength(8);
  });

  it("publishes nothing for a change that fails", async () => {
    const { token, tenantId } = await signupTenant(t.api);
    const before = (await bundleOnBus(tenantId, 1)).bundle.version;
    const res = await t.api.call("POST", "/api/v1/subscriptions", {
      token,
      body: {
        applicationId: "00000000-0000-4000-8000-000000000000",
        apiId: "00000000-0000-4000-8000-000000000000",
        tier: "Gold",
      },
    });
    expect(res.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect((await bundleOnBus(tenantId, 1)).bundle.version).toBe(before);
  });

  it("serves the public bundle keys only", async () => {
    const res = await t.api.call("GET", "/.well-known/portico/bundle-keys");
    expect(res.body.keys.length).toBeGreaterThan(0);
    for (const k of res.body.keys) {
      expect(k).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA" });
      expect(k).not.toHaveProperty("d");
    }
  });
});
