import { type CreateTierRequest, ok, type UpdateTierRequest } from "@portico/shared";
import { count, eq } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { subscriptions, tiers } from "../db/schema/index.js";
import { audit, changes } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { withTenantRedeploy } from "./redeploy.js";

type TierRow = typeof tiers.$inferSelect;
const toTier = (t: TierRow) => ({ name: t.name, requestsPerMinute: t.requestsPerMinute, burst: t.burst });

export async function listTiers(s: Services, actor: Actor) {
  const rows = await s.db.withTenant(actor.tenantId, (tx) => tx.select().from(tiers).orderBy(tiers.createdAt));
  return rows.map(toTier);
}

export async function createTier(s: Services, actor: Actor, input: z.infer<typeof CreateTierRequest>) {
  try {
    return await withTenantRedeploy(s, actor, async (tx) => {
      const [r] = await tx
        .insert(tiers)
        .values({
          tenantId: actor.tenantId,
          name: input.name,
          requestsPerMinute: input.requestsPerMinute,
          burst: input.burst ?? null,
        })
        .returning();
      await audit(tx, actor, {
        action: "tier.create",
        target: { type: "tier", id: r!.id },
        summary: { after: toTier(r!) },
      });
      return ok(toTier(r!));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", `a tier named "${input.name}" exists`);
    }
    throw e;
  }
}

async function findTier(tx: Tx, name: string) {
  const [row] = await tx.select().from(tiers).where(eq(tiers.name, name)).for("update");
  return row;
}

/** Limits change for every subscription on the tier, at the gateways' next bundle. */
export function updateTier(s: Services, actor: Actor, name: string, input: z.infer<typeof UpdateTierRequest>) {
  return withTenantRedeploy(s, actor, async (tx): Promise<ServiceResult<ReturnType<typeof toTier>>> => {
    const before = await findTier(tx, name);
    if (!before) {
      return notFound("tier");
    }
    const [after] = await tx
      .update(tiers)
      .set({
        ...(input.requestsPerMinute !== undefined ? { requestsPerMinute: input.requestsPerMinute } : {}),
        ...(input.burst !== undefined ? { burst: input.burst } : {}),
      })
      .where(eq(tiers.id, before.id))
      .returning();
    await audit(tx, actor, {
      action: "tier.update",
      target: { type: "tier", id: before.id },
      summary: changes(before, after!, ["requestsPerMinute", "burst"]),
    });
    return ok(toTier(after!));
  });
}

export function deleteTier(s: Services, actor: Actor, name: string) {
  return withTenantRedeploy(s, actor, async (tx): Promise<ServiceResult<null>> => {
    const tier = await findTier(tx, name);
    if (!tier) {
      return notFound("tier");
    }
    const [used] = await tx.select({ n: count() }).from(subscriptions).where(eq(subscriptions.tier, name));
    if ((used?.n ?? 0) > 0) {
      return fail("conflict", `${used!.n} subscription(s) use tier "${name}"; move them first`);
    }
    await tx.delete(tiers).where(eq(tiers.id, tier.id));
    await audit(tx, actor, {
      action: "tier.delete",
      target: { type: "tier", id: tier.id },
      summary: { before: toTier(tier) },
    });
    return ok(null);
  });
}
