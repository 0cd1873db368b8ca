import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";
import { authorizationCodeTokens, oauthPost } from "../test/oauth-flows.js";

/**
 * What the tenant issuer's endpoints leave in the audit log: revocations, replays that revoke a
 * token family, consents, client secret and API key changes, and bursts of failed client
 * authentication (one record per client per minute). Token issuance itself leaves nothing.
 */
let t: TestControlPlane;
let tenant: Awaited<ReturnType<typeof signupTenant>>;
let issuer: string;
let appId: string;
const REDIRECT = "https://spa.example.com/callback";
const call = (method: string, path: string, body?: unknown, token = tenant.token) =>
  t.api.call(method, path, { token, body });

interface AuditRow {
  action: string;
  actorId: string | null;
  targetType: string;
  targetId: string | null;
  summary: Record<string, unknown>;
}
const auditOf = async (query: string): Promise<AuditRow[]> =>
  (await call("GET", `/api/v1/audit?limit=100&${query}`)).body;

const clientCredentials = (clientId: string, clientSecret: string) =>
  oauthPost(`${issuer}/oauth2/token`, {
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: clientSecret,
  });

beforeAll(async () => {
  t = await startTestControlPlane();
  tenant = await signupTenant(t.api);
  issuer = `${t.cp.url}/t/${tenant.slug}`;
  appId = (await call("POST", "/api/v1/applications", { name: "audited" })).body.id;
});
afterAll(() => t?.close());

describe("audit of the OAuth endpoints", () => {
  it("records client secret creation, rotation and revocation, and refuses the old secret", async () => {
    const creds = (await call("POST", `/api/v1/applications/${appId}/credentials`)).body;
    const rotated = await call("POST", `/api/v1/applications/${appId}/credentials/${creds.clientId}/rotate-secret`);
    expect(rotated.status).toBe(201);
    expect(rotated.body.clientSecret).not.toBe(creds.clientSecret);
    expect((await clientCredentials(creds.clientId, creds.clientSecret)).status).toBe(401);
    expect((await clientCredentials(creds.clientId, rotated.body.clientSecret)).status).toBe(200);

    // another tenant cannot rotate or revoke it
    const other = await signupTenant(t.api);
    const foreign = `/api/v1/applications/${appId}/credentials/${creds.clientId}`;
    expectProblem(await call("POST", `${foreign}/rotate-secret`, undefined, other.token), 404, "not-found");
    expectProblem(await call("DELETE", foreign, undefined, other.token), 404, "not-found");

    expect((await call("DELETE", foreign)).status).toBe(204);
    expect((await clientCredentials(creds.clientId, rotated.body.clientSecret)).status).toBe(401);
    const rows = await auditOf(`targetId=${creds.clientId}`);
    expect(rows.map((r) => r.action).reverse()).toEqual([
      "credentials.rotate-secret",
      "oauth.client-auth-failed",
      "credentials.revoke",
    ]);
    expect(JSON.stringify(rows)).not.toContain(rotated.body.clientSecret);
    expect((await auditOf(`action=credentials.create&targetId=${appId}`)).length).toBeGreaterThan(0);
  });

  it("records API key creation, rotation and revocation", async () => {
    const key = (await call("POST", `/api/v1/applications/${appId}/api-keys`)).body;
    const next = (await call("POST", `/api/v1/applications/${appId}/api-keys/${key.id}/rotate`, {})).body;
    await call("DELETE", `/api/v1/applications/${appId}/api-keys/${next.id}`);
    const actions = (await auditOf("targetType=api-key")).map((r) => r.action);
    expect(actions).toEqual(["api-key.revoke", "api-key.rotate", "api-key.create"]);
  });

  it("records a burst of failed client authentication once per client per minute", async () => {
    const creds = (await call("POST", `/api/v1/applications/${appId}/credentials`)).body;
    for (let i = 0; i < 5; i++) {
      expect((await clientCredentials(creds.clientId, "wrong-secret")).status).toBe(401);
    }
    await oauthPost(`${issuer}/oauth2/introspect`, { token: "x", client_id: creds.clientId, client_secret: "nope" });
    const known = await auditOf(`action=oauth.client-auth-failed&targetId=${creds.clientId}`);
    expect(known).toHaveLength(1);
    expect(known[0]).toMatchObject({ actorId: null, targetType: "oauth-client", summary: { endpoint: "token" } });
    for (let i = 0; i < 3; i++) {
      await clientCredentials(`cid_${randomBytes(6).toString("hex")}`, "guess");
    }
    const unknown = (await auditOf("action=oauth.client-auth-failed")).filter((r) => r.targetId === null);
    expect(unknown).toHaveLength(1);
    expect(String(unknown[0]?.summary.clientId)).toMatch(/^cid_/);
  });

  it("records consent, revocation and refresh-token reuse, but not token issuance", async () => {
    const spa = (
      await call("POST", `/api/v1/applications/${appId}/credentials`, { type: "public", redirectUris: [REDIRECT] })
    ).body;
    const before = (await auditOf("")).length;
    const creds = (await call("POST", `/api/v1/applications/${appId}/credentials`)).body;
    for (let i = 0; i < 3; i++) {
      expect((await clientCredentials(creds.clientId, creds.clientSecret)).status).toBe(200);
    }
    expect((await auditOf("")).length).toBe(before + 1); // the credentials, not the three tokens

    const tokens = await authorizationCodeTokens({
      issuer,
      clientId: spa.clientId,
      redirectUri: REDIRECT,
      email: `admin@${tenant.slug}.example`,
      password: "correct horse battery",
    });
    const consent = await auditOf(`action=oauth.authorize&targetId=${spa.clientId}`);
    expect(consent).toHaveLength(1);
    expect(consent[0]).toMatchObject({ targetType: "oauth-client", summary: { redirectUri: REDIRECT } });
    expect(consent[0]?.actorId).toBeTruthy();

    const refresh = { grant_type: "refresh_token", client_id: spa.clientId, refresh_token: tokens.refresh_token };
    expect((await oauthPost(`${issuer}/oauth2/token`, refresh)).status).toBe(200);
    expect((await oauthPost(`${issuer}/oauth2/token`, refresh)).status).toBe(400);
    const reuse = await auditOf(`action=oauth.refresh-token-reuse&targetId=${spa.clientId}`);
    expect(reuse).toHaveLength(1);
    expect(reuse[0]?.summary.revoked).toBe("token family");

    const access = (await clientCredentials(creds.clientId, creds.clientSecret)).body.access_token;
    const revoke = { token: access, client_id: creds.clientId, client_secret: creds.clientSecret };
    expect((await oauthPost(`${issuer}/oauth2/revoke`, revoke)).status).toBe(200);
    const revoked = await auditOf(`action=oauth.token-revoke&targetId=${creds.clientId}`);
    expect(revoked).toHaveLength(1);
    expect(revoked[0]?.summary.tokenType).toBe("access_token");
  });
});
