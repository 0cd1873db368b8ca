import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type BundleContent, contentHash } from "@portico/shared/bundle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, call, deployedGateway, ENV, expectProblem, tenantDraft, waitFor, waitForAck } from "./harness.js";

type DraftApi = BundleContent["apis"][number];

/** An API that lists its operations, with per-resource auth, scopes and tiers, and API-level policies. */
const catalog = (upstream: string, policies: DraftApi["policies"] = []): DraftApi => ({
  id: "api_catalog",
  name: "catalog",
  context: "catalog",
  version: "v1",
  status: "PUBLISHED",
  upstream: { url: upstream },
  revision: { id: "rev_catalog", number: 1 },
  authRequired: true,
  policies,
  resources: [
    { method: "GET", path: "/items", authRequired: false },
    { method: "GET", path: "/items/{id}" },
    { method: "POST", path: "/items", scopes: ["items:write"] },
    { method: "DELETE", path: "/items/{id}", tier: "Tiny" },
    {
      method: "GET",
      path: "/limited",
      authRequired: false,
      policies: [{ kind: "rate-limit", id: "per-user", config: { by: "header", header: "x-user", limit: 2 } }],
    },
  ],
});

describe("policies and resources through the real gateway", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let base: string;
  let version = 1;
  const key = { "x-api-key": API_KEY };

  const redeploy = async (apis: DraftApi[]) => {
    version++;
    const before = t.acks.messages.length;
    await t.deploy(version, {
      extraApis: apis,
      extraSubscriptions: [
        { id: "sub_catalog", applicationId: "app1", apiId: "api_catalog", tier: "Unlimited", status: "ACTIVE" },
      ],
    });
    return waitFor(() => t.acks.messages.slice(before).find((a) => a.version === version), 10_000, "ack");
  };

  beforeAll(async () => {
    t = await deployedGateway();
    base = `${t.gw.url}/t/acme/catalog/v1`;
    const ack = await redeploy([catalog(t.upstream.origin)]);
    expect(ack.ok).toBe(true);
  });

  afterAll(async () => {
    await t?.close();
  });

  it("serves a resource with auth off to anonymous callers", async () => {
    const res = await call(`${base}/items?page=2`);
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ method: "GET", url: "/items?page=2" });
  });

  it("requires credentials and a subscription on the others", async () => {
    expectProblem(await call(`${base}/items/42`), 401, "unauthorized");
    expect((await call(`${base}/items/42`, { headers: key })).status).toBe(200);
  });

  it("404 for a path the API does not list, 405 for a listed path with another method", async () => {
    expectProblem(await call(`${base}/other`, { headers: key }), 404, "resource-not-found");
    expectProblem(await call(`${base}/items/42/more`, { headers: key }), 404, "resource-not-found");
    expectProblem(await call(`${base}/items`, { method: "PUT", headers: key }), 405, "method-not-allowed");
  });

  it("403 insufficient-scope unless the token carries the resource's scopes", async () => {
    const without = await t.issuer.token({ scope: "items:read" });
    expectProblem(
      await call(`${base}/items`, { method: "POST", headers: { authorization: `Bearer ${without}` } }),
      403,
      "insufficient-scope",
    );
    expectProblem(await call(`${base}/items`, { method: "POST", headers: key }), 403, "insufficient-scope");
    const withScope = await t.issuer.token({ scope: "items:read items:write" });
    const ok = await call(`${base}/items`, { method: "POST", headers: { authorization: `Bearer ${withScope}` } });
    expect(ok.status).toBe(200);
  });

  it("limits one operation by its own tier and another by a header's value", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      statuses.push((await call(`${base}/items/1`, { method: "DELETE", headers: key })).status);
    }
    // Tiny: 60 per minute, so a fresh bucket of 60 is far from empty; the GETs share no bucket with it.
    expect(statuses).toEqual([200, 200, 200, 200]);
    const user = (u: string) => call(`${base}/limited`, { headers: { "x-user": u } });
    expect([(await user("a")).status, (await user("a")).status, (await user("a")).status]).toEqual([200, 200, 429]);
    expect((await user("b")).status).toBe(200);
  });

  it("applies API-level policies to every resource", async () => {
    const ack = await redeploy([catalog(t.upstream.origin, [{ kind: "request-size", config: { maxBytes: 10 } }])]);
    expect(ack.ok).toBe(true);
    expectProblem(await call(`${base}/items`, { body: "x".repeat(11), method: "GET" }), 413, "payload-too-large");
    expect((await call(`${base}/items`)).status).toBe(200);
  });

  it("answers CORS preflights before auth and decorates responses, errors included; filters client IPs", async () => {
    const ack = await redeploy([
      catalog(t.upstream.origin, [
        { kind: "cors", config: { allowOrigins: ["https://app.example.com"] } },
        { kind: "ip-filter", config: { deny: ["203.0.113.0/24"], trustXForwardedFor: true } },
      ]),
    ]);
    expect(ack.ok).toBe(true);
    const origin = { origin: "https://app.example.com" };
    const preflight = await call(`${base}/items/42`, {
      method: "OPTIONS",
      headers: { ...origin, "access-control-request-method": "GET", "access-control-request-headers": "x-api-key" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(preflight.headers["access-control-allow-headers"]).toContain("x-api-key");
    const denied = await call(`${base}/items/42`, { headers: origin });
    expectProblem(denied, 401, "unauthorized");
    expect(denied.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    const ok = await call(`${base}/items/42`, { headers: { ...origin, ...key } });
    expect(ok.status).toBe(200);
    expect(ok.headers.vary).toBe("Origin");
    expect(
      (await call(`${base}/items/42`, { headers: { ...key, origin: "https://evil.test" } })).headers,
    ).not.toHaveProperty("access-control-allow-origin");
    expectProblem(
      await call(`${base}/items/42`, { headers: { ...key, "x-forwarded-for": "203.0.113.7" } }),
      403,
      "forbidden",
    );
  });

  it("adds, removes and renames headers on the way up and down", async () => {
    const ack = await redeploy([
      catalog(t.upstream.origin, [
        {
          kind: "header-transform",
          config: {
            request: { add: { "x-tenant-env": "prod" }, remove: ["x-debug"], rename: { "x-user": "x-upstream-user" } },
            response: { remove: ["x-upstream"], add: { "x-served-by": "portico" } },
          },
        },
      ]),
    ]);
    expect(ack.ok).toBe(true);
    const res = await call(`${base}/items`, { headers: { "x-debug": "1", "x-user": "ann" } });
    expect(res.status).toBe(200);
    expect(res.json().headers).toMatchObject({ "x-tenant-env": "prod", "x-upstream-user": "ann" });
    expect(res.json().headers).not.toHaveProperty("x-debug");
    expect(res.headers["x-served-by"]).toBe("portico");
    expect(res.headers).not.toHaveProperty("x-upstream");
  });

  it("rewrites the path and the query sent upstream", async () => {
    const ack = await redeploy([
      catalog(t.upstream.origin, [
        { kind: "path-rewrite", config: { prefix: "/items", replacement: "/v2/products" } },
        { kind: "query-rewrite", config: { remove: ["debug"], rename: { q: "search" }, add: { source: "gw" } } },
      ]),
    ]);
    expect(ack.ok).toBe(true);
    const res = await call(`${base}/items/42?q=x&debug=1`, { headers: key });
    expect(res.status).toBe(200);
    expect(res.json().url).toBe("/v2/products/42?search=x&source=gw");
  });

  it("enforces a monthly quota with 429 quota-exceeded and a Retry-After until the month ends", async () => {
    const ack = await redeploy([
      catalog(t.upstream.origin, [{ kind: "quota", id: "monthly", config: { limit: 2, by: "api" } }]),
    ]);
    expect(ack.ok).toBe(true);
    expect((await call(`${base}/items`)).status).toBe(200);
    expect((await call(`${base}/items`)).status).toBe(200);
    const over = await call(`${base}/items`);
    expectProblem(over, 429, "quota-exceeded");
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    expect((await redeploy([catalog(t.upstream.origin)])).ok).toBe(true);
  });

  it("presents OAuth client_credentials to the upstream, fetching the token once", async () => {
    let tokenCalls = 0;
    const idp = createServer((req, res) => {
      tokenCalls++;
      req.resume();
      const ok = req.headers.authorization === `Basic ${Buffer.from("gw-client:gw-secret").toString("base64")}`;
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
      res.end(
        JSON.stringify(ok ? { access_token: "upstream-token-1", expires_in: 3600 } : { error: "invalid_client" }),
      );
    });
    await new Promise<void>((r) => idp.listen(0, "127.0.0.1", r));
    const tokenUrl = `http://127.0.0.1:${(idp.address() as AddressInfo).port}/token`;
    try {
      const ack = await redeploy([
        catalog(t.upstream.origin, [
          {
            kind: "upstream-auth",
            config: { type: "oauth2", tokenUrl, clientId: "gw-client", clientSecret: "gw-secret" },
          },
        ]),
      ]);
      expect(ack.ok).toBe(true);
      for (let i = 0; i < 3; i++) {
        const res = await call(`${base}/items`, { headers: { authorization: "Bearer client-own" } });
        expect(res.status).toBe(200);
        expect(res.json().headers.authorization).toBe("Bearer upstream-token-1");
      }
      expect(tokenCalls).toBe(1);
    } finally {
      idp.close();
    }
  });

  it("refuses (fail closed) a bundle with an unknown policy kind or an impossible policy, and keeps serving", async () => {
    // Signed by the right key with a correct hash: only the unknown kind is wrong.
    const draft = tenantDraft({
      version: 50,
      upstream: t.upstream.origin,
      issuer: t.issuer,
      extraApis: [{ ...catalog(t.upstream.origin), policies: [{ kind: "lua" } as never] }],
    });
    const before = t.acks.messages.length;
    await t.control.kvPut(
      t.names.bundleBucket(ENV),
      "tenant-acme",
      await t.keys.signRaw({ ...draft, hash: contentHash(draft as unknown as Record<string, unknown>) }),
    );
    const unknown = await waitFor(() => t.acks.messages[before], 10_000, "nack");
    expect(unknown).toMatchObject({ ok: false, reason: "schema" });
    const scopesWithoutAuth = catalog(t.upstream.origin);
    scopesWithoutAuth.resources = [{ method: "GET", path: "/x", authRequired: false, scopes: ["a"] }];
    const impossible = await redeploy([scopesWithoutAuth]);
    expect(impossible.ok).toBe(false);
    expect((await call(`${base}/items`)).status).toBe(200);
  });

  it("keeps an API without resources open to every path (older bundles)", async () => {
    await waitForAck(t.acks, (a) => a.ok && a.version === 1);
    expect((await call(`${t.gw.url}/t/acme/open/v1/anything/at/all`)).status).toBe(200);
  });
});
