import { randomBytes } from "node:crypto";
import { Role } from "@portico/shared";
import { eq } from "drizzle-orm";
import { jwtVerify, SignJWT } from "jose";
import { z } from "zod";
import type { Db } from "../db/client.js";
import { platformSecrets } from "../db/schema/index.js";

export interface Principal {
  userId: string;
  tenantId: string;
  tenantSlug: string;
  role: Role;
}

const AUDIENCE = "portico-console";
const TTL = "12h";
const Claims = z.object({ sub: z.string(), tid: z.string(), tsl: z.string(), role: Role });

export interface ConsoleTokens {
  issue(p: Principal): Promise<string>;
  /** null for anything that is not a valid, unexpired console token of this installation. */
  verify(token: string): Promise<Principal | null>;
}

/** Console tokens are HS256 JWTs under a platform secret kept in the database. */
export async function loadConsoleTokens(db: Db, issuer: string): Promise<ConsoleTokens> {
  await db
    .insert(platformSecrets)
    .values({ name: "console-token-key", value: randomBytes(32).toString("base64url") })
    .onConflictDoNothing();
  const [row] = await db.select().from(platformSecrets).where(eq(platformSecrets.name, "console-token-key"));
  const key = Buffer.from(row!.value, "base64url");
  return {
    issue: (p) =>
      new SignJWT({ tid: p.tenantId, tsl: p.tenantSlug, role: p.role })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(p.userId)
        .setIssuer(issuer)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(TTL)
        .sign(key),
    verify: async (token) => {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ["HS256"], issuer, audience: AUDIENCE });
        const c = Claims.parse(payload);
        return { userId: c.sub, tenantId: c.tid, tenantSlug: c.tsl, role: c.role };
      } catch {
        return null;
      }
    },
  };
}
