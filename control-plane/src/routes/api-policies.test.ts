import { DeploymentBundle } from "@portico/shared/bundle";
import { compactVerify, createLocalJWKSet } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";

let t: TestControlPlane;
let token: string;
let tenantId: string;
beforeAll(async () => {
  t = await startTestControlPlane();
  ({ token, tenantId } = await signupTenant(t.api));
});
afterAll(() => t?.close());

const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
const newApi = (over: Record<string, unknown> = {}) => ({
  name: "Orders",
  context: "orders",
  version: "v1",
  upstream: { url: "http://127.0.0.1:9/orders" },
  ...over,
});

async function bundleOnBus(minVersion: number) {
  const keys = createLocalJWKSet((await t.api.call("GET", "/.well-known/portico/bundle-keys")).body);
  const end = Date.now() + 10_000;
  for (;;) {
    const entry = await t.bus.kvGet(t.names.bundleBucket("default"), tenantId);
    if (entry?.value) {
      const { payload } = await compactVerify(entry.value, keys);
      const bundle = DeploymentBundle.parse(JSON.parse(new TextDecoder().decode(payload)));
      if (bundle.version >= minVersion) {
        return bundle;
      }
    }
    if (Date.now() > end) {
      throw new Error("no bundle");
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("API policies", () => {
  it("400 listing every invalid policy config at create and update", async () => {
    const res = await call(
      "POST",
      "/api/v1/apis",
      newApi({
        context: "bad-policies",
        policies: [
          { kind: "rate-limit", config: { by: "ip" } },
          { kind: "lua-script", config: {} },
        ],
        resources: [{ method: "GET", path: "/x", policies: [{ kind: "request-size", config: { maxBytes: -1 } }] }],
      }),
    );
    expectProblem(res, 400, "validation-failed");
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(["policies.0.config.limit", "policies.1.kind", "resources.0.policies.0.config.maxBytes"]),
    );
    const created = await call("POST", "/api/v1/apis", newApi({ context: "patch-policies" }));
    expectProblem(
      await call("PATCH", `/api/v1/apis/${created.body.id}`, {
        policies: [{ kind: "scopes", config: { scopes: [] } }],
      }),
      400,
      "validation-failed",
    );
  });

  it("stores policies and resource settings, snapshots them in revisions and deploys them in the bundle", async () => {
    const created = await call(
      "POST",
      "/api/v1/apis",
      newApi({
        policies: [{ kind: "rate-limit", id: "per-ip", config: { by: "ip", limit: 100 } }],
        resources: [
          { method: "GET", path: "/orders", authRequired: false },
          { method: "POST", path: "/orders", scopes: ["orders:write"] },
        ],
      }),
    );
    expect(created.status).toBe(201);
    expect(created.body.policies).toEqual([
      {
        kind: "rate-limit",
        id: "per-ip",
        enabled: true,
        config: { by: "ip", limit: 100, windowMs: 60_000, shared: false },
      },
    ]);
    const id = created.body.id;
    await call("POST", `/api/v1/apis/${id}/lifecycle`, { action: "publish" });
    const rev = await call("POST", `/api/v1/apis/${id}/revisions`);
    expect(rev.status).toBe(201);
    // Changes after the revision are not what gets deployed.
    await call("PATCH", `/api/v1/apis/${id}`, { policies: [] });
    const dep = await call("POST", `/api/v1/apis/${id}/deployments`, {
      revisionId: rev.body.id,
      environment: "default",
    });
    expect(dep.status).toBe(201);
    const bundle = await bundleOnBus(dep.body.bundleVersion);
    const api = bundle.apis.find((a) => a.id === id);
    expect(api?.policies).toEqual(created.body.policies);
    expect(api?.resources).toEqual([
      { method: "GET", path: "/orders", authRequired: false, scopes: [], policies: [] },
      { method: "POST", path: "/orders", authRequired: true, scopes: ["orders:write"], policies: [] },
    ]);
  });

  it("refuses to snapshot (and so to deploy) resources the gateway would refuse", async () => {
    const created = await call(
      "POST",
      "/api/v1/apis",
      newApi({ context: "bad-paths", resources: [{ method: "GET", path: "/a/../b" }] }),
    );
    expect(created.status).toBe(201);
    const rev = await call("POST", `/api/v1/apis/${created.body.id}/revisions`);
    expectProblem(rev, 400, "validation-failed");
    expect(rev.body.errors).toEqual([{ path: "resources.0.path", message: "no dot segments" }]);
  });
});
