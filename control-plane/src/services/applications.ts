import {
  type CreateApiKeyRequest,
  type CreateApplicationRequest,
  type CreateCredentialsRequest,
  type CreateExternalClientRequest,
  newSecret,
  ok,
  type RotateApiKeyRequest,
  SecretPrefix,
  type UpdateApplicationRequest,
} from "@portico/shared";
import { sha256Hex } from "@portico/shared/bundle";
import { and, desc, eq, ilike, isNull, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "../db/client.js";
import {
  apiKeys,
  applications,
  externalClients,
  keyManagers,
  oauthClients,
  refreshTokens,
} from "../db/schema/index.js";
import { isId } from "./apis.js";
import { audit, changes } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { preconditionFailed } from "./etag.js";
import { revokeFamilies } from "./oauth.js";
import { listPage, PageQuery } from "./pagination.js";
import { withTenantRedeploy } from "./redeploy.js";
import { DEFAULT_APPLICATION_TIER, findTierOf, tierExists, tierLimits, unknownTier } from "./tiers.js";

type AppRow = typeof applications.$inferSelect;
const toApplication = (a: AppRow) => ({
  id: a.id,
  name: a.name,
  description: a.description,
  tier: a.tier,
  createdAt: a.createdAt.toISOString(),
});

/**
 * Developers (consumers) work with their own applications only; the other roles see all of
 * the tenant's. Undefined: no filter.
 */
export function visibleTo(actor: Pick<Actor, "role" | "userId">): SQL | undefined {
  return actor.role === "developer" ? eq(applications.ownerId, actor.userId) : undefined;
}

export async function findApplication(
  tx: Tx,
  id: string,
  actor: Pick<Actor, "role" | "userId">,
): Promise<AppRow | undefined> {
  if (!isId(id)) {
    return undefined;
  }
  const [row] = await tx
    .select()
    .from(applications)
    .where(and(eq(applications.id, id), visibleTo(actor)));
  return row;
}

/**
 * A new application of the caller. Its tier (default Unlimited) must be an application tier;
 * gateways learn a limiting one with the bundle re-deployed in the same transaction.
 */
export function createApplication(s: Services, actor: Actor, input: z.infer<typeof CreateApplicationRequest>) {
  const tier = input.tier ?? DEFAULT_APPLICATION_TIER;
  // Bundles list only applications on a limiting tier: an unlimited one changes nothing there.
  let limited = false;
  return withTenantRedeploy(
    s,
    actor,
    async (tx): Promise<ServiceResult<ReturnType<typeof toApplication>>> => {
      const row = await findTierOf(tx, "application", tier);
      if (!row) {
        return unknownTier("application", tier);
      }
      limited = tierLimits(row);
      const [r] = await tx
        .insert(applications)
        .values({
          tenantId: actor.tenantId,
          name: input.name,
          description: input.description ?? null,
          ownerId: actor.userId,
          tier,
        })
        .returning();
      await audit(tx, actor, {
        action: "application.create",
        target: { type: "application", id: r!.id },
        summary: { after: { name: r!.name, tier } },
      });
      return ok(toApplication(r!));
    },
    () => limited,
  );
}

/** Name, description and tier, by whoever may see the application (a developer: their own). */
export function updateApplication(
  s: Services,
  actor: Actor,
  id: string,
  input: z.infer<typeof UpdateApplicationRequest>,
  ifMatch?: string,
) {
  let tierChanged = false;
  return withTenantRedeploy(
    s,
    actor,
    async (tx): Promise<ServiceResult<ReturnType<typeof toApplication>>> => {
      const before = await findApplication(tx, id, actor);
      if (!before) {
        return notFound("application");
      }
      await tx.select({ id: applications.id }).from(applications).where(eq(applications.id, id)).for("update");
      const current = (await findApplication(tx, id, actor))!;
      const stale = preconditionFailed(ifMatch, toApplication(current));
      if (stale) {
        return stale;
      }
      if (input.tier !== undefined && !(await tierExists(tx, "application", input.tier))) {
        return unknownTier("application", input.tier);
      }
      tierChanged = input.tier !== undefined && input.tier !== current.tier;
      const [after] = await tx
        .update(applications)
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.tier !== undefined ? { tier: input.tier } : {}),
        })
        .where(eq(applications.id, id))
        .returning();
      await audit(tx, actor, {
        action: "application.update",
        target: { type: "application", id },
        summary: changes(current, after!, ["name", "description", "tier"]),
      });
      return ok(toApplication(after!));
    },
    () => tierChanged,
  );
}

export const ApplicationListQuery = PageQuery.extend({
  q: z.string().max(100).optional().meta({ description: "part of the name, any case" }),
  sort: z.enum(["createdAt", "name"]).default("createdAt"),
});

export function listApplications(s: Services, actor: Actor, q: z.infer<typeof ApplicationListQuery>) {
  const like = q.q ? `%${q.q.replace(/[\\%_]/g, "\\$&")}%` : undefined;
  return listPage(
    s.db,
    actor.tenantId,
    applications,
    q,
    q.sort === "name" ? applications.name : applications.createdAt,
    [like ? ilike(applications.name, like) : undefined, visibleTo(actor)],
    toApplication,
  );
}

