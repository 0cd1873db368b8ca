import { createHash, randomBytes } from "node:crypto";
import { bundleKeySet, verifyBundle } from "@portico/shared/bundle";
import { desc, eq, sql } from "drizzle-orm";
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outbox } from "../db/schema/index.js";
import { signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";

/**
 * The tenant issuer beyond client_credentials: authorization_code with PKCE through the login
 * page, refresh-token rotation and reuse detection, revocation (RFC 7009), introspection
 * (RFC 7662) and scopes bounded by the application's subscriptions.
 */
let t: TestControlPlane;
let tenant: Awaited<ReturnType<typeof signupTenant>>;
let issuer: string;
let confidential: { clientId: string; clientSecret: string };
let spa: { clientId: string };
let resourceServer: { clientId: string; clientSecret: string };
const REDIRECT = "https://spa.example.com/callback";
const PASSWORD = "correct horse battery";

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
const post = async (
  endpoint: string,
  fields: Record<string, string>,
  auth?: { clientId: string; clientSecret: string },
) => {
  const res = await fetch(`${issuer}/oauth2/${endpoint}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(auth ? { authorization: basic(auth.clientId, auth.clientSecret) } : {}),
    },
    body: form(fields),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
};
const introspect = (token: string) => post("introspect", { token }, resourceServer);

function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** Walks the login page like a browser: GET the form, POST the credentials, read the redirect. */
async function authorize(params: Record<string, string>, password = PASSWORD) {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: spa.clientId,
    redirect_uri: REDIRECT,
    ...params,
  });
  const page = await fetch(`${issuer}/oauth2/authorize?${query}`, { redirect: "manual" });
  if (page.status !== 200) {
    return { page, location: page.headers.get("location") };
  }
  const html = await page.text();
  const fields = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(m[1]!, m[2]!.replace(/&amp;/g, "&").replace(/&quot;/g, '"'));
  }
  fields.set("email", `admin@${tenant.slug}.example`);
  fields.set("password", password);
  const res = await fetch(`${issuer}/oauth2/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: fields.toString(),
    redirect: "manual",
  });
  return { page: res, location: res.headers.get("location") };
}

async function codeFlow(scope = "orders:read") {
  const { verifier, challenge } = pkce();
  const { location } = await authorize({
    scope,
    state: "s-1",
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  const code = new URL(location!).searchParams.get("code")!;
  const res = await post("token", {
    grant_type: "authorization_code",
    client_id: spa.clientId,
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
  });
  expect(res.status).toBe(200);
  return { code, verifier, tokens: res.body as { access_token: string; refresh_token: string; scope?: string } };
}

/** The newest bundle queued for the tenant, verified like a gateway would. */
async function latestBundle() {
  const [row] = await t.cp.database.system
    .select()
    .from(outbox)
    .where(eq(outbox.tenantId, tenant.tenantId))
    .orderBy(desc(outbox.id))
    .limit(1);
  const keys = (await t.api.call("GET", "/.well-known/portico/bundle-keys")).body;
  const v = await verifyBundle(row!.jws, bundleKeySet(keys), { environment: "default" });
  if (!v.ok) {
    throw new Error(v.error.detail);
  }
  return v.value;
}

beforeAll(async () => {
  t = await startTestControlPlane();
  tenant = await signupTenant(t.api);
  issuer = `${t.cp.url}/t/${tenant.slug}`;
  const call = (method: string, path: string, body?: unknown) =>
    t.api.call(method, path, { token: tenant.token, body });
  const api = (
    await call("POST", "/api/v1/apis", {
      name: "Orders",
      context: "orders",
      version: "v1",
      upstream: { url: "http://127.0.0.1:9" },
    })
  ).body;
  // Resource scopes, as an OpenAPI import (or the publisher) declares them.
  await t.cp.database.system.execute(
    sql`update apis set resources = ${JSON.stringify([
      { method: "GET", path: "/orders", scopes: ["orders:read"] },
      { method: "POST", path: "/orders", scopes: ["orders:write"] },
    ])}::jsonb where id = ${api.id}`,
  );
  expect((await call("POST", `/api/v1/apis/${api.id}/lifecycle`, { action: "publish" })).status).toBe(200);
  const app = (await call("POST", "/api/v1/applications", { name: "shop" })).body;
  expect(
    (await call("POST", "/api/v1/subscriptions", { applicationId: app.id, apiId: api.id, tier: "Gold" })).status,
  ).toBe(201);
  confidential = (await call("POST", `/api/v1/applications/${app.id}/credentials`)).body;
  const spaRes = await call("POST", `/api/v1/applications/${app.id}/credentials`, {
    type: "public",
    redirectUris: [REDIRECT],
  });
  expect(spaRes.status).toBe(201);
  expect(spaRes.body.clientSecret).toBeUndefined();
  spa = spaRes.body;
  const rs = (await call("POST", "/api/v1/applications", { name: "resource server" })).body;
  resourceServer = (await call("POST", `/api/v1/applications/${rs.id}/credentials`)).body;
});
afterAll(() => t?.close());

describe("discovery", () => {
  it("lists the new endpoints, grants and PKCE", async () => {
    const doc = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      introspection_endpoint: `${issuer}/oauth2/introspect`,
      grant_types_supported: ["client_credentials", "authorization_code", "refresh_token"],
      code_challenge_methods_supported: ["S256"],
    });
  });
});

