import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { sha256Hex } from "@portico/shared/bundle";
import { and, eq, gt, inArray, isNull, lte } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import {
  apis,
  authorizationCodes,
  oauthClients,
  products,
  refreshTokens,
  revokedTokens,
  subscriptions,
} from "../db/schema/index.js";
import { redeploy, tenantEnvironments } from "../deployer/redeploy.js";
import { issuerUrl, type MintedToken, mintAccessToken } from "../keys/issuer.js";
import type { Services } from "./context.js";
import { auditClient, auditClientAuthFailure } from "./oauth-audit.js";
import { findTenantBySlug } from "./tenants.js";

/** RFC 6749 §5.2 error codes (plus RFC 7009's unsupported_token_type). */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_token_type"
  | "invalid_scope"
  | "server_error";

export type OAuthFailure = { ok: false; status: number; error: OAuthErrorCode; description: string };
export interface TokenBody {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope?: string;
  refresh_token?: string;
}
export type TokenResult = { ok: true; body: TokenBody } | OAuthFailure;

export const REFRESH_TOKEN_TTL_S = 14 * 86400;
export const REFRESH_TOKEN_PREFIX = "prt_";

const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export const oauthFail = (status: number, error: OAuthErrorCode, description: string): OAuthFailure => ({
  ok: false,
  status,
  error,
  description,
});
const badClient = () => oauthFail(401, "invalid_client", "client authentication failed");

function equalHashes(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}

/** How the client presented itself: Basic or post with a secret, or (public clients) its id alone. */
export interface ClientAuth {
  clientId?: string;
  clientSecret?: string;
}

export type OAuthClient = typeof oauthClients.$inferSelect;

/**
 * RFC 6749 §2.3: a confidential client proves its secret; a public client (an SPA) has none
 * and only names itself, which grants it nothing without a PKCE-bound code or a refresh token.
 */
export async function authenticateClient(tx: Tx, auth: ClientAuth): Promise<OAuthClient | null> {
  if (!auth.clientId) {
    return null;
  }
  const [client] = await tx.select().from(oauthClients).where(eq(oauthClients.clientId, auth.clientId));
  if (!client) {
    return null;
  }
  if (client.clientType === "public") {
    return auth.clientSecret === undefined ? client : null;
  }
  if (auth.clientSecret === undefined || client.secretHash === null) {
    return null;
  }
  return equalHashes(client.secretHash, sha256Hex(auth.clientSecret)) ? client : null;
}

/**
 * authenticateClient, recording a failure in the audit log (rate-limited per client) in the
 * endpoint's transaction.
 */
export async function authenticateClientAudited(
  tx: Tx,
  tenantId: string,
  auth: ClientAuth,
  endpoint: "token" | "revoke" | "introspect",
): Promise<OAuthClient | null> {
  const client = await authenticateClient(tx, auth);
  if (client === null && auth.clientId) {
    const [known] = await tx
      .select({ clientId: oauthClients.clientId })
      .from(oauthClients)
      .where(eq(oauthClients.clientId, auth.clientId));
    await auditClientAuthFailure(tx, tenantId, { clientId: auth.clientId, known: known !== undefined }, endpoint);
  }
  return client;
}

export function parseScope(scope: string | undefined): string[] | "malformed" {
  if (scope === undefined || scope === "") {
    return [];
  }
  return SCOPE.test(scope) ? [...new Set(scope.split(" "))] : "malformed";
}

/**
 * The scopes an application may be granted: the union of the `scopes` of every resource of
 * every API it holds an ACTIVE subscription to, and of every resource of every API product it
 * holds one to (the APIs' working copies). A token gets exactly the requested scopes when all
 * of them are in this set; asking for none grants none.
 */
