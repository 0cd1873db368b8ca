import { randomUUID } from "node:crypto";
import { desc } from "drizzle-orm";
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";
import type { Tx } from "../db/client.js";
import { issuerKeys } from "../db/schema/index.js";

export const ISSUER_ALG = "ES256";
/** Audience of every access token a Portico issuer mints: the tenant's gateways. */
export const GATEWAY_AUDIENCE = "portico-gateway";
export const ACCESS_TOKEN_TTL_S = 3600;

export const issuerUrl = (publicUrl: string, tenantSlug: string) => `${publicUrl}/t/${tenantSlug}`;

export async function createIssuerKey(tx: Tx, tenantId: string): Promise<void> {
  const { privateKey, publicKey } = await generateKeyPair(ISSUER_ALG, { extractable: true });
  const kid = `ik-${randomUUID()}`;
  await tx.insert(issuerKeys).values({
    kid,
    tenantId,
    alg: ISSUER_ALG,
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: ISSUER_ALG },
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: ISSUER_ALG, use: "sig" },
  });
}

/** Public keys of the tenant's issuer (the transaction fixes the tenant). */
export async function issuerJwks(tx: Tx): Promise<{ keys: (JWK & { kty: string })[] }> {
  const rows = await tx.select({ jwk: issuerKeys.publicJwk }).from(issuerKeys).orderBy(desc(issuerKeys.createdAt));
  return { keys: rows.map((r) => r.jwk as JWK & { kty: string }) };
}

export async function mintAccessToken(
  tx: Tx,
  claims: { issuer: string; clientId: string; scope: string },
): Promise<{ token: string; expiresIn: number }> {
  const [key] = await tx.select().from(issuerKeys).orderBy(desc(issuerKeys.createdAt)).limit(1);
  if (!key) {
    throw new Error("tenant has no issuer key");
  }
  const privateKey = await importJWK(key.privateJwk as JWK, key.alg);
  const token = await new SignJWT({ scope: claims.scope, client_id: claims.clientId })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "at+jwt" })
    .setIssuer(claims.issuer)
    .setSubject(claims.clientId)
    .setAudience(GATEWAY_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ACCESS_TOKEN_TTL_S}s`)
    .setJti(randomUUID())
    .sign(privateKey);
  return { token, expiresIn: ACCESS_TOKEN_TTL_S };
}
