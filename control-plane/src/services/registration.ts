import { randomBytes } from "node:crypto";
import {
  type CreateRegistrationTokenRequest,
  type GatewayRegistrationRequest,
  natsNames,
  newSecret,
  ok,
  SecretPrefix,
} from "@portico/shared";
import { sha256Hex } from "@portico/shared/bundle";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { environments, registrationTokens, tenants } from "../db/schema/index.js";
import { gatewayCreds } from "../keys/nats-auth.js";
import { isId } from "./apis.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, notFound } from "./errors.js";
import { listPage, type PageQuery } from "./pagination.js";

type TokenRow = typeof registrationTokens.$inferSelect;

const toToken = (t: TokenRow) => ({
  id: t.id,
  environmentId: t.environmentId,
  prefix: t.prefix,
  description: t.description,
  createdAt: t.createdAt.toISOString(),
  expiresAt: t.expiresAt.toISOString(),
  usedAt: t.usedAt?.toISOString() ?? null,
  gatewayId: t.gatewayId,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

/** Only the tenant's own (self-hosted) environments take registrations: shared ones are the platform's. */
async function ownEnvironment(tx: Tx, environmentId: string) {
  if (!isId(environmentId)) {
    return undefined;
  }
  const [env] = await tx.select().from(environments).where(eq(environments.id, environmentId));
  return env?.tenantId ? env : undefined;
}

export function createRegistrationToken(
  s: Services,
  actor: Actor,
  environmentId: string,
  input: z.infer<typeof CreateRegistrationTokenRequest>,
) {
  const token = newSecret(SecretPrefix.registrationToken, 32);
  return s.db.withTenant(actor.tenantId, async (tx) => {
    if (!(await ownEnvironment(tx, environmentId))) {
      return notFound("self-hosted environment");
    }
    const [row] = await tx
      .insert(registrationTokens)
      .values({
        tenantId: actor.tenantId,
        environmentId,
        tokenHash: sha256Hex(token),
        prefix: token.slice(0, 10),
        description: input.description ?? null,
        createdBy: actor.userId,
        expiresAt: new Date(Date.now() + input.expiresInSeconds * 1000),
      })
      .returning();
    await audit(tx, actor, {
      action: "registration-token.create",
      target: { type: "registration-token", id: row!.id },
      summary: { environmentId, prefix: row!.prefix, expiresAt: row!.expiresAt.toISOString() },
    });
    return ok({ ...toToken(row!), token });
  });
}

export async function listRegistrationTokens(s: Services, actor: Actor, environmentId: string, q: PageQuery) {
  if (!(await s.db.withTenant(actor.tenantId, (tx) => ownEnvironment(tx, environmentId)))) {
    return notFound("self-hosted environment");
  }
  return listPage(
    s.db,
    actor.tenantId,
    registrationTokens,
    q,
    registrationTokens.createdAt,
    [eq(registrationTokens.environmentId, environmentId)],
    toToken,
  );
}

export function revokeRegistrationToken(s: Services, actor: Actor, environmentId: string, tokenId: string) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    if (!isId(tokenId) || !(await ownEnvironment(tx, environmentId))) {
      return notFound("registration token");
    }
    const [row] = await tx
      .update(registrationTokens)
      .set({ revokedAt: new Date() })
      .where(
        and(
          eq(registrationTokens.id, tokenId),
          eq(registrationTokens.environmentId, environmentId),
          isNull(registrationTokens.revokedAt),
        ),
      )
      .returning();
    if (!row) {
      return notFound("registration token");
    }
    await audit(tx, actor, {
      action: "registration-token.revoke",
      target: { type: "registration-token", id: tokenId },
      summary: { environmentId, prefix: row.prefix },
    });
    return ok(null);
  });
}

const refused = () =>
  fail("invalid-credentials", "the registration token is unknown, expired, revoked or already used");

/**
 * A gateway exchanges a token for its identity: the token is consumed in the same statement
 * that checks it, so two gateways racing with one token cannot both register.
 */
export async function registerGateway(s: Services, input: z.infer<typeof GatewayRegistrationRequest>) {
  const hash = sha256Hex(input.token);
  // The token is the only credential: which tenant it belongs to is a platform lookup.
  const [found] = await s.db.system
    .select({ tenantId: registrationTokens.tenantId })
    .from(registrationTokens)
    .where(eq(registrationTokens.tokenHash, hash));
  if (!found) {
    return refused();
  }
  const gatewayId = `${input.name ?? "gw"}-${randomBytes(6).toString("hex")}`;
  return s.db.withTenant(found.tenantId, async (tx) => {
    const [token] = await tx
      .update(registrationTokens)
      .set({ usedAt: new Date(), gatewayId })
      .where(
        and(
          eq(registrationTokens.tokenHash, hash),
          isNull(registrationTokens.usedAt),
          isNull(registrationTokens.revokedAt),
          gt(registrationTokens.expiresAt, new Date()),
        ),
      )
      .returning();
    if (!token) {
      return refused();
    }
    const [env] = await tx.select().from(environments).where(eq(environments.id, token.environmentId));
    const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, token.tenantId));
    const reg = s.gatewayRegistration;
    const names = natsNames(reg.natsPrefix);
    const creds = reg.natsSigner
      ? await gatewayCreds(reg.natsSigner.seed, reg.natsSigner.account, names, {
          environment: env!.busKey,
          jsDomain: reg.natsDomain,
          tenantId: token.tenantId,
          gatewayId,
        })
      : null;
    // The admin who made the token is who let this gateway in.
    await audit(
      tx,
      { tenantId: token.tenantId, userId: token.createdBy, role: "admin" },
      {
        action: "gateway.register",
        target: { type: "gateway", id: gatewayId },
        summary: { environmentId: env!.id, registrationToken: token.id, natsCredentials: creds !== null },
      },
    );
    return ok({
      gatewayId,
      tenant: { id: tenant!.id, slug: tenant!.slug },
      environment: { id: env!.id, name: env!.name, busKey: env!.busKey },
      bundleKeys: s.deploy.signer.jwks,
      nats: { servers: reg.natsServers, prefix: reg.natsPrefix, domain: reg.natsDomain ?? null, creds },
    });
  });
}
