import { randomUUID } from "node:crypto";
import { desc, isNull } from "drizzle-orm";
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from "jose";
import type { Db } from "../db/client.js";
import { signingKeys } from "../db/schema/index.js";

export interface BundleSigner {
  kid: string;
  privateKey: CryptoKey;
  /** Public keys of every key not retired: what gateways trust. */
  jwks: JSONWebKeySet;
}

/**
 * Loads the platform's bundle-signing key, creating the first one on a new installation.
 * The private key is read only here and never leaves the control plane.
 */
export async function loadBundleSigner(db: Db): Promise<BundleSigner> {
  let rows = await db
    .select()
    .from(signingKeys)
    .where(isNull(signingKeys.retiredAt))
    .orderBy(desc(signingKeys.createdAt));
  if (rows.length === 0) {
    const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
    const kid = `bk-${randomUUID()}`;
    const pub = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
    const priv = { ...(await exportJWK(privateKey)), kid, alg: "EdDSA" };
    await db
      .insert(signingKeys)
      .values({ kid, privateJwk: JSON.stringify(priv), publicJwk: JSON.stringify(pub) })
      .onConflictDoNothing();
    rows = await db
      .select()
      .from(signingKeys)
      .where(isNull(signingKeys.retiredAt))
      .orderBy(desc(signingKeys.createdAt));
  }
  const active = rows[0]!;
  const privateKey = (await importJWK(JSON.parse(active.privateJwk) as JWK, "EdDSA")) as CryptoKey;
  return {
    kid: active.kid,
    privateKey,
    jwks: { keys: rows.map((r) => JSON.parse(r.publicJwk) as JWK) },
  };
}
