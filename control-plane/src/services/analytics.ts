import type { AnalyticsQuery, NatsNames } from "@portico/shared";
import { AnalyticsBatch, ok } from "@portico/shared";
import type { StreamMessage } from "@portico/shared/bus";
import { and, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { z } from "zod";
import { analyticsEvents, tenants } from "../db/schema/index.js";
import { isId } from "./apis.js";
import type { Actor, Services } from "./context.js";
import { fail } from "./errors.js";

/**
 * Stores one batch. Idempotent on event id, so a redelivered or replayed batch counts once;
 * a batch that cannot be stored throws, and the bus redelivers it. An event counts only under
 * the tenant and environment its subject names: NATS credentials decide who may publish there.
 */
export async function ingestBatch(s: Services, log: Logger, names: NatsNames, msg: StreamMessage): Promise<void> {
  let json: unknown;
  try {
    json = JSON.parse(msg.data);
  } catch {
    json = undefined;
  }
  const parsed = AnalyticsBatch.safeParse(json);
  if (!parsed.success) {
    log.warn("analytics: malformed batch dropped");
    return;
  }
  const ofSubject = parsed.data.events.filter((e) => subjectOf(names, e.environment, e.tenant) === msg.subject);
  if (ofSubject.length < parsed.data.events.length) {
    log.warn({ subject: msg.subject }, "analytics: events of another tenant or environment than their subject dropped");
  }
  const byTenant = new Map<string, typeof parsed.data.events>();
  for (const e of ofSubject) {
    byTenant.set(e.tenant, [...(byTenant.get(e.tenant) ?? []), e]);
  }
  for (const [tenantId, events] of byTenant) {
    const [known] = isId(tenantId)
      ? await s.db.system.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId))
      : [];
    if (!known) {
      log.warn({ tenantId, events: events.length }, "analytics: events of an unknown tenant dropped");
      continue;
    }
    await s.db.withTenant(tenantId, (tx) =>
      tx
        .insert(analyticsEvents)
        .values(
          events.map((e) => ({
            id: e.id,
            tenantId,
            time: new Date(e.time),
            environment: e.environment,
            gatewayId: e.gateway,
            apiId: e.api && isId(e.api) ? e.api : null,
            apiVersion: e.apiVersion,
            productId: e.product && isId(e.product) ? e.product : null,
            resource: e.resource,
            method: e.method,
            status: e.status,
            latencyMs: e.latencyMs,
            upstreamLatencyMs: e.upstreamLatencyMs,
            applicationId: e.application && isId(e.application) ? e.application : null,
            bytesIn: e.bytesIn,
            bytesOut: e.bytesOut,
            errorType: e.errorType,
          })),
        )
        .onConflictDoNothing({ target: analyticsEvents.id }),
    );
  }
}

const HOUR_MS = 3600_000;
const MAX_RANGE_MS = 31 * 24 * HOUR_MS;

const stats = {
  count: sql<number>`count(*)::int`,
  errors: sql<number>`(count(*) filter (where ${analyticsEvents.status} >= 400))::int`,
  p50: sql<number | null>`percentile_cont(0.5) within group (order by ${analyticsEvents.latencyMs})`,
  p95: sql<number | null>`percentile_cont(0.95) within group (order by ${analyticsEvents.latencyMs})`,
  p99: sql<number | null>`percentile_cont(0.99) within group (order by ${analyticsEvents.latencyMs})`,
};

export async function queryRequests(s: Services, actor: Actor, q: z.infer<typeof AnalyticsQuery>) {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - HOUR_MS);
  if (from >= to || to.getTime() - from.getTime() > MAX_RANGE_MS) {
    return fail("validation-failed", "from must be before to, at most 31 days apart", [
      { path: "from", message: "invalid range" },
    ]);
  }
  if (q.apiId !== undefined && !isId(q.apiId)) {
    return fail("validation-failed", "apiId is not an API id", [{ path: "apiId", message: "not an id" }]);
  }
  const where: SQL[] = [gte(analyticsEvents.time, from), lt(analyticsEvents.time, to)];
  if (q.productId !== undefined && !isId(q.productId)) {
    return fail("validation-failed", "productId is not a product id", [{ path: "productId", message: "not an id" }]);
  }
  if (q.productId) {
    where.push(eq(analyticsEvents.productId, q.productId));
  }
  if (q.apiId) {
    where.push(eq(analyticsEvents.apiId, q.apiId));
  }
  const minute = sql<string>`date_trunc('minute', ${analyticsEvents.time})`;
  const { totals, series } = await s.db.withTenant(actor.tenantId, async (tx) => ({
    totals: (
      await tx
        .select(stats)
        .from(analyticsEvents)
        .where(and(...where))
    )[0]!,
    series: await tx
      .select({ minute, ...stats })
      .from(analyticsEvents)
      .where(and(...where))
      .groupBy(minute)
      .orderBy(minute),
  }));
  const round = (v: number | null) => (v === null ? null : Math.round(Number(v) * 1000) / 1000);
  const fmt = <T extends { count: number; errors: number; p50: number | null; p95: number | null; p99: number | null }>(
    r: T,
  ) => ({
    count: r.count,
    errors: r.errors,
    p50: round(r.p50),
    p95: round(r.p95),
    p99: round(r.p99),
  });
  return ok({
    from: from.toISOString(),
    to: to.toISOString(),
    totals: fmt(totals),
    series: series.map((r) => ({ minute: new Date(r.minute).toISOString(), ...fmt(r) })),
  });
}

function subjectOf(names: NatsNames, environment: string, tenant: string): string | undefined {
  try {
    return names.analyticsSubject(environment, tenant);
  } catch {
    return undefined;
  }
}
