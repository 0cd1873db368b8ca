import { type CreateTierRequest, ok } from "@portico/shared";
import type { z } from "zod";
import { tiers } from "../db/schema/index.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation } from "./errors.js";
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