export async function grantableScopes(tx: Tx, applicationId: string): Promise<Set<string>> {
  const active = and(eq(subscriptions.applicationId, applicationId), eq(subscriptions.status, "ACTIVE"));
  const rows = await tx
    .select({ resources: apis.resources })
    .from(subscriptions)
    .innerJoin(apis, eq(apis.id, subscriptions.apiId))
    .where(active);
  const refs = (
    await tx
      .select({ resources: products.resources })
      .from(subscriptions)
      .innerJoin(products, eq(products.id, subscriptions.productId))
      .where(active)
  ).flatMap((p) => p.resources);
  if (refs.length > 0) {
    const picked = new Set(refs.map((r) => `${r.apiId} ${r.method} ${r.path}`));
    const owners = await tx
      .select({ id: apis.id, resources: apis.resources })
      .from(apis)
      .where(inArray(apis.id, [...new Set(refs.map((r) => r.apiId))]));
    for (const api of owners) {
      rows.push({ resources: api.resources.filter((r) => picked.has(`${api.id} ${r.method} ${r.path}`)) });
    }
  }
  const scopes = new Set<string>();
  for (const { resources } of rows) {
    for (const r of resources ?? []) {
      const declared = (r as { scopes?: unknown }).scopes;
      if (Array.isArray(declared)) {
        for (const s of declared) {
          if (typeof s === "string" && s !== "") {
            scopes.add(s);
          }
        }
      }
    }
  }
  return scopes;
}

async function checkScopes(tx: Tx, applicationId: string, requested: string[]): Promise<OAuthFailure | null> {
  if (requested.length === 0) {
    return null;
  }
  const allowed = await grantableScopes(tx, applicationId);
  const refused = requested.filter((s) => !allowed.has(s));
  return refused.length === 0
    ? null
    : oauthFail(400, "invalid_scope", `not granted by the application's subscriptions: ${refused.join(" ")}`);
}

const body = (t: MintedToken, scope: string, refresh?: string): TokenBody => ({
  access_token: t.token,
  token_type: "Bearer",
  expires_in: t.expiresIn,
  ...(scope ? { scope } : {}),
  ...(refresh ? { refresh_token: refresh } : {}),
});

/** A new refresh token of `familyId`, bound to the access token issued with it. */
async function newRefreshToken(
  tx: Tx,
  tenantId: string,
  grant: { familyId: string; clientId: string; userId: string | null; scope: string; access: MintedToken },
): Promise<string> {
  const token = REFRESH_TOKEN_PREFIX + randomBytes(32).toString("base64url");
  await tx.insert(refreshTokens).values({
    tenantId,
    tokenHash: sha256Hex(token),
    familyId: grant.familyId,
    clientId: grant.clientId,
    userId: grant.userId,
    scope: grant.scope,
    accessJti: grant.access.jti,
    accessExp: new Date(grant.access.exp * 1000),
    expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_S * 1000),
  });
  return token;
}

/**
 * Revokes every refresh token of the families and puts the access tokens issued with them on
 * the revocation list; true when the list grew (the caller then re-deploys the bundles).
 */
export async function revokeFamilies(tx: Tx, tenantId: string, familyIds: string[]): Promise<boolean> {
  if (familyIds.length === 0) {
    return false;
  }
  const rows = await tx
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(inArray(refreshTokens.familyId, familyIds), isNull(refreshTokens.revokedAt)))
    .returning({ jti: refreshTokens.accessJti, exp: refreshTokens.accessExp });
  return revokeAccessTokens(
    tx,
    tenantId,
    rows.flatMap((r) => (r.jti && r.exp ? [{ jti: r.jti, exp: r.exp }] : [])),
  );
}

/** Adds unexpired jtis to the revocation list (and prunes expired entries); true if any was new. */
export async function revokeAccessTokens(tx: Tx, tenantId: string, tokens: { jti: string; exp: Date }[]) {
  const now = new Date();
  await tx.delete(revokedTokens).where(lte(revokedTokens.exp, now));
  const live = tokens.filter((t) => t.exp > now);
  if (live.length === 0) {
    return false;
  }
  const inserted = await tx
    .insert(revokedTokens)
    .values(live.map((t) => ({ tenantId, jti: t.jti, exp: t.exp })))
    .onConflictDoNothing()
    .returning({ jti: revokedTokens.jti });
  return inserted.length > 0;
}

