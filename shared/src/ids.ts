import { randomBytes, randomUUID } from "node:crypto";

/** Secrets carry a prefix so a leaked one is recognisable (secret scanners, logs). */
export const SecretPrefix = {
  apiKey: "pk_",
  clientId: "cid_",
  clientSecret: "cs_",
  invitation: "inv_",
  registrationToken: "prt_",
} as const;

export function newSecret(prefix: string, bytes = 24): string {
  return prefix + randomBytes(bytes).toString("base64url");
}

export const newUuid = (): string => randomUUID();
