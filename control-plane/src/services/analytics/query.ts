import {
  type AnalyticsDimension,
  type AnalyticsQuery,
  ok,
  type RollupGranularity,
  type RollupQuery,
  StatusClass,
} from "@portico/shared";
import { and, asc, desc, gte, inArray, lt, type SQL, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { analyticsEvents, analyticsRollups, apis, applications } from "../../db/schema/index.js";
import { isId } from "../apis.js";
import type { Actor, Services } from "../context.js";
import { fail, type ServiceResult } from "../errors.js";
import { percentile } from "./histogram.js";

/** Where an analytics answer comes from: the events themselves, or one of the rollups. */
type Source = "raw" | RollupGranularity;

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;
const TOP = 10;

/** Each dimension as a column of the events and of the rollups. */
const DIMENSIONS: Record<AnalyticsDimension, { raw: SQL; rollup: SQL }> = {
  api: { raw: sql`${analyticsEvents.apiId}`, rollup: sql`${analyticsRollups.apiId}` },
  product: { raw: sql`${analyticsEvents.productId}`, rollup: sql`${analyticsRollups.productId}` },
  application: { raw: sql`${analyticsEvents.applicationId}`, rollup: sql`${analyticsRollups.applicationId}` },
  resource: { raw: sql`${analyticsEvents.resource}`, rollup: sql`${analyticsRollups.resource}` },
  statusClass: {
    raw: sql`least(5, greatest(1, ${analyticsEvents.status} / 100))::smallint`,
    rollup: sql`${analyticsRollups.statusClass}`,
  },
  gateway: { raw: sql`${analyticsEvents.gatewayId}`, rollup: sql`${analyticsRollups.gatewayId}` },
  environment: { raw: sql`${analyticsEvents.environment}`, rollup: sql`${analyticsRollups.environment}` },
};
const column = (source: Source, d: AnalyticsDimension) => DIMENSIONS[d][source === "raw" ? "raw" : "rollup"];

/** The measures of each source; percentiles are exact on events and read from histograms on rollups. */
const MEASURES = {
  raw: {
    count: sql<number>`count(*)::int`,
    errors: sql<number>`(count(*) filter (where ${analyticsEvents.status} >= 400))::int`,
    bytesIn: sql<number>`coalesce(sum(${analyticsEvents.bytesIn}), 0)::float8`,
    bytesOut: sql<number>`coalesce(sum(${analyticsEvents.bytesOut}), 0)::float8`,
    latencySum: sql<number>`coalesce(sum(${analyticsEvents.latencyMs}), 0)::float8`,
    latencyMax: sql<number>`coalesce(max(${analyticsEvents.latencyMs}), 0)::float8`,
    percentiles: sql<
      number[] | null
    >`percentile_cont(array[0.5, 0.95, 0.99]::float8[]) within group (order by ${analyticsEvents.latencyMs})`,
  },
  rollup: {
    count: sql<number>`coalesce(sum(${analyticsRollups.count}), 0)::int`,
    errors: sql<number>`coalesce(sum(${analyticsRollups.count}) filter (where ${analyticsRollups.statusClass} >= 4), 0)::int`,
    bytesIn: sql<number>`coalesce(sum(${analyticsRollups.bytesIn}), 0)::float8`,
    bytesOut: sql<number>`coalesce(sum(${analyticsRollups.bytesOut}), 0)::float8`,
    latencySum: sql<number>`coalesce(sum(${analyticsRollups.latencySum}), 0)::float8`,
    latencyMax: sql<number>`coalesce(max(${analyticsRollups.latencyMax}), 0)::float8`,
    histogram: sql<number[]>`portico_histogram_sum(${analyticsRollups.histogram})`,
  },
};

interface Aggregate {
  bucket: Date | null;
  dims: Partial<Record<AnalyticsDimension, string | number | null>>;
  count: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
  latencySum: number;
  latencyMax: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

interface Selection {
  source: Source;
  from: Date;
  to: Date;
  filters: SQL[];
}

/** Groups what `sel` selects by time bucket (when `byBucket`) and dimensions. */
async function aggregate(
  tx: Tx,
  sel: Selection,
  groupBy: AnalyticsDimension[],
  opts: { byBucket: boolean; topByCount?: number; limit?: number },
): Promise<Aggregate[]> {
  const raw = sel.source === "raw";
  const bucket = raw ? sql`date_trunc('minute', ${analyticsEvents.time})` : sql`${analyticsRollups.bucket}`;
  const keys: Record<string, SQL> = {};
  if (opts.byBucket) {
    keys.bucket = bucket;
  }
  for (const d of groupBy) {
    keys[d] = column(sel.source, d);
  }
  const where =
    sel.source === "raw"
      ? [gte(analyticsEvents.time, sel.from), lt(analyticsEvents.time, sel.to), ...sel.filters]
      : [
          sql`${analyticsRollups.granularity} = ${sel.source}`,
          gte(analyticsRollups.bucket, truncate(sel.from, sel.source)),
          lt(analyticsRollups.bucket, sel.to),
          ...sel.filters,
        ];
  const measures = raw ? MEASURES.raw : MEASURES.rollup;
  const groupKeys = Object.values(keys);
  let query = tx
    .select({ ...keys, ...measures })
    .from(raw ? analyticsEvents : analyticsRollups)
    .where(and(...where))
    .groupBy(...groupKeys)
    .$dynamic();
  if (opts.topByCount !== undefined) {
    query = query.orderBy(desc(measures.count)).limit(opts.topByCount);
  } else if (groupKeys.length > 0) {
    query = query.orderBy(...groupKeys.map((k) => asc(k)));
  }
  if (opts.limit !== undefined) {
    query = query.limit(opts.limit);
  }
  const rows = (await query) as Record<string, unknown>[];
  return rows.map((r) => {
    const ps = raw
      ? ((r.percentiles as number[] | null) ?? [null, null, null])
      : [0.5, 0.95, 0.99].map((q) => percentile(r.histogram as number[], q));
    const dims: Aggregate["dims"] = {};
    for (const d of groupBy) {
      dims[d] = r[d] as string | number | null;
    }
    return {
      bucket: opts.byBucket ? new Date(r.bucket as string) : null,
      dims,
      count: Number(r.count),
      errors: Number(r.errors),
      bytesIn: Number(r.bytesIn),
      bytesOut: Number(r.bytesOut),
      latencySum: Number(r.latencySum),
      latencyMax: Number(r.latencyMax),
      p50: round(ps[0] ?? null),
      p95: round(ps[1] ?? null),
      p99: round(ps[2] ?? null),
    };
  });
}

const round = (v: number | null) => (v === null ? null : Math.round(Number(v) * 1000) / 1000);

const STEP_MS: Record<RollupGranularity, number> = { minute: 60_000, hour: HOUR_MS };
const truncate = (d: Date, g: RollupGranularity) => new Date(d.getTime() - (d.getTime() % STEP_MS[g]));
const statusClassNumber = (c: StatusClass) => Number(c[0]);
const statusClassName = (n: number) => StatusClass.options[n - 1]!;

/** The range and filters every analytics query shares, checked; the filters as SQL of `source`. */
function select(q: AnalyticsQuery, source: (from: Date) => Source, maxDays = 31): ServiceResult<Selection> {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - HOUR_MS);
  if (from >= to || to.getTime() - from.getTime() > maxDays * DAY_MS) {
    return fail("validation-failed", `from must be before to, at most ${maxDays} days apart`, [
      { path: "from", message: "invalid range" },
    ]);
  }
  const ids = { apiId: "api", productId: "product", applicationId: "application" } as const;
  for (const [field, what] of Object.entries(ids)) {
    const v = q[field as keyof typeof ids];
    if (v !== undefined && !isId(v)) {
      return fail("validation-failed", `${field} is not ${what === "api" ? "an" : "a"} ${what} id`, [
        { path: field, message: "not an id" },
      ]);
    }
  }
  const s = source(from);
  const filters: SQL[] = [];
  const equal = (d: AnalyticsDimension, v: string | number | undefined) => {
    if (v !== undefined) {
      filters.push(sql`${column(s, d)} = ${v}`);
    }
  };
  equal("api", q.apiId);
  equal("product", q.productId);
  equal("application", q.applicationId);
  equal("resource", q.resource);
  equal("statusClass", q.statusClass && statusClassNumber(q.statusClass));
  equal("gateway", q.gatewayId);
  equal("environment", q.environment);
  return ok({ source: s, from, to, filters });
}

/**
 * Request totals, a series, status classes and the top APIs and applications. Exact (from the
 * events) while the range lies within raw retention; beyond it, from the finest rollup still
 * kept, with percentiles within the histogram's stated error.
 */
export async function queryRequests(s: Services, actor: Actor, q: AnalyticsQuery) {
  const now = Date.now();
  const { rawMs, minuteMs } = s.analyticsRetention;
  const chosen = select(q, (from) =>
    from.getTime() >= now - rawMs ? "raw" : from.getTime() >= now - minuteMs ? "minute" : "hour",
  );
  if (!chosen.ok) {
    return chosen;
  }
  const sel = chosen.value;
  // Six reads of events that ingest keeps adding: one snapshot, or the totals may count a batch
  // the top lists missed.
  const r = await s.db.withTenant(
    actor.tenantId,
    async (tx) => {
      const topApis = await aggregate(tx, sel, ["api"], { byBucket: false, topByCount: TOP });
      const topApplications = await aggregate(tx, sel, ["application"], { byBucket: false, topByCount: TOP });
      return {
        totals: (await aggregate(tx, sel, [], { byBucket: false }))[0],
        series: await aggregate(tx, sel, [], { byBucket: true }),
        classes: await aggregate(tx, sel, ["statusClass"], { byBucket: false }),
        apis: topApis,
        applications: topApplications,
        names: await namesOf(tx, topApis, topApplications),
      };
    },
    { isolationLevel: "repeatable read", accessMode: "read only" },
  );
  const stats = (a: Aggregate | undefined) => ({
    count: a?.count ?? 0,
    errors: a?.errors ?? 0,
    p50: a?.p50 ?? null,
    p95: a?.p95 ?? null,
    p99: a?.p99 ?? null,
  });
  const statusClasses = Object.fromEntries(StatusClass.options.map((c) => [c, 0])) as Record<StatusClass, number>;
  for (const c of r.classes) {
    statusClasses[statusClassName(Number(c.dims.statusClass))] += c.count;
  }
  return ok({
    from: sel.from.toISOString(),
    to: sel.to.toISOString(),
    totals: stats(r.totals),
    series: r.series.map((a) => ({ minute: a.bucket!.toISOString(), ...stats(a) })),
    source: sel.source,
    statusClasses,
    topApis: r.apis.map((a) => {
      const apiId = (a.dims.api as string | null) ?? null;
      return { apiId, name: (apiId && r.names.get(apiId)) ?? null, count: a.count, errors: a.errors };
    }),
    topApplications: r.applications.map((a) => {
      const applicationId = (a.dims.application as string | null) ?? null;
      return {
        applicationId,
        name: (applicationId && r.names.get(applicationId)) ?? null,
        count: a.count,
        errors: a.errors,
      };
    }),
  });
}

/**
 * Names of the ranked APIs ("Pets v1") and applications, by id. Events outlive what they name:
 * a deleted API or application keeps its id and has no name.
 */
async function namesOf(tx: Tx, topApis: Aggregate[], topApplications: Aggregate[]) {
  const ids = (rows: Aggregate[], d: AnalyticsDimension) =>
    rows.map((a) => a.dims[d]).filter((v): v is string => typeof v === "string");
  const apiIds = ids(topApis, "api");
  const applicationIds = ids(topApplications, "application");
  const named = [
    ...(apiIds.length
      ? await tx
          .select({ id: apis.id, name: sql<string>`${apis.name} || ' ' || ${apis.version}` })
          .from(apis)
          .where(inArray(apis.id, apiIds))
      : []),
    ...(applicationIds.length
      ? await tx
          .select({ id: applications.id, name: applications.name })
          .from(applications)
          .where(inArray(applications.id, applicationIds))
      : []),
  ];
  return new Map(named.map((n) => [n.id, n.name]));
}

/** Rollup rows per time bucket of `granularity`, grouped by the asked dimensions. */
export async function queryRollups(s: Services, actor: Actor, q: RollupQuery) {
  // A year of hours is 8,784 rows per group: as many as a week of minutes.
  const chosen = select(q, () => q.granularity, q.granularity === "hour" ? 366 : 31);
  if (!chosen.ok) {
    return chosen;
  }
  const groupBy = [...new Set((q.groupBy?.split(",") ?? []) as AnalyticsDimension[])];
  const rows = await s.db.withTenant(actor.tenantId, (tx) =>
    aggregate(tx, chosen.value, groupBy, { byBucket: true, limit: q.limit + 1 }),
  );
  return ok({
    granularity: q.granularity,
    from: truncate(chosen.value.from, q.granularity).toISOString(),
    to: chosen.value.to.toISOString(),
    groupBy,
    truncated: rows.length > q.limit,
    rows: rows.slice(0, q.limit).map((a) => ({
      bucket: a.bucket!.toISOString(),
      ...Object.fromEntries(
        groupBy.map((d) => [d, d === "statusClass" ? statusClassName(Number(a.dims[d])) : (a.dims[d] ?? null)]),
      ),
      count: a.count,
      errors: a.errors,
      bytesIn: a.bytesIn,
      bytesOut: a.bytesOut,
      latency: {
        avg: a.count === 0 ? 0 : Math.round((a.latencySum / a.count) * 1000) / 1000,
        max: a.latencyMax,
        p50: a.p50,
        p95: a.p95,
        p99: a.p99,
      },
    })),
  });
}
