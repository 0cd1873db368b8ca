import { CompactSign, exportJWK, generateKeyPair, type JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import {
  BundleApi,
  type BundleContent,
  BundleProduct,
  BundleSubscription,
  bundleKeySet,
  canonicalJson,
  contentHash,
  DeploymentBundle,
  signBundle,
  verifyBundle,
} from "./index.js";

async function signer(kid = "bk-1") {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "EdDSA" }] };
  return { kid, privateKey, jwks };
}

const draft = (over: Partial<BundleContent> = {}): BundleContent => ({
  schemaVersion: 1,
  tenant: { id: "t-1", slug: "acme" },
  environment: "default",
  version: 3,
  issuedAt: "2026-11-23T00:00:00.000Z",
  apis: [],
  tiers: [{ name: "Unlimited", requestsPerMinute: null, burst: null }],
  subscriptions: [],
  apiKeys: [],
  clients: [],
  issuers: [],
  revokedTokens: [],
  ...over,
});

describe("canonical JSON", () => {
  it("is independent of key order and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      '{"a":{"d":[1,{"x":1,"y":2}]},"b":1}',
    );
    expect(contentHash({ a: 1, b: 2, hash: "x" })).toBe(contentHash({ b: 2, a: 1 }));
  });
});

describe("bundle signing and verification", () => {
  it("round-trips a signed bundle with its content hash", async () => {
    const key = await signer();
    const { jws, bundle } = await signBundle(draft(), key);
    const res = await verifyBundle(jws, bundleKeySet(key.jwks), {
      environment: "default",
      tenantId: "t-1",
      currentVersion: 2,
    });
    expect(res).toEqual({ ok: true, value: bundle });
    expect(bundle.hash).toBe(contentHash(bundle));
  });

  it("refuses a draft the gateway would reject, before signing", async () => {
    const key = await signer();
    await expect(signBundle(draft({ version: 0 }), key)).rejects.toThrow();
  });

  it("names each reason a bundle is rejected", async () => {
    const key = await signer();
    const other = await signer("bk-other");
    const keys = bundleKeySet(key.jwks);
    const { jws, bundle } = await signBundle(draft(), key);
    const raw = (payload: unknown) =>
      new CompactSign(new TextEncoder().encode(typeof payload === "string" ? payload : JSON.stringify(payload)))
        .setProtectedHeader({ alg: "EdDSA", kid: "bk-1" })
        .sign(key.privateKey);
    const expectations = { environment: "default", tenantId: "t-1" };
    const cases: [string, string, object][] = [
      ["bad_signature", `${jws.slice(0, -4)}AAAA`, expectations],
      ["unknown_kid", (await signBundle(draft(), other)).jws, expectations],
      ["malformed", await raw("not json"), expectations],
      ["schema", await raw({ ...bundle, apis: "nope" }), expectations],
      ["hash_mismatch", await raw({ ...bundle, version: 99 }), expectations],
      ["wrong_tenant", jws, { environment: "default", tenantId: "t-2" }],
      ["wrong_environment", jws, { environment: "eu-west", tenantId: "t-1" }],
      ["stale_version", jws, { ...expectations, currentVersion: 3 }],
      ["oversized", "x".repeat(8 * 1024 * 1024 + 1), expectations],
    ];
    for (const [code, token, expect_] of cases) {
      const res = await verifyBundle(token, keys, expect_ as never);
      expect(res.ok ? "accepted" : res.error.code, code).toBe(code);
    }
  });
});

describe("bundle APIs with resources and policies", () => {
  const api = {
    id: "a",
    name: "n",
    context: "c",
    version: "v1",
    status: "PUBLISHED",
    upstream: { url: "http://127.0.0.1:1" },
    revision: { id: "r", number: 1 },
    authRequired: true,
  };

  it("parses an API of an older bundle with neither (defaults: none)", () => {
    expect(BundleApi.parse(api)).toMatchObject({ policies: [], resources: [] });
  });

  it("fills resource defaults and checks path templates", () => {
    const parsed = BundleApi.parse({ ...api, resources: [{ method: "GET", path: "/pets/{petId}" }] });
    expect(parsed.resources[0]).toEqual({
      method: "GET",
      path: "/pets/{petId}",
      authRequired: true,
      scopes: [],
      policies: [],
    });
    for (const path of ["pets", "/pets/{}", "/a/../b", "/a//b", "/a b"]) {
      expect(BundleApi.safeParse({ ...api, resources: [{ method: "GET", path }] }).success, path).toBe(false);
    }
  });

  it("refuses an unknown policy kind anywhere", () => {
    expect(BundleApi.safeParse({ ...api, policies: [{ kind: "nope" }] }).success).toBe(false);
    expect(
      BundleApi.safeParse({ ...api, resources: [{ method: "GET", path: "/", policies: [{ kind: "nope" }] }] }).success,
    ).toBe(false);
  });
});

describe("bundle products and subscriptions", () => {
  const product = {
    id: "prod-1",
    name: "bundle",
    context: "bundle",
    version: "v1",
    status: "PUBLISHED" as const,
    revision: { id: "prodrev-1", number: 1 },
    apis: [{ id: "api-1", version: "v1", upstream: { url: "http://up.test/base" } }],
    resources: [{ apiId: "api-1", method: "GET" as const, path: "/items/{id}" }],
  };

  it("parses a product with its resources' defaults, and bundles without products as before", () => {
    const parsed = DeploymentBundle.parse({ ...draft({ products: [product] }), hash: "0".repeat(64) });
    expect(parsed.products?.[0]?.resources[0]).toEqual({
      apiId: "api-1",
      method: "GET",
      path: "/items/{id}",
      authRequired: true,
      scopes: [],
      policies: [],
    });
    expect(parsed.products?.[0]?.apis[0]?.policies).toEqual([]);
    expect(DeploymentBundle.parse({ ...draft(), hash: "0".repeat(64) }).products).toBeUndefined();
  });

  it("refuses a product without resources and a subscription to both or neither", () => {
    expect(BundleProduct.safeParse({ ...product, resources: [] }).success).toBe(false);
    const sub = { id: "s", applicationId: "a", tier: "Unlimited", status: "ACTIVE" };
    expect(BundleSubscription.safeParse({ ...sub, apiId: "api-1" }).success).toBe(true);
    expect(BundleSubscription.safeParse({ ...sub, productId: "prod-1" }).success).toBe(true);
    expect(
      BundleSubscription.safeParse({ ...sub, apiId: "api-1", productId: "prod-1" }).error?.issues[0]?.message,
    ).toBe("apiId or productId, not both");
    expect(BundleSubscription.safeParse(sub).success).toBe(false);
  });
});
