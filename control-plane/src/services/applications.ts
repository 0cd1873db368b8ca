import {
  type CreateApiKeyRequest,
  type CreateApplicationRequest,
  type CreateCredentialsRequest,
  type CreateExternalClientRequest,
  newSecret,
  ok,
  type RotateApiKeyRequest,
  SecretPrefix,
} from "@portico/shared";
import { sha256Hex } from "@portico/shared/bundle";
import { and, desc, eq, ilike, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "../db/client.js";
import { apiKeys, applications, externalClients, keyManagers, oauthClients } from "../db/schema/index.js";
import { isId } from "./apis.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound } from "./errors.js";
import { listPage, PageQuery } from "./pagination.js";
import { withTenantRedeploy } from "./redeploy.js";

type AppRow = typeof applications.$inferSelect;
const toApplication = (a: AppRow) => ({
  id: a.id,
  name: a.name,
  description: a.description,
  createdAt: a.createdAt.toISOString(),
});

export async function findApplication(tx: Tx, id: string): Promise<AppRow | undefined> {
  if (!isId(id)) {
    return undefined;
  }
  const [row] = await tx.select().from(applications).where(eq(applications.id, id));
  return row;
}

export async function createApplication(s: Services, actor: Actor, input: z.infer<typeof CreateApplicationRequest>) {
  const row = await s.db.withTenant(actor.tenantId, async (tx) => {
    const [r] = await tx
      .insert(applications)
      .values({
        tenantId: actor.tenantId,
        name: input.name,
        description: input.description ?? null,
        ownerId: actor.userId,
      })
      .returning();
    await audit(tx, actor, {
      action: "application.create",
      target: { type: "application", id: r!.id },
      summary: { after: { name: r!.name } },
    });
    return r!;
  });
  return toApplication(row);
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
    [like ? ilike(applications.name, like) : undefined],
    toApplication,
  );
}

export async function getApplication(s: Services, actor: Actor, id: string) {
  const row = await s.db.withTenant(actor.tenantId, (tx) => findApplication(tx, id));
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
    if (!(await findApplication(tx, applicationId))) {
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

export function createApiKey(
  s: Services,
  actor: Actor,
  applicationId: string,
  input: z.infer<typeof CreateApiKeyRequest>,
) {
  const key = newSecret(SecretPrefix.apiKey, 32);
  const expiresAt = input.expiresInSeconds ? new Date(Date.now() + input.expiresInSeconds * 1000) : null;
  return withTenantRedeploy(s, actor, async (tx) => {
    if (!(await findApplication(tx, applicationId))) {
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
    if (!isId(keyId) || !(await findApplication(tx, applicationId))) {
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
    if (!(await findApplication(tx, applicationId))) {
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
    if (!isId(keyId) || !(await findApplication(tx, applicationId))) {
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
      if (!(await findApplication(tx, applicationId))) {
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