export async function getApplication(s: Services, actor: Actor, id: string) {
  const row = await s.db.withTenant(actor.tenantId, (tx) => findApplication(tx, id, actor));
  return row ? ok(toApplication(row)) : notFound("application");
}

/**
 * OAuth client credentials; a confidential client's secret is returned once and kept only as
 * its SHA-256. A public client (SPA) gets no secret and must register its redirect URIs.
 */
export function createCredentials(
  s: Services,
  actor: Actor,
  applicationId: string,
  input: z.infer<typeof CreateCredentialsRequest> = { type: "confidential", redirectUris: [] },
) {
  const clientId = newSecret(SecretPrefix.clientId, 12);
  const clientSecret = input.type === "confidential" ? newSecret(SecretPrefix.clientSecret, 32) : undefined;
  return withTenantRedeploy(s, actor, async (tx) => {
    if (!(await findApplication(tx, applicationId, actor))) {
      return notFound("application");
    }
    await tx.insert(oauthClients).values({
      clientId,
      tenantId: actor.tenantId,
      applicationId,
      secretHash: clientSecret ? sha256Hex(clientSecret) : null,
      clientType: input.type,
      redirectUris: input.redirectUris,
    });
    await audit(tx, actor, {
      action: "credentials.create",
      target: { type: "application", id: applicationId },
      summary: { clientId, type: input.type },
    });
    return ok({
      clientId,
      ...(clientSecret ? { clientSecret } : {}),
      type: input.type,
      redirectUris: input.redirectUris,
    });
  });
}

/** The application's OAuth client, locked for the change. */
async function findClient(tx: Tx, applicationId: string, clientId: string) {
  const [client] = await tx
    .select()
    .from(oauthClients)
    .where(and(eq(oauthClients.clientId, clientId), eq(oauthClients.applicationId, applicationId)))
    .for("update");
  return client;
}

/**
 * A new secret for a confidential client, shown once; the old one stops working at once
 * (tokens already issued stay valid until they expire or are revoked).
 */
export function rotateClientSecret(s: Services, actor: Actor, applicationId: string, clientId: string) {
  const clientSecret = newSecret(SecretPrefix.clientSecret, 32);
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const client = (await findApplication(tx, applicationId, actor))
      ? await findClient(tx, applicationId, clientId)
      : undefined;
    if (!client) {
      return notFound("client");
    }
    if (client.clientType !== "confidential") {
      return fail("conflict", "a public client has no secret");
    }
    await tx
      .update(oauthClients)
      .set({ secretHash: sha256Hex(clientSecret) })
      .where(eq(oauthClients.clientId, clientId));
    await audit(tx, actor, {
      action: "credentials.rotate-secret",
      target: { type: "oauth-client", id: clientId },
      summary: { applicationId },
    });
    return ok({ clientId, clientSecret, type: client.clientType, redirectUris: client.redirectUris });
  });
}

/**
 * Deletes the client: no new tokens, its refresh-token families revoked with the access tokens
 * issued alongside, and gateways no longer map its client_id to the application.
 */
export function revokeCredentials(s: Services, actor: Actor, applicationId: string, clientId: string) {
  return withTenantRedeploy(s, actor, async (tx): Promise<ServiceResult<null>> => {
    const client = (await findApplication(tx, applicationId, actor))
      ? await findClient(tx, applicationId, clientId)
      : undefined;
    if (!client) {
      return notFound("client");
    }
    const families = await tx
      .selectDistinct({ familyId: refreshTokens.familyId })
      .from(refreshTokens)
      .where(and(eq(refreshTokens.clientId, clientId), isNull(refreshTokens.revokedAt)));
    await revokeFamilies(
      tx,
      actor.tenantId,
      families.map((f) => f.familyId),
    );
    await tx.delete(oauthClients).where(eq(oauthClients.clientId, clientId));
    await audit(tx, actor, {
      action: "credentials.revoke",
      target: { type: "oauth-client", id: clientId },
      summary: { applicationId, revokedTokenFamilies: families.length },
    });
    return ok(null);
  });
}

export function createApiKey(
  s: Services,
  actor: Actor,
  applicationId: string,
  input: z.infer<typeof CreateApiKeyRequest>,
) {
  const key = newSecret(SecretPrefix.apiKey, 32);
  const expiresAt = input.expiresInSeconds ? new Date(Date.now() + input.expiresInSeconds * 1000) : null;
  return withTenantRedeploy(s, actor, async (tx) => {
    if (!(await findApplication(tx, applicationId, actor))) {
      return notFound("application");
    }
    const [row] = await tx
      .insert(apiKeys)
      .values({
        tenantId: actor.tenantId,
        applicationId,
        keyHash: sha256Hex(key),
        prefix: key.slice(0, 10),
        expiresAt,
        allowedIps: input.allowedIps ?? null,
        allowedReferrers: input.allowedReferrers ?? null,
      })
      .returning();
    await audit(tx, actor, {
      action: "api-key.create",
      target: { type: "api-key", id: row!.id },
      summary: { applicationId, prefix: row!.prefix, expiresAt },
    });
    return ok({ id: row!.id, key, expiresAt: expiresAt?.toISOString() ?? null });
  });
}