/** Every gateway of the tenant learns the change with the next bundle. */
export async function redeployTenant(s: Services, tx: Tx, tenantId: string): Promise<void> {
  await redeploy(tx, s.deploy, tenantId, await tenantEnvironments(tx));
}

export interface TokenRequest extends ClientAuth {
  grantType?: string;
  scope?: string;
  code?: string;
  redirectUri?: string;
  codeVerifier?: string;
  refreshToken?: string;
}

/**
 * The token endpoint of the tenant's issuer: client_credentials, authorization_code (PKCE S256
 * required) and refresh_token (rotated on every use; a rotated token presented again revokes
 * its whole family).
 */
export async function issueToken(s: Services, tenantSlug: string, req: TokenRequest): Promise<TokenResult> {
  const grants = ["client_credentials", "authorization_code", "refresh_token"];
  if (!req.grantType) {
    return oauthFail(400, "invalid_request", "grant_type is required");
  }
  if (!grants.includes(req.grantType)) {
    return oauthFail(400, "unsupported_grant_type", `supported: ${grants.join(", ")}`);
  }
  if (!req.clientId) {
    return oauthFail(401, "invalid_client", "client authentication is required");
  }
  const requested = parseScope(req.scope);
  if (requested === "malformed") {
    return oauthFail(400, "invalid_scope", "scope is malformed");
  }
  const tenant = await findTenantBySlug(s, tenantSlug);
  if (!tenant) {
    return badClient();
  }
  const issuer = issuerUrl(s.publicUrl, tenant.slug);
  let republish = false;
  const result = await s.db.withTenant(tenant.id, async (tx): Promise<TokenResult> => {
    const client = await authenticateClientAudited(tx, tenant.id, req, "token");
    if (!client) {
      return badClient();
    }
    if (req.grantType === "client_credentials") {
      if (client.clientType === "public") {
        return oauthFail(400, "unauthorized_client", "a public client cannot use client_credentials");
      }
      const refused = await checkScopes(tx, client.applicationId, requested);
      if (refused) {
        return refused;
      }
      const scope = requested.join(" ");
      return { ok: true, body: body(await mintAccessToken(tx, { issuer, clientId: client.clientId, scope }), scope) };
    }
    const r =
      req.grantType === "authorization_code"
        ? await redeemCode(tx, tenant.id, client, issuer, req)
        : await refresh(tx, tenant.id, client, issuer, req.refreshToken, requested);
    if (r.republish) {
      // The revocation (a replayed code or refresh token) commits even though the grant fails.
      await redeployTenant(s, tx, tenant.id);
      republish = true;
    }
    return r.result;
  });
  if (republish) {
    s.publishBundles();
  }
  return result;
}

type GrantOutcome = { result: TokenResult; republish: boolean };

async function redeemCode(
  tx: Tx,
  tenantId: string,
  client: OAuthClient,
  issuer: string,
  req: TokenRequest,
): Promise<GrantOutcome> {
  const no = (description: string, republish = false): GrantOutcome => ({
    result: oauthFail(400, "invalid_grant", description),
    republish,
  });
  if (!req.code || !req.redirectUri || !req.codeVerifier) {
    return {
      result: oauthFail(400, "invalid_request", "code, redirect_uri and code_verifier are required"),
      republish: false,
    };
  }
  if (!PKCE_VERIFIER.test(req.codeVerifier)) {
    return {
      result: oauthFail(400, "invalid_request", "code_verifier must be 43-128 unreserved characters"),
      republish: false,
    };
  }
  const codeHash = sha256Hex(req.code);
  // Claiming the code and checking it is one statement: two concurrent redemptions cannot both win.
  const [code] = await tx
    .update(authorizationCodes)
    .set({ usedAt: new Date() })
    .where(and(eq(authorizationCodes.codeHash, codeHash), isNull(authorizationCodes.usedAt)))
    .returning();
  if (!code) {
    const [used] = await tx.select().from(authorizationCodes).where(eq(authorizationCodes.codeHash, codeHash));
    if (used && used.clientId === client.clientId) {
      // RFC 6749 §4.1.2: a code used twice revokes what was issued for it.
      const grew = await revokeFamilies(tx, tenantId, [used.familyId]);
      await auditClient(tx, tenantId, client.clientId, {
        action: "oauth.code-reuse",
        summary: { familyId: used.familyId, userId: used.userId, revoked: "token family" },
      });
      return no("the code was already used; the tokens issued for it are revoked", grew);
    }
    return no("unknown or used code");
  }
  if (code.clientId !== client.clientId) {
    return no("the code was issued to another client");
  }
  if (code.expiresAt <= new Date()) {
    return no("the code expired");
  }
  if (code.redirectUri !== req.redirectUri) {
    return no("redirect_uri differs from the authorization request");
  }
  const challenge = createHash("sha256").update(req.codeVerifier).digest("base64url");
  if (challenge !== code.codeChallenge) {
    return no("code_verifier does not match the code_challenge");
  }
  const access = await mintAccessToken(tx, {
    issuer,
    clientId: client.clientId,
    scope: code.scope,
    subject: code.userId,
  });
  const refreshToken = await newRefreshToken(tx, tenantId, {
    familyId: code.familyId,
    clientId: client.clientId,
    userId: code.userId,
    scope: code.scope,
    access,
  });
  return { result: { ok: true, body: body(access, code.scope, refreshToken) }, republish: false };
}

