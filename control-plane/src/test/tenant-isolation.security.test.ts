import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, signupTenant, startTestControlPlane, type TestControlPlane } from "./harness.js";

/**
 * Tenant B holds a valid console token and tries every way at tenant A's resources; then the
 * database itself is asked, under the application role, with B fixed.
 */
let t: TestControlPlane;
let a: Awaited<ReturnType<typeof signupTenant>>;
let b: Awaited<ReturnType<typeof signupTenant>>;
const ids: Record<string, string> = {};
let aCreds: { clientId: string; clientSecret: string };

beforeAll(async () => {
  t = await startTestControlPlane();
  a = await signupTenant(t.api, "iso-a");
  b = await signupTenant(t.api, "iso-b");
  const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token: a.token, body });
  // Every change below also queues a delivery for this webhook.
  ids.webhook = (await call("POST", "/api/v1/webhooks", { url: "http://127.0.0.1:9/hook", events: ["*"] })).body.id;
  ids.exporter = (
    await call("POST", "/api/v1/analytics/exporters", { name: "A", kind: "webhook", url: "http://127.0.0.1:9/a" })
  ).body.id;
  ids.api = (
    await call("POST", "/api/v1/apis", {
      name: "A",
      context: "a",
      version: "v1",
      upstream: { url: "http://127.0.0.1:9" },
      resources: [{ method: "GET", path: "/a" }],
    })
  ).body.id;
  await call("POST", `/api/v1/apis/${ids.api}/lifecycle`, { action: "publish" });
  ids.revision = (await call("POST", `/api/v1/apis/${ids.api}/revisions`)).body.id;
  await call("POST", `/api/v1/apis/${ids.api}/deployments`, { revisionId: ids.revision, environment: "default" });
  ids.app = (await call("POST", "/api/v1/applications", { name: "A app" })).body.id;
  aCreds = (await call("POST", `/api/v1/applications/${ids.app}/credentials`)).body;
  ids.key = (await call("POST", `/api/v1/applications/${ids.app}/api-keys`)).body.id;
  ids.env = (await call("POST", "/api/v1/environments", { name: "a-private" })).body.id;
  ids.registrationToken = (await call("POST", `/api/v1/environments/${ids.env}/registration-tokens`)).body.id;
  ids.invitation = (await call("POST", "/api/v1/invitations", { email: "new@a.example", role: "developer" })).body.id;
  await call("POST", "/api/v1/subscriptions", { applicationId: ids.app, apiId: ids.api, tier: "Gold" });
  ids.product = (
    await call("POST", "/api/v1/products", {
      name: "A product",
      context: "a-product",
      version: "v1",
      resources: [{ apiId: ids.api, method: "GET", path: "/a" }],
    })
  ).body.id;
  await call("POST", `/api/v1/products/${ids.product}/lifecycle`, { action: "publish" });
  ids.productRevision = (await call("POST", `/api/v1/products/${ids.product}/revisions`)).body.id;
  await call("POST", `/api/v1/products/${ids.product}/deployments`, {
    revisionId: ids.productRevision,
    environment: "default",
  });
  await call("POST", "/api/v1/subscriptions", { applicationId: ids.app, productId: ids.product, tier: "Gold" });
  ids.km = (
    await call("POST", "/api/v1/key-managers", {
      name: "idp",
      issuer: "https://idp.a.example",
      jwksUri: "https://idp.a.example/jwks",
    })
  ).body.id;
  // The developer portal's rows: a documentation page, a rating and a comment (the admin may rate).
  ids.doc = (
    await call("POST", `/api/v1/apis/${ids.api}/docs`, { slug: "intro", title: "Intro", body: "# A only" })
  ).body.id;
  await call("PUT", `/api/v1/apis/${ids.api}/rating`, { rating: 5 });
  ids.comment = (await call("POST", `/api/v1/apis/${ids.api}/comments`, { body: "A only" })).body.id;
  await call("POST", `/api/v1/applications/${ids.app}/external-clients`, {
    keyManagerId: ids.km,
    clientId: "a-client",
  });
});
afterAll(() => t?.close());