/**
 * Rotation: a new key with the old one's restrictions; the old key keeps working for the
 * grace period (its expiresAt, carried to the gateways), then they refuse it on their own.
 */
export function rotateApiKey(
  s: Services,
  actor: Actor,
  applicationId: string,
  keyId: string,
  input: z.infer<typeof RotateApiKeyRequest>,
) {
  const key = newSecret(SecretPrefix.apiKey, 32);
  const now = Date.now();
  return withTenantRedeploy(s, actor, async (tx) => {
    if (!isId(keyId) || !(await findApplication(tx, applicationId, actor))) {
      return notFound("API key");
    }
    const [old] = await tx
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.applicationId, applicationId)))
      .for("update");
    if (!old) {
      return notFound("API key");
    }
    if (
      old.revokedAt !== null ||
      old.replacedBy !== null ||
      (old.expiresAt !== null && old.expiresAt.getTime() <= now)
    ) {
      return fail("conflict", "the key is revoked, expired or already rotated");
    }
    const graceEnd = new Date(now + input.gracePeriodSeconds * 1000);
    const oldExpiresAt = old.expiresAt !== null && old.expiresAt < graceEnd ? old.expiresAt : graceEnd;
    const expiresAt = input.expiresInSeconds ? new Date(now + input.expiresInSeconds * 1000) : null;
    const [row] = await tx
      .insert(apiKeys)
      .values({
        tenantId: actor.tenantId,
        applicationId,
        keyHash: sha256Hex(key),
        prefix: key.slice(0, 10),
        expiresAt,
        allowedIps: old.allowedIps,
        allowedReferrers: old.allowedReferrers,
      })
      .returning();
    await tx.update(apiKeys).set({ expiresAt: oldExpiresAt, replacedBy: row!.id }).where(eq(apiKeys.id, old.id));
    await audit(tx, actor, {
      action: "api-key.rotate",
      target: { type: "api-key", id: row!.id },
      summary: { applicationId, previous: old.id, previousExpiresAt: oldExpiresAt.toISOString() },
    });
    return ok({
      id: row!.id,
      key,
      expiresAt: expiresAt?.toISOString() ?? null,
      previous: { id: old.id, expiresAt: oldExpiresAt.toISOString() },
    });
  });
}

export function listApiKeys(s: Services, actor: Actor, applicationId: string) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    if (!(await findApplication(tx, applicationId, actor))) {
      return notFound("application");
    }
    const rows = await tx
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.applicationId, applicationId))
      .orderBy(desc(apiKeys.createdAt));
    return ok(
      rows.map((k) => ({
        id: k.id,
        prefix: k.prefix,
        expiresAt: k.expiresAt?.toISOString() ?? null,
        revokedAt: k.revokedAt?.toISOString() ?? null,
        allowedIps: k.allowedIps ?? null,
        allowedReferrers: k.allowedReferrers ?? null,
        replacedBy: k.replacedBy ?? null,
        createdAt: k.createdAt.toISOString(),
      })),
    );
  });
}

export function revokeApiKey(s: Services, actor: Actor, applicationId: string, keyId: string) {
  return withTenantRedeploy(s, actor, async (tx) => {
    if (!isId(keyId) || !(await findApplication(tx, applicationId, actor))) {
      return notFound("API key");
    }
    const [row] = await tx
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.id, keyId), eq(apiKeys.applicationId, applicationId), isNull(apiKeys.revokedAt)))
      .returning();
    if (!row) {
      return notFound("API key");
    }
    await audit(tx, actor, {
      action: "api-key.revoke",
      target: { type: "api-key", id: keyId },
      summary: { applicationId, prefix: row.prefix },
    });
    return ok(null);
  });
}

export async function bindExternalClient(
  s: Services,
  actor: Actor,
  applicationId: string,
  input: z.infer<typeof CreateExternalClientRequest>,
) {
  try {
    return await withTenantRedeploy(s, actor, async (tx) => {
      if (!(await findApplication(tx, applicationId, actor))) {
        return notFound("application");
      }
      const [km] = isId(input.keyManagerId)
        ? await tx.select().from(keyManagers).where(eq(keyManagers.id, input.keyManagerId))
        : [];
      if (!km) {
        return fail("validation-failed", "keyManagerId does not name a key manager", [
          { path: "keyManagerId", message: "no such key manager" },
        ]);
      }
      const [row] = await tx
        .insert(externalClients)
        .values({ tenantId: actor.tenantId, keyManagerId: km.id, clientId: input.clientId, applicationId })
        .returning();
      await audit(tx, actor, {
        action: "external-client.create",
        target: { type: "application", id: applicationId },
        summary: { keyManagerId: km.id, clientId: row!.clientId },
      });
      return ok({ id: row!.id, keyManagerId: km.id, clientId: row!.clientId, applicationId });
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", "this client of that key manager is already bound to an application");
    }
    throw e;
  }
}
