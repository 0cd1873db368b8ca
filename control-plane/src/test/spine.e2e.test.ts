import { sql } from "drizzle-orm";
import { importJWK, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, expectProblem, signupTenant, type TestControlPlane } from "./harness.js";
import {
  accessToken,
  application,
  publishedApi,
  served as servedBy,
  startTestStack,
  type TestStack,
  until,
} from "./journey.js";

/**
 * The spine, through HTTP only: signup → API → publish → revision → deploy → application →
 * credentials → subscription → token → gateway call → API-key call → analytics, on a real
 * PostgreSQL, a real NATS and a real gateway.
 */
let stack: TestStack;
let t: TestControlPlane;
let gw: Client;
let upstream: TestStack["upstream"];

beforeAll(async () => {
  stack = await startTestStack("e2e-gw-1");
  ({ t, gw, upstream } = stack);
});
afterAll(() => stack?.close());

const served = (path: string, headers: Record<string, string>, status = 200) => servedBy(gw, path, headers, status);

describe("the spine", () => {
  it("carries one request along the whole designed path", async () => {
    const { token, slug } = await signupTenant(t.api);
    const { api, deployment } = await publishedApi(t, token, {
      context: "shop/orders",
      upstreamUrl: `${upstream.url}/base`,
    });
    const { app, creds, key } = await application(t, token, api.id);

    // The gateway acked the deployment's bundle (or a later one) and the control plane shows it.
    const deps = await until(async () => {
      const list = (await t.api.call("GET", `/api/v1/apis/${api.id}/deployments`, { token })).body;
      return list[0]?.gateways.acked === 1 ? list : undefined;
    }, "deployment acked");
    expect(deps[0]).toMatchObject({ id: deployment.id, environment: "default", gateways: { total: 1, acked: 1 } });
    expect(deps[0].gateways.ackMs.p99).toBeGreaterThanOrEqual(0);

    const jwt = await accessToken(t, slug, creds);
    const path = `/t/${slug}/shop/orders/v1/items/42?color=red&size=xl`;
    await served(path, { authorization: `Bearer ${jwt}` });
    upstream.seen.length = 0;
    const posted = await gw.call("POST", path, {
      headers: { authorization: `Bearer ${jwt}`, "x-custom": "kept" },
      body: { qty: 3 },
    });
    expect(posted.status).toBe(200);
    expect(posted.headers.get("x-upstream")).toBe("echo");
    const seen = upstream.seen.at(-1)!;
    expect(seen).toMatchObject({ method: "POST", url: "/base/items/42?color=red&size=xl", body: '{"qty":3}' });
    expect(seen.headers["x-custom"]).toBe("kept");
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen.headers["x-forwarded-proto"]).toBe("http");

    const byKey = await gw.call("PUT", path, { headers: { "x-api-key": key }, body: "plain" });
    expect(byKey.status).toBe(200);
    expect(upstream.seen.at(-1)).toMatchObject({ method: "PUT", body: "plain" });
    expect(upstream.seen.at(-1)!.headers["x-api-key"]).toBeUndefined();

    // Analytics: every call above arrives once, attributed to the API and the application.
    const counted = await until(async () => {
      const res = (await t.api.call("GET", `/api/v1/analytics/requests?apiId=${api.id}`, { token })).body;
      return res.totals.count >= 3 ? res : undefined;
    }, "analytics");
    expect(counted.totals.count).toBe(3);
    expect(counted.totals.errors).toBe(0);
    expect(counted.totals.p99).toBeGreaterThan(0);
    expect(counted.topApis).toEqual([{ apiId: api.id, name: `${api.name} ${api.version}`, count: 3, errors: 0 }]);
    expect(counted.topApplications).toEqual([{ applicationId: app.id, name: app.name, count: 3, errors: 0 }]);
    const [row] = await t.cp.database.system.execute<{ application_id: string }>(
      sql`select application_id from analytics_events where api_id = ${api.id} and method = 'PUT'`,
    );
    expect(row?.application_id).toBe(app.id);

    // The gateway list shows what the gateway runs for this tenant.
    const gws = await until(async () => {
      const list = (await t.api.call("GET", "/api/v1/gateways", { token })).body;
      return list[0]?.inSync ? list : undefined;
    }, "gateway in sync");
    expect(gws[0]).toMatchObject({ id: "e2e-gw-1", environment: "default", live: true, inSync: true });
  });

  it("answers every failure with the right status and a problem+json body", async () => {
    const { token, slug, tenantId } = await signupTenant(t.api);
    const { api } = await publishedApi(t, token, { context: "neg", upstreamUrl: upstream.url });
    const { creds, key } = await application(t, token, api.id);
    const jwt = await accessToken(t, slug, creds);
    const path = `/t/${slug}/neg/v1/x`;
    await served(path, { "x-api-key": key });

    // Tokens signed with the tenant's real issuer key, but wrong in one claim each.
    const [ik] = await t.cp.database.system.execute<{ kid: string; private_jwk: JWK }>(
      sql`select kid, private_jwk from issuer_keys where tenant_id = ${tenantId}`,
    );
    const signingKey = await importJWK(ik!.private_jwk, "ES256");
    const issuer = `${t.cp.url}/t/${slug}`;
    const forge = (claims: { iss?: string; aud?: string; exp?: number }) =>
      new SignJWT({ client_id: creds.clientId })
        .setProtectedHeader({ alg: "ES256", kid: ik!.kid })
        .setIssuer(claims.iss ?? issuer)
        .setAudience(claims.aud ?? "portico-gateway")
        .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
        .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 600)
        .setJti(crypto.randomUUID())
        .sign(signingKey);
    const [h, p] = jwt.split(".");
    const cases: [string, Record<string, string>, number, string][] = [
      ["no credential", {}, 401, "unauthorized"],
      ["forged JWT signature", { authorization: `Bearer ${h}.${p}.${"A".repeat(86)}` }, 401, "invalid-token"],
      [
        "expired JWT",
        { authorization: `Bearer ${await forge({ exp: Math.floor(Date.now() / 1000) - 3600 })}` },
        401,
        "invalid-token",
      ],
      ["wrong audience", { authorization: `Bearer ${await forge({ aud: "someone-else" })}` }, 401, "invalid-token"],
      [
        "wrong issuer",
        { authorization: `Bearer ${await forge({ iss: `${t.cp.url}/t/other` })}` },
        401,
        "invalid-token",
      ],
      ["unknown API key", { "x-api-key": "pk_unknown" }, 401, "invalid-api-key"],
    ];
    for (const [name, headers, status, type] of cases) {
      const res = await gw.call("GET", path, { headers });
      expect(res.status, name).toBe(status);
      expectProblem(res, status, type);
    }
    expect((await gw.call("GET", path, { headers: { authorization: `Bearer ${jwt}` } })).status).toBe(200);

    // An application that is not subscribed.
    const other = (await t.api.call("POST", "/api/v1/applications", { token, body: { name: "unsubscribed" } })).body;
    const otherKey = (await t.api.call("POST", `/api/v1/applications/${other.id}/api-keys`, { token })).body.key;
    expectProblem(await served(path, { "x-api-key": otherKey }, 403), 403, "not-subscribed");

    // No such API.
    expectProblem(
      await gw.call("GET", `/t/${slug}/nothing/v1/x`, { headers: { "x-api-key": key } }),
      404,
      "api-not-found",
    );
    expectProblem(
      await gw.call("GET", "/t/no-such-tenant/neg/v1/x", { headers: { "x-api-key": key } }),
      404,
      "api-not-found",
    );

    // Upstream down.
    const down = await publishedApi(t, token, { context: "down", upstreamUrl: "http://127.0.0.1:1" });
    const downKey = (await application(t, token, down.api.id)).key;
    const bad = await served(`/t/${slug}/down/v1/x`, { "x-api-key": downKey }, 502);
    expectProblem(bad, 502, "bad-gateway");
    expect(JSON.stringify(bad.body)).not.toContain("ECONNREFUSED");

    // Rate limit from the subscription's tier.
    expect(
      (await t.api.call("POST", "/api/v1/tiers", { token, body: { name: "Tiny", requestsPerMinute: 3 } })).status,
    ).toBe(201);
    const tiny = await application(t, token, api.id, "Tiny");
    await served(path, { "x-api-key": tiny.key });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<Client["call"]>> | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await gw.call("GET", path, { headers: { "x-api-key": tiny.key } });
      statuses.push(res.status);
      limited = res.status === 429 ? res : limited;
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expectProblem(limited!, 429, "rate-limited");
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited!.headers.get("ratelimit-limit")).toBe("3");
    expect(limited!.headers.get("ratelimit-remaining")).toBe("0");
  });

  it("keeps tenants apart at the gateway", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const { api } = await publishedApi(t, a.token, { context: "private", upstreamUrl: upstream.url });
    const aKey = (await application(t, a.token, api.id)).key;
    await served(`/t/${a.slug}/private/v1/x`, { "x-api-key": aKey });

    const bApi = (await publishedApi(t, b.token, { context: "mine", upstreamUrl: upstream.url })).api;
    const bApp = await application(t, b.token, bApi.id);
    const bJwt = await accessToken(t, b.slug, bApp.creds);
    await served(`/t/${b.slug}/mine/v1/x`, { "x-api-key": bApp.key });

    upstream.seen.length = 0;
    expectProblem(
      await gw.call("GET", `/t/${a.slug}/private/v1/x`, { headers: { "x-api-key": bApp.key } }),
      401,
      "invalid-api-key",
    );
    expectProblem(
      await gw.call("GET", `/t/${a.slug}/private/v1/x`, { headers: { authorization: `Bearer ${bJwt}` } }),
      401,
      "invalid-token",
    );
    expectProblem(
      await gw.call("GET", `/t/${b.slug}/private/v1/x`, { headers: { "x-api-key": aKey } }),
      404,
      "api-not-found",
    );
    expectProblem(
      await gw.call("GET", `/t/${b.slug}/mine/v1/x`, { headers: { "x-api-key": aKey } }),
      401,
      "invalid-api-key",
    );
    expect(upstream.seen).toEqual([]);
    // B cannot subscribe its application to A's API either.
    expect(
      (
        await t.api.call("POST", "/api/v1/subscriptions", {
          token: b.token,
          body: { applicationId: bApp.app.id, apiId: api.id, tier: "Gold" },
        })
      ).status,
    ).toBe(400);
  });
});
