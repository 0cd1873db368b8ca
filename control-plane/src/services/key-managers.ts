import { type CreateKeyManagerRequest, ok } from "@portico/shared";
import { desc } from "drizzle-orm";
import { z } from "zod";
import { keyManagers } from "../db/schema/index.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, type ServiceResult } from "./errors.js";
import { withTenantRedeploy } from "./redeploy.js";

const Discovery = z.object({ issuer: z.string(), jwks_uri: z.url() });
const DISCOVERY_TIMEOUT_MS = 5000;

type KmRow = typeof keyManagers.$inferSelect;
const toKeyManager = (k: KmRow) => ({
  id: k.id,
  name: k.name,
  issuer: k.issuer,
  jwksUri: k.jwksUri,
  audience: k.audience,
  clientIdClaim: k.clientIdClaim,
  claimMappings: { scope: k.scopeClaim },
});

/** OIDC discovery (RFC 8414 / OpenID Discovery): the issuer must name itself. */
async function discoverJwksUri(issuer: string): Promise<ServiceResult<string>> {
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), redirect: "error" });
    const doc = Discovery.safeParse(res.ok ? await res.json() : null);
    if (!doc.success) {
      return fail("validation-failed", `${url} is not an OpenID discovery document`);
    }
    if (doc.data.issuer !== issuer) {
      return fail("validation-failed", `discovery names issuer ${doc.data.issuer}, not ${issuer}`);
    }
    return ok(doc.data.jwks_uri);
  } catch {
    return fail("validation-failed", `could not read ${url}; give jwksUri explicitly`);
  }
}

export async function createKeyManager(s: Services, actor: Actor, input: z.infer<typeof CreateKeyManagerRequest>) {
  const jwksUri = input.jwksUri ? ok(input.jwksUri) : await discoverJwksUri(input.issuer);
  if (!jwksUri.ok) {
    return jwksUri;
  }
  try {
    return await withTenantRedeploy(s, actor, async (tx) => {
      const [r] = await tx
        .insert(keyManagers)
        .values({
          tenantId: actor.tenantId,
          name: input.name,
          issuer: input.issuer,
          jwksUri: jwksUri.value,
          audience: input.audience ?? null,
          clientIdClaim: input.clientIdClaim ?? "client_id",
          scopeClaim: input.claimMappings?.scope ?? "scope",
        })
        .returning();
      await audit(tx, actor, {
        action: "key-manager.create",
        target: { type: "key-manager", id: r!.id },
        summary: { after: { issuer: r!.issuer } },
      });
      return ok(toKeyManager(r!));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", `issuer ${input.issuer} is already registered`);
    }
    throw e;
  }
}

export async function listKeyManagers(s: Services, actor: Actor) {
  const rows = await s.db.withTenant(actor.tenantId, (tx) =>
    tx.select().from(keyManagers).orderBy(desc(keyManagers.createdAt)),
  );
  return rows.map(toKeyManager);
}
