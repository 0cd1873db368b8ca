import { sha256Hex } from "@portico/shared/bundle";
import { and, eq } from "drizzle-orm";
import { createLocalJWKSet, type JWTPayload, jwtVerify } from "jose";
import type { Tx } from "../db/client.js";
import { refreshTokens, revokedTokens } from "../db/schema/index.js";
import { GATEWAY_AUDIENCE, ISSUER_ALG, issuerJwks, issuerUrl } from "../keys/issuer.js";
import type { Services } from "./context.js";
import {
  activeRefresh,
  authenticateClientAudited,
  type ClientAuth,
  type OAuthFailure,
  oauthFail,
  REFRESH_TOKEN_PREFIX,
  redeployTenant,
  revokeAccessTokens,
  revokeFamilies,
} from "./oauth.js";
import { auditClient } from "./oauth-audit.js";
import { findTenantBySlug } from "./tenants.js";

const badClient = () => oauthFail(401, "invalid_client", "client authentication failed");

/** An unexpired access token of this tenant's issuer, signature and claims checked. */
async function verifyOwnAccessToken(tx: Tx, issuer: string, token: string): Promise<JWTPayload | null> {
  try {
    const { payload } = await jwtVerify(token, createLocalJWKSet(await issuerJwks(tx)), {
      issuer,
      audience: GATEWAY_AUDIENCE,
      algorithms: [ISSUER_ALG],
    });
    return payload;
  } catch {
    return null;
  }
}

const looksLikeRefreshToken = (token: string) => token.startsWith(REFRESH_TOKEN_PREFIX);

/**
 * RFC 7009. The client may revoke only tokens issued to it. A refresh token takes its whole
 * family with it, including the access tokens issued alongside; an access token's `jti` goes
 * on the revocation list that the next bundle carries to every gateway. Unknown, expired or
 * foreign-issuer tokens are answered 200 like revoked ones (§2.2).
 */
export async function revokeToken(
  s: Services,
  tenantSlug: string,
  req: ClientAuth & { token?: string; tokenTypeHint?: string },
): Promise<{ ok: true } | OAuthFailure> {
  if (!req.token) {
    return oauthFail(400, "invalid_request", "token is required");
  }
  if (req.tokenTypeHint && !["access_token", "refresh_token"].includes(req.tokenTypeHint)) {
    return oauthFail(400, "unsupported_token_type", "token_type_hint is access_token or refresh_token");
  }
  const tenant = await findTenantBySlug(s, tenantSlug);
  if (!tenant || !req.clientId) {
    return badClient();
  }
  const token = req.token;
  let republish = false;
  const result = await s.db.withTenant(tenant.id, async (tx): Promise<{ ok: true } | OAuthFailure> => {
    const client = await authenticateClientAudited(tx, tenant.id, req, "revoke");
    if (!client) {
      return badClient();
    }
    if (looksLikeRefreshToken(token)) {
      const [row] = await tx
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, sha256Hex(token)));
      if (!row) {
        return { ok: true };
      }
      if (row.clientId !== client.clientId) {
        return oauthFail(400, "unauthorized_client", "the token was issued to another client");
      }
      republish = await revokeFamilies(tx, tenant.id, [row.familyId]);
      await auditClient(tx, tenant.id, client.clientId, {
        action: "oauth.token-revoke",
        summary: { tokenType: "refresh_token", familyId: row.familyId, userId: row.userId },
      });
    } else {
      const payload = await verifyOwnAccessToken(tx, issuerUrl(s.publicUrl, tenant.slug), token);
      if (!payload || typeof payload.jti !== "string" || typeof payload.exp !== "number") {
        return { ok: true };
      }
      if (payload.client_id !== client.clientId) {
        return oauthFail(400, "unauthorized_client", "the token was issued to another client");
      }
      republish = await revokeAccessTokens(tx, tenant.id, [{ jti: payload.jti, exp: new Date(payload.exp * 1000) }]);
      await auditClient(tx, tenant.id, client.clientId, {
        action: "oauth.token-revoke",
        summary: { tokenType: "access_token", jti: payload.jti, sub: payload.sub ?? null },
      });
    }
    if (republish) {
      await redeployTenant(s, tx, tenant.id);
    }
    return { ok: true };
  });
  if (republish) {
    s.publishBundles();
  }
  return result;
}

export type Introspection =
  | { active: false }
  | {
      active: true;
      token_type: "access_token" | "refresh_token";
      client_id: string;
      scope: string;
      sub: string;
      iss: string;
      exp: number;
      iat?: number;
      aud?: string;
      jti?: string;
    };

/**
 * RFC 7662, for resource servers: only a confidential client of the tenant may ask. Anything
 * not a live token of this tenant's issuer is `{active:false}`, with no reason given.
 */
export async function introspectToken(
  s: Services,
  tenantSlug: string,
  req: ClientAuth & { token?: string },
): Promise<{ ok: true; body: Introspection } | OAuthFailure> {
  if (!req.token) {
    return oauthFail(400, "invalid_request", "token is required");
  }
  const tenant = await findTenantBySlug(s, tenantSlug);
  if (!tenant || !req.clientId) {
    return badClient();
  }
  const token = req.token;
  const issuer = issuerUrl(s.publicUrl, tenant.slug);
  return s.db.withTenant(tenant.id, async (tx) => {
    const client = await authenticateClientAudited(tx, tenant.id, req, "introspect");
    if (client?.clientType !== "confidential") {
      return badClient();
    }
    const inactive = { ok: true as const, body: { active: false as const } };
    if (looksLikeRefreshToken(token)) {
      const [row] = await tx
        .select()
        .from(refreshTokens)
        .where(activeRefresh(sha256Hex(token)));
      if (!row) {
        return inactive;
      }
      return {
        ok: true as const,
        body: {
          active: true as const,
          token_type: "refresh_token" as const,
          client_id: row.clientId,
          scope: row.scope,
          sub: row.userId ?? row.clientId,
          iss: issuer,
          exp: Math.floor(row.expiresAt.getTime() / 1000),
          iat: Math.floor(row.createdAt.getTime() / 1000),
        },
      };
    }
    const payload = await verifyOwnAccessToken(tx, issuer, token);
    if (!payload || typeof payload.jti !== "string" || typeof payload.exp !== "number") {
      return inactive;
    }
    const [revoked] = await tx
      .select()
      .from(revokedTokens)
      .where(and(eq(revokedTokens.tenantId, tenant.id), eq(revokedTokens.jti, payload.jti)));
    if (revoked) {
      return inactive;
    }
    return {
      ok: true as const,
      body: {
        active: true as const,
        token_type: "access_token" as const,
        client_id: String(payload.client_id ?? ""),
        scope: typeof payload.scope === "string" ? payload.scope : "",
        sub: payload.sub ?? "",
        iss: issuer,
        exp: payload.exp,
        ...(payload.iat ? { iat: payload.iat } : {}),
        aud: GATEWAY_AUDIENCE,
        jti: payload.jti,
      },
    };
  });
}
