import {
  type CreateSubscriptionRequest,
  ok,
  SubscriptionStatus,
  type UpdateSubscriptionRequest,
} from "@portico/shared";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Tx } from "../db/client.js";
import { apis, subscriptions } from "../db/schema/index.js";
import { isId } from "./apis.js";
import { findApplication } from "./applications.js";
import { audit, changes } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { preconditionFailed } from "./etag.js";
import { listPage, PageQuery } from "./pagination.js";
import { findProduct } from "./products.js";
import { withTenantRedeploy } from "./redeploy.js";
import { tierExists, unknownTier } from "./tiers.js";

type SubRow = typeof subscriptions.$inferSelect;
const toSubscription = (r: SubRow) => ({
  id: r.id,
  applicationId: r.applicationId,
  ...(r.apiId !== null ? { apiId: r.apiId } : {}),
  ...(r.productId !== null ? { productId: r.productId } : {}),
  tier: r.tier,
  status: r.status,
  createdAt: r.createdAt.toISOString(),
});

export async function createSubscription(s: Services, actor: Actor, input: z.infer<typeof CreateSubscriptionRequest>) {
  try {
    return await withTenantRedeploy(s, actor, async (tx): Promise<ServiceResult<ReturnType<typeof toSubscription>>> => {
      if (!(await findApplication(tx, input.applicationId, actor))) {
        return fail("validation-failed", "applicationId does not name an application", [
          { path: "applicationId", message: "no such application" },
        ]);
      }
      const target = await subscriptionTarget(tx, input);
      if (!target.ok) {
        return target;
      }
      if (target.value.status !== "PUBLISHED") {
        return fail(
          "conflict",
          `the ${target.value.noun} is ${target.value.status}; only PUBLISHED ones take new subscriptions`,
        );
      }
      const badTier = await tierProblem(tx, input.tier, target.value.tiers);
      if (badTier) {
        return badTier;
      }
      const [row] = await tx
        .insert(subscriptions)
        .values({
          tenantId: actor.tenantId,
          applicationId: input.applicationId,
          apiId: input.apiId ?? null,
          productId: input.productId ?? null,
          tier: input.tier,
          status: target.value.approval ? "PENDING" : "ACTIVE",
        })
        .returning();
      await audit(tx, actor, {
        action: "subscription.create",
        target: { type: "subscription", id: row!.id },
        summary: { after: { ...toSubscription(row!), id: undefined, createdAt: undefined } },
      });
      return ok(toSubscription(row!));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", `the application is already subscribed to this ${input.apiId ? "API" : "API product"}`);
    }
    throw e;
  }
}

interface Target {
  noun: "API" | "API product";
  status: string;
  approval: boolean;
  /** the tiers a subscription may use; null: any of the tenant's */
  tiers: string[] | null;
}

/** The API or product a new subscription names, as far as subscribing to it is concerned. */
async function subscriptionTarget(
  tx: Tx,
  input: z.infer<typeof CreateSubscriptionRequest>,
): Promise<ServiceResult<Target>> {
  if (input.productId !== undefined) {
    const product = await findProduct(tx, input.productId);
    return product
      ? ok({
          noun: "API product",
          status: product.status,
          approval: product.subscriptionApproval,
          tiers: product.tiers,
        })
      : fail("validation-failed", "productId does not name an API product", [
          { path: "productId", message: "no such API product" },
        ]);
  }
  const apiId = input.apiId ?? "";
  const [api] = isId(apiId) ? await tx.select().from(apis).where(eq(apis.id, apiId)) : [];
  return api
    ? ok({ noun: "API", status: api.status, approval: api.subscriptionApproval, tiers: null })
    : fail("validation-failed", "apiId does not name an API", [{ path: "apiId", message: "no such API" }]);
}

/** A tier that does not exist, or that the product does not offer, is a 400. */
async function tierProblem(tx: Tx, tier: string, offered: string[] | null) {
  if (!(await tierExists(tx, "subscription", tier))) {
    return unknownTier("subscription", tier);
  }
  if (offered !== null && !offered.includes(tier)) {
    return fail("validation-failed", `the API product offers the tiers ${offered.join(", ")}`, [
      { path: "tier", message: "not a tier of this API product" },
    ]);
  }
  return undefined;
}

export const SubscriptionListQuery = PageQuery.extend({
  apiId: z.string().max(100).optional(),
  productId: z.string().max(100).optional(),
  applicationId: z.string().max(100).optional(),
  status: SubscriptionStatus.optional(),
});

export function listSubscriptions(s: Services, actor: Actor, q: z.infer<typeof SubscriptionListQuery>) {
  // Ids that cannot exist match nothing, without reaching SQL's uuid cast.
  const idFilter = (column: AnyPgColumn, id: string | undefined) =>
    id === undefined ? undefined : isId(id) ? eq(column, id) : sql`false`;
  return listPage(
    s.db,
    actor.tenantId,
    subscriptions,
    q,
    subscriptions.createdAt,
    [
      idFilter(subscriptions.apiId, q.apiId),
      idFilter(subscriptions.productId, q.productId),
      idFilter(subscriptions.applicationId, q.applicationId),
      q.status ? eq(subscriptions.status, q.status) : undefined,
      visibleTo(actor),
    ],
    toSubscription,
  );
}

type SubscriptionState = ReturnType<typeof toSubscription>;

async function findSubscription(tx: Tx, id: string) {
  const [row] = isId(id) ? await tx.select().from(subscriptions).where(eq(subscriptions.id, id)).for("update") : [];
  return row;
}

/** Block / unblock and change of tier. Gateways learn it with the next bundle. */
export function updateSubscription(
  s: Services,
  actor: Actor,
  id: string,
  input: z.infer<typeof UpdateSubscriptionRequest>,
  ifMatch?: string,
) {
  return withTenantRedeploy(s, actor, async (tx): Promise<ServiceResult<SubscriptionState>> => {
    const before = await findSubscription(tx, id);
    if (!before) {
      return notFound("subscription");
    }
    const stale = preconditionFailed(ifMatch, toSubscription(before));
    if (stale) {
      return stale;
    }
    if (input.status && !["ACTIVE", "BLOCKED"].includes(before.status)) {
      return fail(
        "invalid-transition",
        `a ${before.status} subscription cannot be ${input.status === "BLOCKED" ? "blocked" : "unblocked"}`,
      );
    }
    if (input.tier) {
      const product = before.productId === null ? undefined : await findProduct(tx, before.productId);
      const badTier = await tierProblem(tx, input.tier, product?.tiers ?? null);
      if (badTier) {
        return badTier;
      }
    }
    const [after] = await tx
      .update(subscriptions)
      .set({ ...(input.status ? { status: input.status } : {}), ...(input.tier ? { tier: input.tier } : {}) })
      .where(eq(subscriptions.id, id))
      .returning();
    await audit(tx, actor, {
      action: "subscription.update",
      target: { type: "subscription", id },
      summary: changes(before, after!, ["status", "tier"]),
    });
    return ok(toSubscription(after!));
  });
}

/** The approval workflow: a PENDING subscription becomes ACTIVE or REJECTED, once. */
export function decideSubscription(s: Services, actor: Actor, id: string, decision: "approve" | "reject") {
  return withTenantRedeploy(s, actor, async (tx): Promise<ServiceResult<SubscriptionState>> => {
    const before = await findSubscription(tx, id);
    if (!before) {
      return notFound("subscription");
    }
    if (before.status !== "PENDING") {
      return fail("invalid-transition", `the subscription is ${before.status}, not PENDING`);
    }
    const status = decision === "approve" ? "ACTIVE" : "REJECTED";
    const [after] = await tx.update(subscriptions).set({ status }).where(eq(subscriptions.id, id)).returning();
    await audit(tx, actor, {
      action: `subscription.${decision}`,
      target: { type: "subscription", id },
      summary: { status: ["PENDING", status] },
    });
    return ok(toSubscription(after!));
  });
}

export async function getSubscription(s: Services, actor: Actor, id: string) {
  const row = await s.db.withTenant(actor.tenantId, async (tx) => {
    const [r] = isId(id)
      ? await tx
          .select()
          .from(subscriptions)
          .where(and(eq(subscriptions.id, id), visibleTo(actor)))
      : [];
    return r;
  });
  return row ? ok(toSubscription(row)) : notFound("subscription");
}

/** A developer sees the subscriptions of their own applications only. */
function visibleTo(actor: Actor) {
  return actor.role === "developer"
    ? inArray(subscriptions.applicationId, sql`(select id from applications where owner_id = ${actor.userId})`)
    : undefined;
}
