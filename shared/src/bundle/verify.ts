import { compactVerify, createLocalJWKSet, type JSONWebKeySet, errors as joseErrors } from "jose";
import { err, ok, type Result } from "../result.js";
import { contentHash } from "./canonical.js";
import { DeploymentBundle } from "./schema.js";

export const MAX_BUNDLE_BYTES = 8 * 1024 * 1024;

export type BundleRejectionCode =
  | "oversized"
  | "bad_signature"
  | "unknown_kid"
  | "malformed"
  | "schema"
  | "hash_mismatch"
  | "wrong_tenant"
  | "wrong_environment"
  | "stale_version";

export interface BundleRejection {
  code: BundleRejectionCode;
  detail: string;
}

export interface VerifyExpectations {
  environment: string;
  /** The KV key the bundle arrived under: a bundle must not claim another tenant's key. */
  tenantId?: string;
  /** Version running now for that tenant; the new one must be strictly greater. */
  currentVersion?: number;
}

export type BundleKeySet = ReturnType<typeof createLocalJWKSet>;

export const bundleKeySet = (jwks: JSONWebKeySet): BundleKeySet => createLocalJWKSet(jwks);

/** Signature → JSON → schema → hash → tenant, environment and version, in that order. */
export async function verifyBundle(
  jws: string,
  keys: BundleKeySet,
  expect: VerifyExpectations,
): Promise<Result<DeploymentBundle, BundleRejection>> {
  if (jws.length > MAX_BUNDLE_BYTES) {
    return err({ code: "oversized", detail: `bundle of ${jws.length} bytes exceeds the limit` });
  }
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, keys, { algorithms: ["EdDSA"] }));
  } catch (e) {
    const code = e instanceof joseErrors.JWKSNoMatchingKey ? "unknown_kid" : "bad_signature";
    return err({ code, detail: e instanceof Error ? e.message : String(e) });
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return err({ code: "malformed", detail: "payload is not JSON" });
  }
  const parsed = DeploymentBundle.safeParse(json);
  if (!parsed.success) {
    return err({
      code: "schema",
      detail: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    });
  }
  const bundle = parsed.data;
  if (contentHash(json as Record<string, unknown>) !== bundle.hash) {
    return err({ code: "hash_mismatch", detail: "content does not match its hash" });
  }
  if (expect.tenantId !== undefined && bundle.tenant.id !== expect.tenantId) {
    return err({ code: "wrong_tenant", detail: `bundle of tenant ${bundle.tenant.id} under key ${expect.tenantId}` });
  }
  if (bundle.environment !== expect.environment) {
    return err({
      code: "wrong_environment",
      detail: `bundle for ${bundle.environment}, gateway serves ${expect.environment}`,
    });
  }
  if (expect.currentVersion !== undefined && bundle.version <= expect.currentVersion) {
    return err({
      code: "stale_version",
      detail: `version ${bundle.version} is not newer than ${expect.currentVersion}`,
    });
  }
  return ok(bundle);
}
