import { randomUUID } from "node:crypto";
import { and, asc, desc, eq, isNull, lte, ne } from "drizzle-orm";
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JSONWebKeySet, type JWK } from "jose";
import type { Db } from "../db/client.js";
import { signingKeys } from "../db/schema/index.js";

export interface BundleSigner {
  kid: string;
  privateKey: CryptoKey;
  /** Public keys of every key not retired (the signing one and any announced next): what gateways trust. */
  jwks: JSONWebKeySet;
  /** Keys announced ahead of a rotation; every bundle carries them as `nextBundleKeys`. */
  next: JSONWebKeySet | null;
  /** When the earliest announced key takes over signing (ms), null with none announced. */
  nextActivatesAt: number | null;
}

async function newKeyRow(activatesAt: Date) {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const kid = `bk-${randomUUID()}`;
  const pub = { ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" };
  const priv = { ...(await exportJWK(privateKey)), kid, alg: "EdDSA" };
  return { kid, privateJwk: JSON.stringify(priv), publicJwk: JSON.stringify(pub), activatesAt };
}

/**
 * Loads the platform's bundle-signing key, creating the first one on a new installation, into
 * `into` when given (the running signer object is shared by every deploy, so a rotation
 * updates it in place). The private key is read only here and never leaves the control plane.
 */
export async function loadBundleSigner(db: Db, into?: BundleSigner): Promise<BundleSigner> {
  const live = () =>
    db.select().from(signingKeys).where(isNull(signingKeys.retiredAt)).orderBy(desc(signingKeys.activatesAt));
  let rows = await live();
  if (rows.length === 0) {
    await db
      .insert(signingKeys)
      .values(await newKeyRow(new Date()))
      .onConflictDoNothing();
    rows = await live();
  }
  const now = Date.now();
  const active = rows.find((r) => r.activatesAt.getTime() <= now) ?? rows.at(-1)!;
  const upcoming = rows.filter((r) => r.activatesAt.getTime() > now && r.kid !== active.kid);
  const privateKey = (await importJWK(JSON.parse(active.privateJwk) as JWK, "EdDSA")) as CryptoKey;
  const signer: BundleSigner = into ?? ({} as BundleSigner);
  signer.kid = active.kid;
  signer.privateKey = privateKey;
  signer.jwks = { keys: rows.map((r) => JSON.parse(r.publicJwk) as JWK) };
  signer.next = upcoming.length > 0 ? { keys: upcoming.map((r) => JSON.parse(r.publicJwk) as JWK) } : null;
  signer.nextActivatesAt = upcoming.length > 0 ? Math.min(...upcoming.map((r) => r.activatesAt.getTime())) : null;
  return signer;
}

/**
 * Step 1 of a bundle-signing key rotation: a new key is announced now and signs from
 * `activateInS` on. Until then bundles stay signed by the current key and carry the new public
 * key as `nextBundleKeys`, so every gateway trusts it before it sees a bundle signed by it.
 * Without `signer` (the CLI), running control planes pick the key up on their next key sweep.
 */
export async function announceBundleKey(db: Db, activateInS: number, signer?: BundleSigner): Promise<string> {
  const row = await newKeyRow(new Date(Date.now() + activateInS * 1000));
  await db.insert(signingKeys).values(row);
  if (signer) {
    await loadBundleSigner(db, signer);
  }
  return row.kid;
}

/**
 * Reloads the signer when the database holds keys it does not know (announced by the CLI or
 * another control-plane instance); true when the set of published keys changed.
 */
export async function syncBundleSigner(db: Db, signer: BundleSigner): Promise<boolean> {
  const rows = await db.select({ kid: signingKeys.kid }).from(signingKeys).where(isNull(signingKeys.retiredAt));
  const known = new Set(signer.jwks.keys.map((k) => k.kid));
  if (rows.length === known.size && rows.every((r) => known.has(r.kid))) {
    return false;
  }
  await loadBundleSigner(db, signer);
  return true;
}

/**
 * Step 2, once the announced key's time has come: it signs from now on and the keys it
 * replaces are retired (gateways keep trusting them, which is harmless: nothing signs with
 * them any more). True when the signing key changed, so every tenant's bundles are re-signed.
 */
export async function activateDueBundleKey(db: Db, signer: BundleSigner): Promise<boolean> {
  const [due] = await db
    .select()
    .from(signingKeys)
    .where(
      and(isNull(signingKeys.retiredAt), lte(signingKeys.activatesAt, new Date()), ne(signingKeys.kid, signer.kid)),
    )
    .orderBy(desc(signingKeys.activatesAt))
    .limit(1);
  if (!due) {
    return false;
  }
  const [current] = await db.select().from(signingKeys).where(eq(signingKeys.kid, signer.kid));
  if (current && current.activatesAt < due.activatesAt) {
    await db
      .update(signingKeys)
      .set({ retiredAt: new Date() })
      .where(
        and(isNull(signingKeys.retiredAt), lte(signingKeys.activatesAt, due.activatesAt), ne(signingKeys.kid, due.kid)),
      );
  }
  await loadBundleSigner(db, signer);
  return signer.kid === due.kid;
}

/** For tooling: the keys and their state. */
export async function listBundleKeys(db: Db) {
  const rows = await db.select().from(signingKeys).orderBy(asc(signingKeys.createdAt));
  const now = new Date();
  return rows.map((r) => ({
    kid: r.kid,
    activatesAt: r.activatesAt.toISOString(),
    retiredAt: r.retiredAt?.toISOString() ?? null,
    state: r.retiredAt ? "retired" : r.activatesAt > now ? "announced" : "active",
  }));
}
