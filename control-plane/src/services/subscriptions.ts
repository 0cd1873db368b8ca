import { type CreateSubscriptionRequest, ok } from "@portico/shared";
import { desc, eq } from "drizzle-orm";
import type { z } from "zod";
import { apis, subscriptions, tiers } from "../db/schema/index.js";
import { isId } from "./apis.js";
import { findApplication } from "./applications.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, type ServiceResult } from "./errors.js";
import { withTenantRedeploy } from "./redeploy.js";

type SubRow = typeof subscriptions.$inferSelect;
const toSubscription = (r: SubRow) => ({
  id: r.id,
  applicationId: r.applicationId,
  apiId: r.apiId,
  tier: r.tier,
  status: r.status,
  createdAt: r.createdAt.toISOString(),
});

export async function createSubscription(s: Services, actor: Actor, input: z.infer<typeof CreateSubscriptionRequest>) {
  try {
    return await withTenantRedeploy(s, actor, async (tx): Promise<ServiceResult<ReturnType<typeof toSubscription>>> => {
      if (!(await findApplication(tx, input.applicationId))) {
        return fail("validation-failed", "applicationId does not name an application", [
          { path: "applicationId", message: "no such application" },
        ]);
      }
      const [api] = isId(input.apiId) ? await tx.select().from(apis).where(eq(apis.id, input.apiId)) : [];
      if (!api) {
        return fail("validation-failed", "apiId does not name an API", [{ path: "apiId", message: "no such API" }]);
      }
      if (api.status !== "PUBLISHED") {
        return fail("conflict", `the API is ${api.status}; only PUBLISHED APIs take new subscriptions`);
      }
      const [tier] = await tx.select().from(tiers).where(eq(tiers.name, input.tier));
      if (!tier) {
        return fail("validation-failed", `tier "${input.tier}" does not exist`, [
          { path: "tier", message: "no such tier" },
        ]);
      }
      const [row] = await tx
        .insert(subscriptions)
        .values({
          tenantId: actor.tenantId,
          applicationId: input.applicationId,
          apiId: input.apiId,
          tier: input.tier,
          status: "ACTIVE",
        })
        .returning();
      return ok(toSubscription(row!));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", "the application is already subscribed to this API");
    }
    throw e;
  }
}

export async function listSubscriptions(s: Services, actor: Actor) {
  const rows = await s.db.withTenant(actor.tenantId, (tx) =>
    tx.select().from(subscriptions).orderBy(desc(subscriptions.createdAt)),
  );
  return rows.map(toSubscription);
}
