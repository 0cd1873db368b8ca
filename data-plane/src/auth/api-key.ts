import { err, ok, type Result } from "@portico/shared";
import type { DeploymentBundle } from "@portico/shared/bundle";
import { sha256Hex } from "@portico/shared/bundle";

interface ApiKeyEntry {
  applicationId: string;
  /** epoch seconds, null for no expiry */
  expiresAt: number | null;
}

/** hex SHA-256 of the key → its application; bundles never carry the keys themselves. */
export type ApiKeyIndex = ReadonlyMap<string, ApiKeyEntry>;

export function indexApiKeys(keys: DeploymentBundle["apiKeys"]): ApiKeyIndex {
  return new Map(keys.map((k) => [k.hash, { applicationId: k.applicationId, expiresAt: k.expiresAt }]));
}

/** The application the key belongs to. */
export function authenticateApiKey(
  index: ApiKeyIndex,
  presented: string,
  nowS: number,
): Result<string, "invalid-api-key"> {
  const entry = index.get(sha256Hex(presented));
  if (entry === undefined || (entry.expiresAt !== null && entry.expiresAt <= nowS)) {
    return err("invalid-api-key");
  }
  return ok(entry.applicationId);
}