describe("scopes", () => {
  it("grants requested scopes only when the application's subscriptions allow them", async () => {
    const cc = (scope: string) => post("token", { grant_type: "client_credentials", scope }, confidential);
    const ok = await cc("orders:read orders:write");
    expect(ok.status).toBe(200);
    expect(ok.body.scope).toBe("orders:read orders:write");
    expect(decodeJwt(ok.body.access_token).scope).toBe("orders:read orders:write");
    const refused = await cc("orders:read admin");
    expect(refused).toMatchObject({ status: 400, body: { error: "invalid_scope" } });
    expect(refused.body.error_description).toContain("admin");
    // An application without subscriptions may be granted nothing.
    expect(
      (await post("token", { grant_type: "client_credentials", scope: "orders:read" }, resourceServer)).body.error,
    ).toBe("invalid_scope");
    const none = await cc("");
    expect(none.status).toBe(200);
    expect(decodeJwt(none.body.access_token).scope).toBe("");
  });
});

describe("authorization_code with PKCE", () => {
  it("signs a tenant user in and exchanges the code once for an access and a refresh token", async () => {
    const { verifier, challenge } = pkce();
    const { page, location } = await authorize({
      scope: "orders:read",
      state: "xyz",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    expect(page.status).toBe(302);
    const back = new URL(location!);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get("state")).toBe("xyz");
    expect(back.searchParams.get("iss")).toBe(issuer);
    const code = back.searchParams.get("code")!;
    const exchange = (v: string) =>
      post("token", {
        grant_type: "authorization_code",
        client_id: spa.clientId,
        code,
        redirect_uri: REDIRECT,
        code_verifier: v,
      });
    expect((await exchange(pkce().verifier)).body.error).toBe("invalid_grant");
    // A failed exchange burns the code too (it is single-use whatever happens).
    expect((await exchange(verifier)).body.error).toBe("invalid_grant");

    const { tokens } = await codeFlow();
    const claims = decodeJwt(tokens.access_token);
    const [user] = await t.cp.database.system.execute<{ id: string }>(
      sql`select id from users where tenant_id = ${tenant.tenantId}`,
    );
    expect(claims).toMatchObject({ sub: user!.id, client_id: spa.clientId, scope: "orders:read", iss: issuer });
    expect(tokens.refresh_token).toMatch(/^prt_/);
  });

  it("revokes what a replayed code issued", async () => {
    const { code, verifier, tokens } = await codeFlow();
    const replay = await post("token", {
      grant_type: "authorization_code",
      client_id: spa.clientId,
      code,
      redirect_uri: REDIRECT,
      code_verifier: verifier,
    });
    expect(replay.body.error).toBe("invalid_grant");
    expect((await introspect(tokens.refresh_token)).body).toEqual({ active: false });
    expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
    const bundle = await latestBundle();
    expect(bundle.revokedTokens.map((r) => r.jti)).toContain(decodeJwt(tokens.access_token).jti);
  });

  it("refuses bad authorization requests where they belong", async () => {
    const { challenge } = pkce();
    const unregistered = await fetch(
      `${issuer}/oauth2/authorize?${new URLSearchParams({ response_type: "code", client_id: spa.clientId, redirect_uri: `${REDIRECT}/x`, code_challenge: challenge, code_challenge_method: "S256" })}`,
      { redirect: "manual" },
    );
    expect(unregistered.status).toBe(400);
    expect(unregistered.headers.get("location")).toBeNull();
    const noPkce = await authorize({ state: "a" });
    expect(new URL(noPkce.location!).searchParams.get("error")).toBe("invalid_request");
    const plain = await authorize({ code_challenge: challenge, code_challenge_method: "plain" });
    expect(new URL(plain.location!).searchParams.get("error")).toBe("invalid_request");
    const scope = await authorize({ scope: "admin", code_challenge: challenge, code_challenge_method: "S256" });
    expect(new URL(scope.location!).searchParams.get("error")).toBe("invalid_scope");
    const wrongPassword = await authorize(
      { code_challenge: challenge, code_challenge_method: "S256" },
      "wrong password!",
    );
    expect(wrongPassword.page.status).toBe(401);
    expect(wrongPassword.page.headers.get("x-frame-options")).toBe("DENY");
    // A public client has no client_credentials grant.
    expect((await post("token", { grant_type: "client_credentials", client_id: spa.clientId })).body.error).toBe(
      "unauthorized_client",
    );
  });

  it("serves confidential clients too: the code exchange then needs the secret as well as the verifier", async () => {
    const app = (await t.api.call("POST", "/api/v1/applications", { token: tenant.token, body: { name: "web" } })).body;
    const web = (
      await t.api.call("POST", `/api/v1/applications/${app.id}/credentials`, {
        token: tenant.token,
        body: { redirectUris: [REDIRECT] },
      })
    ).body;
    expect(web.clientSecret).toBeTruthy();
    const { verifier, challenge } = pkce();
    const query = new URLSearchParams({
      response_type: "code",
      client_id: web.clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    expect((await fetch(`${issuer}/oauth2/authorize?${query}`)).status).toBe(200);
    const login = await fetch(`${issuer}/oauth2/authorize`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        ...Object.fromEntries(query),
        email: `admin@${tenant.slug}.example`,
        password: PASSWORD,
      }),
      redirect: "manual",
    });
    const code = new URL(login.headers.get("location")!).searchParams.get("code")!;
    const exchange = { grant_type: "authorization_code", code, redirect_uri: REDIRECT, code_verifier: verifier };
    expect((await post("token", { ...exchange, client_id: web.clientId })).status).toBe(401);
    const ok = await post("token", exchange, web);
    expect(ok.status).toBe(200);
    expect(ok.body.refresh_token).toMatch(/^prt_/);
  });

  it("stops password guessing on the login page after repeated failures", async () => {
    const victim = await signupTenant(t.api);
    const vIssuer = `${t.cp.url}/t/${victim.slug}`;
    const vApp = (await t.api.call("POST", "/api/v1/applications", { token: victim.token, body: { name: "v" } })).body;
    const vSpa = (
      await t.api.call("POST", `/api/v1/applications/${vApp.id}/credentials`, {
        token: victim.token,
        body: { type: "public", redirectUris: [REDIRECT] },
      })
    ).body;
    const { challenge } = pkce();
    const attempt = (password: string) =>
      fetch(`${vIssuer}/oauth2/authorize`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          response_type: "code",
          client_id: vSpa.clientId,
          redirect_uri: REDIRECT,
          code_challenge: challenge,
          code_challenge_method: "S256",
          email: `admin@${victim.slug}.example`,
          password,
        }),
        redirect: "manual",
      });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      statuses.push((await attempt(`guess-${i}`)).status);
    }
    expect(statuses.slice(0, 10).every((st) => st === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
    // Even the right password waits out the window now.
    expect((await attempt(PASSWORD)).status).toBe(429);
  });
});