describe("tenant B through the REST API", () => {
  const asB = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token: b.token, body });

  it("cannot read or list tenant A's resources", async () => {
    expectProblem(await asB("GET", `/api/v1/apis/${ids.api}`), 404, "not-found");
    expectProblem(await asB("GET", `/api/v1/apis/${ids.api}/openapi`), 404, "not-found");
    expectProblem(await asB("GET", `/api/v1/apis/${ids.api}/revisions`), 404, "not-found");
    expectProblem(await asB("GET", `/api/v1/apis/${ids.api}/deployments`), 404, "not-found");
    expectProblem(await asB("GET", `/api/v1/applications/${ids.app}`), 404, "not-found");
    expectProblem(await asB("GET", `/api/v1/applications/${ids.app}/api-keys`), 404, "not-found");
    expect((await asB("GET", "/api/v1/apis")).body).toEqual([]);
    expect((await asB("GET", "/api/v1/products")).body).toEqual([]);
    expectProblem(await asB("GET", `/api/v1/products/${ids.product}`), 404, "not-found");
    expectProblem(await asB("GET", `/api/v1/products/${ids.product}/deployments`), 404, "not-found");
    expect((await asB("GET", "/api/v1/applications")).body).toEqual([]);
    expect((await asB("GET", "/api/v1/subscriptions")).body).toEqual([]);
    expect((await asB("GET", "/api/v1/key-managers")).body).toEqual([]);
    const audit = (await asB("GET", "/api/v1/audit?limit=200")).body as { targetId: string }[];
    expect(audit.some((e) => Object.values(ids).includes(e.targetId))).toBe(false);
    expect((await asB("GET", `/api/v1/audit?targetId=${ids.api}`)).body).toEqual([]);
    expect((await asB("GET", `/api/v1/subscriptions?apiId=${ids.api}`)).body).toEqual([]);
    expect((await asB("GET", "/api/v1/environments")).body.map((e: { name: string }) => e.name)).toEqual(["default"]);
    expect((await asB("GET", "/api/v1/analytics/requests")).body.totals.count).toBe(0);
  });

  it("cannot change, deploy, delete or subscribe to them", async () => {
    expectProblem(await asB("PATCH", `/api/v1/apis/${ids.api}`, { name: "pwned" }), 404, "not-found");
    expectProblem(await asB("POST", `/api/v1/apis/${ids.api}/lifecycle`, { action: "block" }), 404, "not-found");
    expectProblem(await asB("POST", `/api/v1/apis/${ids.api}/revisions`), 404, "not-found");
    expectProblem(
      await asB("POST", `/api/v1/apis/${ids.api}/deployments`, { revisionId: ids.revision, environment: "default" }),
      404,
      "not-found",
    );
    expectProblem(await asB("DELETE", `/api/v1/apis/${ids.api}`), 404, "not-found");
    expectProblem(await asB("PATCH", `/api/v1/products/${ids.product}`, { name: "pwned" }), 404, "not-found");
    expectProblem(await asB("DELETE", `/api/v1/products/${ids.product}`), 404, "not-found");
    expectProblem(await asB("GET", `/api/v1/apis/${ids.api}/docs/${ids.doc}`), 404, "not-found");
    expectProblem(await asB("PATCH", `/api/v1/apis/${ids.api}/docs/${ids.doc}`, { title: "x" }), 404, "not-found");
    expectProblem(await asB("DELETE", `/api/v1/apis/${ids.api}/docs/${ids.doc}`), 404, "not-found");
    expectProblem(await asB("PUT", `/api/v1/apis/${ids.api}/rating`, { rating: 1 }), 404, "not-found");
    expectProblem(await asB("DELETE", `/api/v1/apis/${ids.api}/comments/${ids.comment}`), 404, "not-found");
    expectProblem(await t.api.call("GET", `/api/v1/portal/iso-b/apis/${ids.api}`), 404, "not-found");
    expectProblem(await asB("DELETE", `/api/v1/invitations/${ids.invitation}`), 404, "not-found");
    const aUsers = (await t.api.call("GET", "/api/v1/users", { token: a.token })).body as { id: string }[];
    expectProblem(await asB("PATCH", `/api/v1/users/${aUsers[0]!.id}`, { role: "developer" }), 404, "not-found");
    expectProblem(await asB("DELETE", `/api/v1/users/${aUsers[0]!.id}`), 404, "not-found");
    expect((await asB("GET", "/api/v1/invitations")).body).toEqual([]);
    expect((await asB("GET", "/api/v1/webhooks")).body).toEqual([]);
    expect((await asB("GET", "/api/v1/analytics/exporters")).body).toEqual([]);
    expectProblem(await asB("GET", `/api/v1/analytics/exporters/${ids.exporter}`), 404, "not-found");
    expectProblem(
      await asB("PATCH", `/api/v1/analytics/exporters/${ids.exporter}`, { enabled: false }),
      404,
      "not-found",
    );
    expectProblem(await asB("DELETE", `/api/v1/analytics/exporters/${ids.exporter}`), 404, "not-found");
    const tokens = `/api/v1/environments/${ids.env}/registration-tokens`;
    expectProblem(await asB("GET", tokens), 404, "not-found");
    expectProblem(await asB("POST", tokens), 404, "not-found");
    expectProblem(await asB("DELETE", `${tokens}/${ids.registrationToken}`), 404, "not-found");
    expectProblem(await asB("GET", `/api/v1/webhooks/${ids.webhook}/deliveries`), 404, "not-found");
    expectProblem(await asB("POST", `/api/v1/applications/${ids.app}/credentials`), 404, "not-found");
    expectProblem(await asB("POST", `/api/v1/applications/${ids.app}/api-keys`), 404, "not-found");
    expectProblem(await asB("DELETE", `/api/v1/applications/${ids.app}/api-keys/${ids.key}`), 404, "not-found");
    expectProblem(
      await asB("POST", `/api/v1/applications/${ids.app}/api-keys/${ids.key}/rotate`, {}),
      404,
      "not-found",
    );
    const bApp = (await asB("POST", "/api/v1/applications", { name: "B app" })).body.id;
    expectProblem(
      await asB("POST", "/api/v1/subscriptions", { applicationId: bApp, apiId: ids.api, tier: "Gold" }),
      400,
      "validation-failed",
    );
    expectProblem(
      await asB("POST", "/api/v1/subscriptions", { applicationId: ids.app, apiId: ids.api, tier: "Gold" }),
      400,
      "validation-failed",
    );
    expectProblem(
      await asB("POST", `/api/v1/applications/${bApp}/external-clients`, { keyManagerId: ids.km, clientId: "x" }),
      400,
      "validation-failed",
    );
    const bApi = (
      await asB("POST", "/api/v1/apis", {
        name: "B",
        context: "b",
        version: "v1",
        upstream: { url: "http://127.0.0.1:9" },
      })
    ).body.id;
    const bRev = (await asB("POST", `/api/v1/apis/${bApi}/revisions`)).body.id;
    expectProblem(
      await asB("POST", `/api/v1/apis/${bApi}/deployments`, { revisionId: ids.revision, environment: "default" }),
      400,
      "validation-failed",
    );
    expectProblem(
      await asB("POST", `/api/v1/apis/${bApi}/deployments`, { revisionId: bRev, environment: ids.env }),
      400,
      "validation-failed",
    );
    expectProblem(
      await asB("POST", `/api/v1/apis/${bApi}/deployments`, { revisionId: bRev, environment: "a-private" }),
      400,
      "validation-failed",
    );
    // Tenant A still has everything.
    expect((await t.api.call("GET", `/api/v1/apis/${ids.api}`, { token: a.token })).body.name).toBe("A");
  });
});

