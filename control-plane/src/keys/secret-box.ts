import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../db/client.js";
import { platformSecrets } from "../db/schema/index.js";

export interface SecretBox {
  seal(plain: string): string;
  /** null when the text was not sealed under this key (changed key, tampered row). */
  open(sealed: string): string | null;
}

const VERSION = "v1";

/**
 * AES-256-GCM for secrets that must be sent on and so cannot be hashed. The key comes from
 * PORTICO_SECRETS_KEY, or else is generated once and kept among the platform secrets, out of
 * the application role's reach: a copy of a tenant table alone then reveals nothing.
 */
export async function loadSecretBox(db: Db, configuredKey?: string): Promise<SecretBox> {
  let key: Buffer;
  if (configuredKey) {
    key = Buffer.from(configuredKey, "base64");
  } else {
    await db
      .insert(platformSecrets)
      .values({ name: "secrets-key", value: randomBytes(32).toString("base64") })
      .onConflictDoNothing();
    const [row] = await db.select().from(platformSecrets).where(eq(platformSecrets.name, "secrets-key"));
    key = Buffer.from(row!.value, "base64");
  }
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [
        VERSION,
        iv.toString("base64url"),
        cipher.getAuthTag().toString("base64url"),
        body.toString("base64url"),
      ].join(".");
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(".");
      if (version !== VERSION || !iv || !tag || body === undefined) {
        return null;
      }
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
        decipher.setAuthTag(Buffer.from(tag, "base64url"));
        return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
      } catch {
        return null;
      }
    },
  };
}
