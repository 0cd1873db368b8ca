import { timingSafeEqual } from "node:crypto";
import { sha256Hex } from "@portico/shared/bundle";
import { eq } from "drizzle-orm";
import { oauthClients } from "../db/schema/index.js";
import { issuerUrl, mintAccessToken } from "../keys/issuer.js";
import type { Services } from "./context.js";
import { findTenantBySlug } from "./tenants.js";

/** RFC 6749 §5.2 error codes. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "server_error";
export type TokenResult =
  | { ok: true; body: { access_token: string; token_type: "Bearer"; expires_in: number; scope?: string } }
  | { ok: false; status: number; error: OAuthErrorCode; description: string };

const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

function equalHashes(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** client_credentials for the tenant's own issuer (client_secret_basic or client_secret_post). */
export async function issueToken(
  s: Services,
  tenantSlug: string,
  req: { grantType?: string; clientId?: string; clientSecret?: string; scope?: string },
): Promise<TokenResult> {
  if (req.grantType !== "client_credentials") {
    return req.grantType
      ? { ok: false, status: 400, error: "unsupported_grant_type", description: "only client_credentials is supported" }
      : { ok: false, status: 400, error: "invalid_request", description: "grant_type is required" };
  }
  if (!req.clientId || !req.clientSecret) {
    return { ok: false, status: 401, error: "invalid_client", description: "client authentication is required" };
  }
  if (req.scope !== undefined && req.scope !== "" && !SCOPE.test(req.scope)) {
    return { ok: false, status: 400, error: "invalid_scope", description: "scope is malformed" };
  }
  const tenant = await findTenantBySlug(s, tenantSlug);
  if (!tenant) {
    return { ok: false, status: 401, error: "invalid_client", description: "client authentication failed" };
  }
  const clientId = req.clientId;
  const secretHash = sha256Hex(req.clientSecret);
  const token = await s.db.withTenant(tenant.id, async (tx) => {
    const [client] = await tx.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
    if (!client || !equalHashes(client.secretHash, secretHash)) {
      return null;
    }
    return mintAccessToken(tx, { issuer: issuerUrl(s.publicUrl, tenant.slug), clientId, scope: req.scope ?? "" });
  });
  if (!token) {
    return { ok: false, status: 401, error: "invalid_client", description: "client authentication failed" };
  }
  return {
    ok: true,
    body: {
      access_token: token.token,
      token_type: "Bearer",
      expires_in: token.expiresIn,
      ...(req.scope ? { scope: req.scope } : {}),
    },
  };
}