describe("refresh_token", () => {
  it("rotates on every use and revokes the family when a rotated token comes back", async () => {
    const { tokens } = await codeFlow();
    const first = await post("token", {
      grant_type: "refresh_token",
      client_id: spa.clientId,
      refresh_token: tokens.refresh_token,
    });
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(first.body.scope).toBe("orders:read");
    const second = await post("token", {
      grant_type: "refresh_token",
      client_id: spa.clientId,
      refresh_token: first.body.refresh_token,
    });
    expect(second.status).toBe(200);
    expect((await introspect(second.body.refresh_token)).body).toMatchObject({
      active: true,
      token_type: "refresh_token",
    });

    // The first refresh token again: someone else holds a copy. The whole family goes.
    const reuse = await post("token", {
      grant_type: "refresh_token",
      client_id: spa.clientId,
      refresh_token: tokens.refresh_token,
    });
    expect(reuse.body.error).toBe("invalid_grant");
    expect((await introspect(second.body.refresh_token)).body).toEqual({ active: false });
    expect((await introspect(second.body.access_token)).body).toEqual({ active: false });
    const revoked = (await latestBundle()).revokedTokens.map((r) => r.jti);
    for (const at of [tokens.access_token, first.body.access_token, second.body.access_token]) {
      expect(revoked).toContain(decodeJwt(at).jti);
    }
    const after = await post("token", {
      grant_type: "refresh_token",
      client_id: spa.clientId,
      refresh_token: second.body.refresh_token,
    });
    expect(after.body.error).toBe("invalid_grant");
  });

  it("does not widen the scope and keeps a token to its client", async () => {
    const { tokens } = await codeFlow();
    const wider = await post("token", {
      grant_type: "refresh_token",
      client_id: spa.clientId,
      refresh_token: tokens.refresh_token,
      scope: "orders:read orders:write",
    });
    expect(wider.body.error).toBe("invalid_scope");
    const { tokens: other } = await codeFlow();
    const stolen = await post(
      "token",
      { grant_type: "refresh_token", refresh_token: other.refresh_token },
      confidential,
    );
    expect(stolen.body.error).toBe("invalid_grant");
  });
});

