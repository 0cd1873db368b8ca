import type { Context, Hono } from "hono";
import type { AppEnv } from "../http/env.js";
import { sendProblem } from "../http/problem.js";
import { issuerJwks, issuerUrl } from "../keys/issuer.js";
import { type ClientAuth, issueToken, type OAuthFailure, oauthFail } from "../services/oauth.js";
import { introspectToken, revokeToken } from "../services/oauth-tokens.js";
import { findTenantBySlug } from "../services/tenants.js";
import { registerAuthorizeRoutes } from "./oauth-authorize.js";

/** Client credentials from `Authorization: Basic` (RFC 6749 §2.3.1: each part form-encoded). */
function basicCredentials(header: string | undefined): { id: string; secret: string } | null | "malformed" {
  const b64 = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header ?? "")?.[1];
  if (!b64) {
    return header?.toLowerCase().startsWith("basic") ? "malformed" : null;
  }
  const decoded = Buffer.from(b64, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) {
    return "malformed";
  }
  try {
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) };
  } catch {
    return "malformed";
  }
}

/**
 * The per-tenant OAuth2 issuer at /t/{tenant}. Errors here follow RFC 6749 §5.2
 * (`application/json` with `error`), which OAuth clients parse, rather than problem+json.
 */
export function registerOAuthRoutes(app: Hono<AppEnv>) {
  app.get("/t/:tenant/.well-known/openid-configuration", async (c) => {
    const s = c.var.services;
    const tenant = await findTenantBySlug(s, c.req.param("tenant"));
    if (!tenant) {
      return sendProblem(c, "not-found", "no such tenant");
    }
    const issuer = issuerUrl(s.publicUrl, tenant.slug);
    c.header("Cache-Control", "public, max-age=300");
    return c.json({
      issuer,
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      token_endpoint: `${issuer}/oauth2/token`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      introspection_endpoint: `${issuer}/oauth2/introspect`,
      jwks_uri: `${issuer}/jwks`,
      grant_types_supported: ["client_credentials", "authorization_code", "refresh_token"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      revocation_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
      introspection_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      code_challenge_methods_supported: ["S256"],
      response_types_supported: ["code"],
      id_token_signing_alg_values_supported: ["ES256"],
      subject_types_supported: ["public"],
      scopes_supported: [],
    });
  });

  app.get("/t/:tenant/jwks", async (c) => {
    const s = c.var.services;
    const tenant = await findTenantBySlug(s, c.req.param("tenant"));
    if (!tenant) {
      return sendProblem(c, "not-found", "no such tenant");
    }
    c.header("Cache-Control", "public, max-age=300");
    return c.json(await s.db.withTenant(tenant.id, (tx) => issuerJwks(tx)));
  });

  app.post("/t/:tenant/oauth2/token", async (c) => {
    const parsed = await oauthForm(c);
    if (!parsed.ok) {
      return sendOAuth(c, parsed);
    }
    const { form, client } = parsed;
    const result = await issueToken(c.var.services, c.req.param("tenant"), {
      ...client,
      grantType: form.get("grant_type") ?? undefined,
      scope: form.get("scope") ?? undefined,
      code: form.get("code") ?? undefined,
      redirectUri: form.get("redirect_uri") ?? undefined,
      codeVerifier: form.get("code_verifier") ?? undefined,
      refreshToken: form.get("refresh_token") ?? undefined,
    });
    return result.ok ? sendOAuth(c, { ok: true, body: result.body }) : sendOAuth(c, result);
  });

  app.post("/t/:tenant/oauth2/revoke", async (c) => {
    const parsed = await oauthForm(c);
    if (!parsed.ok) {
      return sendOAuth(c, parsed);
    }
    const result = await revokeToken(c.var.services, c.req.param("tenant"), {
      ...parsed.client,
      token: parsed.form.get("token") ?? undefined,
      tokenTypeHint: parsed.form.get("token_type_hint") ?? undefined,
    });
    // RFC 7009 §2.2: success is 200 with an empty body.
    return result.ok ? sendOAuth(c, { ok: true, body: null }) : sendOAuth(c, result);
  });

  app.post("/t/:tenant/oauth2/introspect", async (c) => {
    const parsed = await oauthForm(c);
    if (!parsed.ok) {
      return sendOAuth(c, parsed);
    }
    const result = await introspectToken(c.var.services, c.req.param("tenant"), {
      ...parsed.client,
      token: parsed.form.get("token") ?? undefined,
    });
    return result.ok ? sendOAuth(c, { ok: true, body: result.body }) : sendOAuth(c, result);
  });

  registerAuthorizeRoutes(app);
}

/** RFC 6749 §5.1/§5.2 answers: JSON, never cached; 401 challenges for Basic. */
function sendOAuth(c: Context<AppEnv>, r: { ok: true; body: unknown } | OAuthFailure) {
  c.header("Cache-Control", "no-store");
  c.header("Pragma", "no-cache");
  if (r.ok) {
    return r.body === null ? c.body(null, 200) : c.json(r.body as object);
  }
  if (r.status === 401) {
    c.header("WWW-Authenticate", 'Basic realm="portico"');
  }
  return c.json({ error: r.error, error_description: r.description }, r.status as 400);
}

/** The form body and the client's authentication (Basic, or client_id [+ client_secret] posted). */
async function oauthForm(
  c: Context<AppEnv>,
): Promise<{ ok: true; form: URLSearchParams; client: ClientAuth } | OAuthFailure> {
  if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
    return oauthFail(400, "invalid_request", "use application/x-www-form-urlencoded");
  }
  const form = new URLSearchParams(await c.req.text());
  const basic = basicCredentials(c.req.header("authorization"));
  if (basic === "malformed") {
    return oauthFail(401, "invalid_client", "malformed Basic credentials");
  }
  if (basic && form.get("client_secret") !== null) {
    return oauthFail(400, "invalid_request", "use one client authentication method");
  }
  if (basic && form.get("client_id") !== null && form.get("client_id") !== basic.id) {
    return oauthFail(400, "invalid_request", "client_id differs from the Basic credentials");
  }
  const client: ClientAuth = basic
    ? { clientId: basic.id, clientSecret: basic.secret }
    : {
        clientId: form.get("client_id") ?? undefined,
        clientSecret: form.get("client_secret") ?? undefined,
      };
  return { ok: true, form, client };
}
