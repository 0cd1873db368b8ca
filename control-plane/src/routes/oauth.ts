import type { Hono } from "hono";
import type { AppEnv } from "../http/env.js";
import { sendProblem } from "../http/problem.js";
import { issuerJwks, issuerUrl } from "../keys/issuer.js";
import { issueToken, type TokenResult } from "../services/oauth.js";
import { findTenantBySlug } from "../services/tenants.js";

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
      token_endpoint: `${issuer}/oauth2/token`,
      jwks_uri: `${issuer}/jwks`,
      grant_types_supported: ["client_credentials"],
      token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
      response_types_supported: ["token"],
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
    const send = (r: TokenResult) => {
      c.header("Cache-Control", "no-store");
      c.header("Pragma", "no-cache");
      if (r.ok) {
        return c.json(r.body);
      }
      if (r.status === 401) {
        c.header("WWW-Authenticate", 'Basic realm="portico"');
      }
      return c.json({ error: r.error, error_description: r.description }, r.status as 400);
    };
    if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      return send({
        ok: false,
        status: 400,
        error: "invalid_request",
        description: "use application/x-www-form-urlencoded",
      });
    }
    const form = new URLSearchParams(await c.req.text());
    const basic = basicCredentials(c.req.header("authorization"));
    if (basic === "malformed") {
      return send({ ok: false, status: 401, error: "invalid_client", description: "malformed Basic credentials" });
    }
    const posted = form.get("client_id") !== null || form.get("client_secret") !== null;
    if (basic && posted && form.get("client_secret") !== null) {
      return send({
        ok: false,
        status: 400,
        error: "invalid_request",
        description: "use one client authentication method",
      });
    }
    return send(
      await issueToken(c.var.services, c.req.param("tenant"), {
        grantType: form.get("grant_type") ?? undefined,
        clientId: basic?.id ?? form.get("client_id") ?? undefined,
        clientSecret: basic?.secret ?? form.get("client_secret") ?? undefined,
        scope: form.get("scope") ?? undefined,
      }),
    );
  });
}
