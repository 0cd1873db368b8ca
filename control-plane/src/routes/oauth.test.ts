import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";

let t: TestControlPlane;
let slug: string;
let creds: { clientId: string; clientSecret: string };
beforeAll(async () => {
  t = await startTestControlPlane();
  const tenant = await signupTenant(t.api);
  slug = tenant.slug;
  const app = (await t.api.call("POST", "/api/v1/applications", { token: tenant.token, body: { name: "App" } })).body;
  creds = (await t.api.call("POST", `/api/v1/applications/${app.id}/credentials`, { token: tenant.token })).body;
});
afterAll(() => t?.close());

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`;
const token = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${t.cp.url}/t/${slug}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
  });

describe("per-tenant issuer", () => {
  it("publishes OIDC discovery and a JWKS without private parts", async () => {
    const issuer = `${t.cp.url}/t/${slug}`;
    const doc = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as any;
    expect(doc).toMatchObject({ issuer, token_endpoint: `${issuer}/oauth2/token`, jwks_uri: `${issuer}/jwks` });
    const jwks = (await (await fetch(doc.jwks_uri)).json()) as any;
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
    expect((await fetch(`${t.cp.url}/t/no-such-tenant/.well-known/openid-configuration`)).status).toBe(404);
  });

  it("issues client_credentials tokens with client_secret_basic and client_secret_post", async () => {
    const issuer = `${t.cp.url}/t/${slug}`;
    const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
    for (const res of [
      await token(form({ grant_type: "client_credentials" }), {
        authorization: basic(creds.clientId, creds.clientSecret),
      }),
      await token(
        form({
          grant_type: "client_credentials",
          client_id: creds.clientId,
          client_secret: creds.clientSecret,
        }),
      ),
    ]) {
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const body = (await res.json()) as any;
      expect(body).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
      const { payload, protectedHeader } = await jwtVerify(body.access_token, jwks, {
        issuer,
        audience: "portico-gateway",
      });
      expect(protectedHeader.alg).toBe("ES256");
      expect(payload).toMatchObject({ sub: creds.clientId, client_id: creds.clientId });
      expect(payload.jti).toBeTruthy();
      expect(payload.exp! - payload.iat!).toBe(3600);
    }
  });

  it("answers RFC 6749 errors", async () => {
    const cases: [Response, number, string][] = [
      [
        await token(form({ grant_type: "client_credentials" }), { authorization: basic(creds.clientId, "wrong") }),
        401,
        "invalid_client",
      ],
      [
        await token(form({ grant_type: "client_credentials", client_id: "cid_nope", client_secret: "x" })),
        401,
        "invalid_client",
      ],
      [await token(form({ grant_type: "client_credentials" })), 401, "invalid_client"],
      [await token(form({ grant_type: "password", username: "u", password: "p" })), 400, "unsupported_grant_type"],
      [await token(form({})), 400, "invalid_request"],
      [await token("grant_type=client_credentials", { "content-type": "application/json" }), 400, "invalid_request"],
      [await token(form({ grant_type: "client_credentials" }), { authorization: "Basic !!!" }), 401, "invalid_client"],
    ];
    for (const [res, status, error] of cases) {
      expect(res.status).toBe(status);
      expect(((await res.json()) as any).error).toBe(error);
    }
  });

  it("does not accept one tenant's client at another tenant's issuer", async () => {
    const other = await signupTenant(t.api);
    const res = await fetch(`${t.cp.url}/t/${other.slug}/oauth2/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: basic(creds.clientId, creds.clientSecret),
      },
      body: form({ grant_type: "client_credentials" }),
    });
    expect(res.status).toBe(401);
  });
});