describe("revocation and introspection", () => {
  it("revokes an access token: introspection turns inactive and the next bundle carries its jti", async () => {
    const cc = await post("token", { grant_type: "client_credentials", scope: "orders:read" }, confidential);
    const at = cc.body.access_token as string;
    const active = await introspect(at);
    expect(active.body).toMatchObject({
      active: true,
      token_type: "access_token",
      client_id: confidential.clientId,
      scope: "orders:read",
      iss: issuer,
      jti: decodeJwt(at).jti,
    });
    // Another client may not revoke it.
    expect((await post("revoke", { token: at }, resourceServer)).body.error).toBe("unauthorized_client");
    const before = (await latestBundle()).version;
    const res = await post("revoke", { token: at, token_type_hint: "access_token" }, confidential);
    expect(res).toEqual({ status: 200, body: null });
    expect((await introspect(at)).body).toEqual({ active: false });
    const bundle = await latestBundle();
    expect(bundle.version).toBeGreaterThan(before);
    expect(bundle.revokedTokens).toContainEqual({ jti: decodeJwt(at).jti, exp: decodeJwt(at).exp });
    // Revoking again, or revoking garbage, is still 200 (RFC 7009 §2.2) and deploys nothing.
    expect((await post("revoke", { token: at }, confidential)).status).toBe(200);
    expect((await post("revoke", { token: "not-a-token" }, confidential)).status).toBe(200);
    expect((await latestBundle()).version).toBe(bundle.version);
  });

  it("revokes a refresh token with its family; a public client revokes with its id alone", async () => {
    const { tokens } = await codeFlow();
    expect((await post("revoke", { token: tokens.refresh_token, client_id: spa.clientId })).status).toBe(200);
    expect((await introspect(tokens.refresh_token)).body).toEqual({ active: false });
    expect((await introspect(tokens.access_token)).body).toEqual({ active: false });
  });

  it("lets only confidential clients introspect, and answers RFC errors", async () => {
    const { tokens } = await codeFlow();
    const asSpa = await post("introspect", { token: tokens.access_token, client_id: spa.clientId });
    expect(asSpa.status).toBe(401);
    expect(
      (await post("introspect", { token: tokens.access_token }, { ...confidential, clientSecret: "nope" })).status,
    ).toBe(401);
    expect((await post("introspect", {}, confidential)).body.error).toBe("invalid_request");
    expect((await post("revoke", { token: "x", token_type_hint: "id_token" }, confidential)).body.error).toBe(
      "unsupported_token_type",
    );
    expect((await introspect("garbage")).body).toEqual({ active: false });
  });
});

describe("housekeeping", () => {
  it("prunes expired refresh tokens and day-old expired codes on the key sweep", async () => {
    const db = t.cp.database.system;
    const [user] = await db.execute<{ id: string }>(sql`select id from users where tenant_id = ${tenant.tenantId}`);
    await db.execute(sql`insert into refresh_tokens (tenant_id, token_hash, family_id, client_id, scope, expires_at)
      values (${tenant.tenantId}, ${"e".repeat(64)}, gen_random_uuid(), ${spa.clientId}, '', now() - interval '1 second')`);
    await db.execute(sql`insert into authorization_codes (code_hash, tenant_id, client_id, user_id, redirect_uri, scope, code_challenge, family_id, expires_at)
      values (${"f".repeat(64)}, ${tenant.tenantId}, ${spa.clientId}, ${user!.id}, ${REDIRECT}, '', 'c', gen_random_uuid(), now() - interval '2 days')`);
    const live = await codeFlow();
    await t.cp.sweepKeys();
    const left = await db.execute<{ n: number }>(
      sql`select (select count(*) from refresh_tokens where token_hash = ${"e".repeat(64)})::int + (select count(*) from authorization_codes where code_hash = ${"f".repeat(64)})::int as n`,
    );
    expect(left[0]!.n).toBe(0);
    expect((await introspect(live.tokens.refresh_token)).body.active).toBe(true);
  });
});

describe("OpenAPI document", () => {
  it("describes the key manager's REST calls with their request schemas", async () => {
    const doc = (await t.api.call("GET", "/api/v1/openapi.json")).body;
    for (const path of ["/applications/{id}/api-keys/{keyId}/rotate", "/issuer-keys", "/issuer-keys/rotate"]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    for (const schema of [
      "CreateCredentialsRequest",
      "RotateApiKeyRequest",
      "RotateIssuerKeyRequest",
      "ClaimMappings",
    ]) {
      expect(doc.components.schemas, schema).toHaveProperty([schema]);
    }
    expect(doc.components.schemas.CreateApiKeyRequest.properties).toHaveProperty(["allowedIps"]);
  });
});