describe("tenant B at the key manager", () => {
  const oauth = async (
    slug: string,
    endpoint: string,
    fields: Record<string, string>,
    c: { clientId: string; clientSecret: string },
  ) => {
    const res = await fetch(`${t.cp.url}/t/${slug}/oauth2/${endpoint}`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams(fields),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };

  it("cannot see A's issuer keys, nor introspect or revoke A's tokens", async () => {
    const aKids = (await t.api.call("GET", "/api/v1/issuer-keys", { token: a.token })).body.map(
      (k: { kid: string }) => k.kid,
    );
    const bKids = (await t.api.call("GET", "/api/v1/issuer-keys", { token: b.token })).body.map(
      (k: { kid: string }) => k.kid,
    );
    expect(aKids.length).toBeGreaterThan(0);
    expect(bKids.filter((k: string) => aKids.includes(k))).toEqual([]);
    // B rotating rotates only B's key.
    expect((await t.api.call("POST", "/api/v1/issuer-keys/rotate", { token: b.token, body: {} })).status).toBe(201);
    expect(
      (await t.api.call("GET", "/api/v1/issuer-keys", { token: a.token })).body.map((k: { kid: string }) => k.kid),
    ).toEqual(aKids);

    const aToken = (await oauth(a.slug, "token", { grant_type: "client_credentials" }, aCreds)).body
      .access_token as string;
    const bApp = (await t.api.call("POST", "/api/v1/applications", { token: b.token, body: { name: "B rs" } })).body.id;
    const bCreds = (await t.api.call("POST", `/api/v1/applications/${bApp}/credentials`, { token: b.token })).body;
    // B's client is unknown at A's issuer; at B's own issuer A's token is nobody's.
    expect((await oauth(a.slug, "introspect", { token: aToken }, bCreds)).status).toBe(401);
    expect((await oauth(a.slug, "revoke", { token: aToken }, bCreds)).status).toBe(401);
    expect((await oauth(b.slug, "introspect", { token: aToken }, bCreds)).body).toEqual({ active: false });
    expect((await oauth(b.slug, "revoke", { token: aToken }, bCreds)).status).toBe(200);
    expect((await oauth(a.slug, "introspect", { token: aToken }, aCreds)).body).toMatchObject({ active: true });
  });
});

describe("tenant B in the database", () => {
  it("sees none of tenant A's rows under the application role, and none at all with no tenant set", async () => {
    const sql = postgres(t.databaseUrl, { max: 1, onnotice: () => {} });
    try {
      // Every table with a tenant column, read from the catalogue: a new table joins this check by itself.
      const tables = (
        await sql<{ table_name: string }[]>`select table_name from information_schema.columns
          where table_schema = 'public' and column_name = 'tenant_id' order by table_name`
      ).map((r) => r.table_name);
      expect(tables.length).toBeGreaterThanOrEqual(20);
      // Rows the gateways would have produced for A, so no table is empty to begin with.
      await sql`insert into gateway_bundles (tenant_id, gateway_id, version, hash) values (${a.tenantId}, 'gw-1', 1, 'h')`;
      await sql`insert into deployment_acks (tenant_id, environment, gateway_id, version, hash, apply_ms) values (${a.tenantId}, 'default', 'gw-1', 1, 'h', 1)`;
      await sql`insert into analytics_events (id, tenant_id, time, environment, gateway_id, resource, method, status, latency_ms, bytes_in, bytes_out)
                values (gen_random_uuid(), ${a.tenantId}, now(), 'default', 'gw-1', '/x', 'GET', 200, 1, 0, 0)`;
      await sql`insert into analytics_rollups (tenant_id, granularity, bucket, environment, gateway_id, resource, status_class, count, latency_sum, latency_max, bytes_in, bytes_out, histogram)
                values (${a.tenantId}, 'minute', now(), 'default', 'gw-1', '/x', 2, 1, 1, 1, 0, 0, '{1}')`;
      await sql`insert into analytics_export_batches (tenant_id, exporter_id, events) values (${a.tenantId}, ${ids.exporter!}, '[]')`;
      // Key-manager rows of A (grants that a login and a revocation would have made).
      const [user] = await sql`select id from users where tenant_id = ${a.tenantId}`;
      await sql`insert into refresh_tokens (tenant_id, token_hash, family_id, client_id, scope, expires_at)
                values (${a.tenantId}, ${"a".repeat(64)}, gen_random_uuid(), 'cid_a', '', now() + interval '1 day')`;
      await sql`insert into revoked_tokens (tenant_id, jti, exp) values (${a.tenantId}, 'jti-a', now() + interval '1 hour')`;
      await sql`insert into authorization_codes (code_hash, tenant_id, client_id, user_id, redirect_uri, scope, code_challenge, family_id, expires_at)
                values (${"b".repeat(64)}, ${a.tenantId}, 'cid_a', ${user!.id}, 'https://a.example/cb', '', 'c', gen_random_uuid(), now() + interval '1 minute')`;
      for (const table of ["tenants", ...tables]) {
        const column = table === "tenants" ? "id" : "tenant_id";
        const owner = await sql.unsafe(`select count(*)::int as n from ${table} where ${column} = $1`, [a.tenantId]);
        expect(owner[0]!.n, `${table} holds rows of A`).toBeGreaterThan(0);
        const seen = await sql.begin(async (tx) => {
          await tx`set local role portico_app`;
          await tx`select set_config('app.tenant_id', ${b.tenantId}, true)`;
          return tx.unsafe(`select count(*)::int as n from ${table} where ${column} = $1`, [a.tenantId]);
        });
        expect(seen[0]!.n, table).toBe(0);
        const unset = await sql.begin(async (tx) => {
          await tx`set local role portico_app`;
          // Shared environments (tenant_id null) are meant to be visible to every tenant.
          return tx.unsafe(`select count(*)::int as n from ${table} where ${column} is not null`);
        });
        expect(unset[0]!.n, `${table} without a tenant`).toBe(0);
      }
      const write = sql.begin(async (tx) => {
        await tx`set local role portico_app`;
        await tx`select set_config('app.tenant_id', ${b.tenantId}, true)`;
        await tx`insert into applications (tenant_id, name) values (${a.tenantId}, 'smuggled')`;
      });
      await expect(write).rejects.toThrow(/row-level security/);
      const envs = await sql.begin(async (tx) => {
        await tx`set local role portico_app`;
        await tx`select set_config('app.tenant_id', ${b.tenantId}, true)`;
        return tx`select name from environments`;
      });
      expect(envs.map((e) => e.name)).toEqual(["default"]);
    } finally {
      await sql.end();
    }
  });
});