async function refresh(
  tx: Tx,
  tenantId: string,
  client: OAuthClient,
  issuer: string,
  presented: string | undefined,
  requested: string[],
): Promise<GrantOutcome> {
  const no = (description: string, republish = false): GrantOutcome => ({
    result: oauthFail(400, "invalid_grant", description),
    republish,
  });
  if (!presented) {
    return { result: oauthFail(400, "invalid_request", "refresh_token is required"), republish: false };
  }
  const tokenHash = sha256Hex(presented);
  const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash));
  if (!row || row.clientId !== client.clientId) {
    return no("unknown refresh token");
  }
  if (row.revokedAt !== null) {
    return no("the refresh token was revoked");
  }
  if (row.expiresAt <= new Date()) {
    return no("the refresh token expired");
  }
  // Claim the rotation atomically; losing the claim means this token was used before.
  const [claimed] = await tx
    .update(refreshTokens)
    .set({ rotatedAt: new Date() })
    .where(and(eq(refreshTokens.id, row.id), isNull(refreshTokens.rotatedAt)))
    .returning({ id: refreshTokens.id });
  if (!claimed) {
    const grew = await revokeFamilies(tx, tenantId, [row.familyId]);
    await auditClient(tx, tenantId, client.clientId, {
      action: "oauth.refresh-token-reuse",
      summary: { familyId: row.familyId, userId: row.userId, revoked: "token family" },
    });
    return no("the refresh token was already used; its family is revoked", grew);
  }
  const original = row.scope === "" ? [] : row.scope.split(" ");
  const wanted = requested.length > 0 ? requested : original;
  const beyond = wanted.filter((s) => !original.includes(s));
  if (beyond.length > 0) {
    return {
      result: oauthFail(400, "invalid_scope", `beyond the original grant: ${beyond.join(" ")}`),
      republish: false,
    };
  }
  // Subscriptions may have changed since: scopes no longer granted drop out.
  const allowed = await grantableScopes(tx, client.applicationId);
  const scope = wanted.filter((s) => allowed.has(s)).join(" ");
  const access = await mintAccessToken(tx, {
    issuer,
    clientId: client.clientId,
    scope,
    ...(row.userId ? { subject: row.userId } : {}),
  });
  const next = await newRefreshToken(tx, tenantId, {
    familyId: row.familyId,
    clientId: client.clientId,
    userId: row.userId,
    scope,
    access,
  });
  return { result: { ok: true, body: body(access, scope, next) }, republish: false };
}

/** Refresh-token rows still usable: neither rotated, revoked nor expired. */
export const activeRefresh = (hash: string) =>
  and(
    eq(refreshTokens.tokenHash, hash),
    isNull(refreshTokens.rotatedAt),
    isNull(refreshTokens.revokedAt),
    gt(refreshTokens.expiresAt, new Date()),
  );
