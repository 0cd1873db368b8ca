import { CompactSign, type CryptoKey, type JWK, type KeyObject } from "jose";
import { contentHash } from "./canonical.js";
import { type BundleContent, DeploymentBundle } from "./schema.js";

export const BUNDLE_JWS_TYPE = "portico-bundle+jws";

/**
 * Parses the draft with the same schema the gateway uses (never ship a bundle the gateway
 * would reject), stamps its content hash and signs it as a compact EdDSA JWS.
 */
export async function signBundle(
  draft: BundleContent,
  key: { kid: string; privateKey: CryptoKey | KeyObject | JWK | Uint8Array },
): Promise<{ jws: string; bundle: DeploymentBundle }> {
  const hash = contentHash(DeploymentBundle.parse({ ...draft, hash: "0".repeat(64) }));
  const bundle = DeploymentBundle.parse({ ...draft, hash });
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(bundle)))
    .setProtectedHeader({ alg: "EdDSA", kid: key.kid, typ: BUNDLE_JWS_TYPE })
    .sign(key.privateKey as CryptoKey);
  return { jws, bundle };
}
