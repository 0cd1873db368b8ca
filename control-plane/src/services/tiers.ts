import {
  type CreateTierRequest,
  ok,
  TIER_UNIT_MS,
  type TierDto,
  TierKind,
  type TierUnit,
  type UpdateTierRequest,
} from "@portico/shared";
import { and, count, eq, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "../db/client.js";
import { apis, applications, deployments, revisions, subscriptions, tiers } from "../db/schema/index.js";
import { audit, changes } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { preconditionFailed } from "./etag.js";
import { AscendingPageQuery, listPage } from "./pagination.js";
import { withTenantRedeploy } from "./redeploy.js";

type TierRow = typeof tiers.$inferSelect;

/** The tier every application starts on (seeded for each tenant, with the other defaults). */
export const DEFAULT_APPLICATION_TIER = "Unlimited";

/** What signup seeds, WSO2's defaults: the business plans a tenant starts with. */
export const DEFAULT_TIERS: {
  kind: TierKind;
  name: string;
  requests: number | null;
  description: string;
}[] = [
  { kind: "subscription", name: "Unlimited", requests: null, description: "No limit" },
  { kind: "subscription", name: "Gold", requests: 5000, description: "5,000 requests a minute" },
  { kind: "subscription", name: "Silver", requests: 2000, description: "2,000 requests a minute" },
  { kind: "subscription", name: "Bronze", requests: 1000, description: "1,000 requests a minute" },
  {
    kind: "application",
    name: "Unlimited",
    requests: null,
    description: "No limit across the application's subscriptions",
  },
  { kind: "application", name: "50PerMin", requests: 50, description: "At most 50 requests a minute across all APIs" },
  { kind: "application", name: "20PerMin", requests: 20, description: "At most 20 requests a minute across all APIs" },
  { kind: "application", name: "10PerMin", requests: 10, description: "At most 10 requests a minute across all APIs" },
  { kind: "api", name: "Unlimited", requests: null, description: "No cap on the API" },
  { kind: "api", name: "50KPerMin", requests: 50000, description: "The API serves at most 50,000 requests a minute" },
  { kind: "api", name: "20KPerMin", requests: 20000, description: "The API serves at most 20,000 requests a minute" },
  { kind: "api", name: "10KPerMin", requests: 10000, description: "The API serves at most 10,000 requests a minute" },
];

const perMinute = (requests: number | null, unit: TierUnit) =>
  requests === null ? null : (requests * TIER_UNIT_MS.minute) / TIER_UNIT_MS[unit];

export const toTier = (t: TierRow): TierDto => ({
  name: t.name,
  kind: t.kind,
  requests: t.requests,
  unit: t.unit,
  requestsPerMinute: perMinute(t.requests, t.unit),
  burst: t.burst,
  quotaPerMonth: t.quotaPerMonth,
  stopOnQuota: t.stopOnQuota,
  description: t.description,
});

export const TierListQuery = AscendingPageQuery.extend({
  sort: z.enum(["createdAt", "name"]).default("createdAt"),
  kind: z
    .union([TierKind, z.literal("all")])
    .default("subscription")
    .meta({ description: "tiers of this kind, or all (default subscription, as before tiers had kinds)" }),
});

/** `?kind=` on the routes that name one tier: names are unique within a kind. */
export const TierKindQuery = z.object({
  kind: TierKind.default("subscription").meta({ description: "the tier's kind (default subscription)" }),
});

export const listTiers = (s: Services, actor: Actor, q: z.infer<typeof TierListQuery>) =>
  listPage(
    s.db,
    actor.tenantId,
    tiers,
    q,
    q.sort === "name" ? tiers.name : tiers.createdAt,
    [q.kind === "all" ? undefined : eq(tiers.kind, q.kind)],
    toTier,
  );

/** Rate fields of a create or update request as columns: `requestsPerMinute` is `requests` per minute. */
function rateColumns(input: z.infer<typeof UpdateTierRequest>) {
  if (input.requestsPerMinute !== undefined) {
    return { requests: input.requestsPerMinute, unit: "minute" as const };
  }
  return {
    ...(input.requests !== undefined ? { requests: input.requests } : {}),
    ...(input.unit !== undefined ? { unit: input.unit } : {}),
  };
}

export async function createTier(s: Services, actor: Actor, input: z.infer<typeof CreateTierRequest>) {
  try {
    return await withTenantRedeploy(s, actor, async (tx) => {
      const [r] = await tx
        .insert(tiers)
        .values({
          tenantId: actor.tenantId,
          kind: input.kind,
          name: input.name,
          ...rateColumns(input),
          burst: input.burst ?? null,
          quotaPerMonth: input.quotaPerMonth ?? null,
          stopOnQuota: input.stopOnQuota ?? true,
          description: input.description ?? null,
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
      return fail("conflict", `a ${input.kind} tier named "${input.name}" exists`);
    }
    throw e;
  }
}

async function findTier(tx: Tx, kind: TierKind, name: string) {
  const [row] = await tx
    .select()
    .from(tiers)
    .where(and(eq(tiers.kind, kind), eq(tiers.name, name)))
    .for("update");
  return row;
}

export const tierExists = async (tx: Tx, kind: TierKind, name: string) =>
  (await findTierOf(tx, kind, name)) !== undefined;

/** Whether a tier limits anything at a gateway (else bundles need not list who is on it). */
export const tierLimits = (t: Pick<TierRow, "requests" | "quotaPerMonth" | "stopOnQuota">) =>
  t.requests !== null || (t.quotaPerMonth !== null && t.stopOnQuota);

/** The tier of that kind, if it exists: subscriptions, applications and APIs may only name one. */
export async function findTierOf(tx: Tx, kind: TierKind, name: string): Promise<TierRow | undefined> {
  const [row] = await tx
    .select()
    .from(tiers)
    .where(and(eq(tiers.kind, kind), eq(tiers.name, name)));
  return row;
}

export const unknownTier = (kind: TierKind, name: string, path = "tier") =>
  fail("validation-failed", `no ${kind} tier named "${name}"`, [{ path, message: `no ${kind} tier "${name}"` }]);

/** Limits change for everything on the tier, at the gateways' next bundle. */
export function updateTier(
  s: Services,
  actor: Actor,
  ref: { kind: TierKind; name: string },
  input: z.infer<typeof UpdateTierRequest>,
  ifMatch?: string,
) {
  return withTenantRedeploy(s, actor, async (tx): Promise<ServiceResult<TierDto>> => {
    const before = await findTier(tx, ref.kind, ref.name);
    if (!before) {
      return notFound("tier");
    }
    const stale = preconditionFailed(ifMatch, toTier(before));
    if (stale) {
      return stale;
    }
    const [after] = await tx
      .update(tiers)
      .set({
        ...rateColumns(input),
        ...(input.burst !== undefined ? { burst: input.burst } : {}),
        ...(input.quotaPerMonth !== undefined ? { quotaPerMonth: input.quotaPerMonth } : {}),
        ...(input.stopOnQuota !== undefined ? { stopOnQuota: input.stopOnQuota } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
      })
      .where(eq(tiers.id, before.id))
      .returning();
    await audit(tx, actor, {
      action: "tier.update",
      target: { type: "tier", id: before.id },
      summary: changes(before, after!, ["requests", "unit", "burst", "quotaPerMonth", "stopOnQuota", "description"]),
    });
    return ok(toTier(after!));
  });
}

/** How many subscriptions, applications or APIs name the tier. */
async function tierUsers(tx: Tx, tier: TierRow): Promise<number> {
  const [used] =
    tier.kind === "subscription"
      ? await tx.select({ n: count() }).from(subscriptions).where(eq(subscriptions.tier, tier.name))
      : tier.kind === "application"
        ? await tx.select({ n: count() }).from(applications).where(eq(applications.tier, tier.name))
        : await tx.select({ n: count() }).from(apis).where(eq(apis.tier, tier.name));
  if (tier.kind !== "api") {
    return used?.n ?? 0;
  }
  // A live revision may still name it although the working copy moved on: its bundle needs it.
  const [live] = await tx
    .select({ n: count() })
    .from(deployments)
    .innerJoin(revisions, eq(revisions.id, deployments.revisionId))
    .where(and(isNull(deployments.undeployedAt), sql`${revisions.snapshot}->>'tier' = ${tier.name}`));
  return (used?.n ?? 0) + (live?.n ?? 0);
}

export function deleteTier(s: Services, actor: Actor, ref: { kind: TierKind; name: string }) {
  return withTenantRedeploy(s, actor, async (tx): Promise<ServiceResult<null>> => {
    const tier = await findTier(tx, ref.kind, ref.name);
    if (!tier) {
      return notFound("tier");
    }
    const used = await tierUsers(tx, tier);
    if (used > 0) {
      const who = { subscription: "subscription(s)", application: "application(s)", api: "API(s)" }[tier.kind];
      return fail("conflict", `${used} ${who} use ${tier.kind} tier "${tier.name}"; move them first`);
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

export async function getTier(s: Services, actor: Actor, ref: { kind: TierKind; name: string }) {
  const [row] = await s.db.withTenant(actor.tenantId, (tx) =>
    tx
      .select()
      .from(tiers)
      .where(and(eq(tiers.kind, ref.kind), eq(tiers.name, ref.name))),
  );
  return row ? ok(toTier(row)) : notFound("tier");
}
