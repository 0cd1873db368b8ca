import { randomUUID } from "node:crypto";
import { desc, gt, isNull, lte, or } from "drizzle-orm";
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import type { Tx } from "../db/client.js";
import { issuerKeys } from "../db/schema/index.js";

export const ISSUER_ALG = "ES256";
/** Audience of every access token a Portico issuer mints: the tenant's gateways. */
export const GATEWAY_AUDIENCE = "portico-gateway";
export const ACCESS_TOKEN_TTL_S = 3600;
/** Clock skew gateways tolerate; an old issuer key outlives its last token by this much. */
export const ISSUER_KEY_SKEW_S = 60;

export const issuerUrl = (publicUrl: string, tenantSlug: string) => `${publicUrl}/t/${tenantSlug}`;

export async function createIssuerKey(tx: Tx, tenantId: string): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(ISSUER_ALG, { extractable: true });
  const kid = `ik-${randomUUID()}`;
  await tx.insert(issuerKeys).values({
    kid,
    tenantId,
    alg: ISSUER_ALG,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ISSUER_ALG },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ISSUER_ALG, use: "sig" },
  });
  return kid;
}

/** Keys not retired: the signing key and any older key still inside its overlap. */
const liveKeys = () => or(isNull(issuerKeys.retiresAt), gt(issuerKeys.retiresAt, new Date()));

/** Public keys of the tenant's issuer (the transaction fixes the tenant), newest first. */
export async function issuerJwks(tx: Tx): Promise<{ keys: (JWK & { kty: string })[] }> {
  const rows = await tx
    .select({ jwk: issuerKeys.publicJwk })
    .from(issuerKeys)
    .where(liveKeys())
    .orderBy(desc(issuerKeys.createdAt));
  return { keys: rows.map((r) => r.jwk as JWK & { kty: string }) };
}

/**
 * Issuer key rotation with overlap: a new key signs from now on; every older key stays
 * published until `overlapS` from now (by default the longest an access token it signed can
 * live, plus skew), then drops out of the JWKS and of the next bundles.
 */
export async function rotateIssuerKey(
  tx: Tx,
  tenantId: string,
  overlapS = ACCESS_TOKEN_TTL_S + ISSUER_KEY_SKEW_S,
): Promise<{ kid: string; retiring: { kid: string; retiresAt: string }[] }> {
  const retiresAt = new Date(Date.now() + overlapS * 1000);
  const retiring = await tx
    .update(issuerKeys)
    .set({ retiresAt })
    .where(isNull(issuerKeys.retiresAt))
    .returning({ kid: issuerKeys.kid });
  const kid = await createIssuerKey(tx, tenantId);
  return { kid, retiring: retiring.map((r) => ({ kid: r.kid, retiresAt: retiresAt.toISOString() })) };
}

export async function listIssuerKeys(tx: Tx) {
  const rows = await tx.select().from(issuerKeys).orderBy(desc(issuerKeys.createdAt));
  const now = Date.now();
  return rows.map((k) => ({
    kid: k.kid,
    alg: k.alg,
    status: (k.retiresAt === null ? "active" : k.retiresAt.getTime() > now ? "retiring" : "retired") as
      | "active"
      | "retiring"
      | "retired",
    retiresAt: k.retiresAt?.toISOString() ?? null,
    createdAt: k.createdAt.toISOString(),
  }));
}

/** Retired keys can sign nothing and verify nothing any more; their rows only clutter. */
export async function pruneRetiredIssuerKeys(tx: Tx): Promise<void> {
  await tx.delete(issuerKeys).where(lte(issuerKeys.retiresAt, new Date()));
}

export interface MintedToken {
  token: string;
  jti: string;
  /** epoch seconds */
  exp: number;
  expiresIn: number;
}

export async function mintAccessToken(
  tx: Tx,
  claims: { issuer: string; clientId: string; scope: string; subject?: string },
): Promise<MintedToken> {
  const [key] = await tx
    .select()
    .from(issuerKeys)
    .where(isNull(issuerKeys.retiresAt))
    .orderBy(desc(issuerKeys.createdAt))
    .limit(1);
  if (!key) {
    throw new Error("tenant has no issuer key");
  }
  const privateKey = await importJWK(key.privateJwk as JWK, key.alg);
  const jti = randomUUID();
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + ACCESS_TOKEN_TTL_S;
  const token = await new SignJWT({ scope: claims.scope, client_id: claims.clientId })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "at+jwt" })
    .setIssuer(claims.issuer)
    .setSubject(claims.subject ?? claims.clientId)
    .setAudience(GATEWAY_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(privateKey);
  return { token, jti, exp, expiresIn: ACCESS_TOKEN_TTL_S };
}
