import type { AnalyticsEvent, NatsNames } from "@portico/shared";
import { AnalyticsBatch } from "@portico/shared";
import type { StreamMessage } from "@portico/shared/bus";
import { eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Tx } from "../../db/client.js";
import {
  analyticsEvents,
  analyticsExportBatches,
  analyticsExporters,
  analyticsRollups,
  tenants,
} from "../../db/schema/index.js";
import { isId } from "../apis.js";
import type { Services } from "../context.js";
import { histogramOf } from "./histogram.js";

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
  const byTenant = new Map<string, AnalyticsEvent[]>();
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
    await s.db.withTenant(tenantId, (tx) => storeEvents(tx, tenantId, events));
  }
}

/**
 * Inserts the events and, from the ones the insert actually added, the rollups and the
 * exporters' queue: all in one transaction, so a replay or a crash between them cannot count
 * an event twice or leave it out of a rollup.
 */
async function storeEvents(tx: Tx, tenantId: string, events: AnalyticsEvent[]): Promise<void> {
  const added = new Set(
    (
      await tx
        .insert(analyticsEvents)
        .values(events.map((e) => eventRow(tenantId, e)))
        .onConflictDoNothing({ target: analyticsEvents.id })
        .returning({ id: analyticsEvents.id })
    ).map((r) => r.id),
  );
  const fresh = events.filter((e) => added.delete(e.id));
  if (fresh.length === 0) {
    return;
  }
  await tx
    .insert(analyticsRollups)
    .values(rollupRows(tenantId, fresh))
    .onConflictDoUpdate({
      target: [
        analyticsRollups.tenantId,
        analyticsRollups.granularity,
        analyticsRollups.bucket,
        analyticsRollups.environment,
        analyticsRollups.gatewayId,
        analyticsRollups.apiId,
        analyticsRollups.productId,
        analyticsRollups.applicationId,
        analyticsRollups.resource,
        analyticsRollups.statusClass,
      ],
      set: {
        count: sql`${analyticsRollups.count} + excluded.count`,
        latencySum: sql`${analyticsRollups.latencySum} + excluded.latency_sum`,
        latencyMax: sql`greatest(${analyticsRollups.latencyMax}, excluded.latency_max)`,
        bytesIn: sql`${analyticsRollups.bytesIn} + excluded.bytes_in`,
        bytesOut: sql`${analyticsRollups.bytesOut} + excluded.bytes_out`,
        histogram: sql`portico_histogram_add(${analyticsRollups.histogram}, excluded.histogram)`,
      },
    });
  // One statement whether or not the tenant exports: no extra round trip per batch.
  await tx.execute(sql`
    insert into ${analyticsExportBatches} (tenant_id, exporter_id, events)
    select ${tenantId}, id, ${JSON.stringify(fresh)}::jsonb from ${analyticsExporters}
    where tenant_id = ${tenantId} and enabled`);
}

const idOrNull = (v: string | null | undefined) => (v && isId(v) ? v : null);

function eventRow(tenantId: string, e: AnalyticsEvent): typeof analyticsEvents.$inferInsert {
  return {
    id: e.id,
    tenantId,
    time: new Date(e.time),
    environment: e.environment,
    gatewayId: e.gateway,
    apiId: idOrNull(e.api),
    apiVersion: e.apiVersion,
    productId: idOrNull(e.product),
    resource: e.resource,
    method: e.method,
    status: e.status,
    latencyMs: e.latencyMs,
    upstreamLatencyMs: e.upstreamLatencyMs,
    applicationId: idOrNull(e.application),
    bytesIn: e.bytesIn,
    bytesOut: e.bytesOut,
    errorType: e.errorType,
  };
}

const GRANULARITY_MS = { minute: 60_000, hour: 3_600_000 } as const;

/**
 * One row per bucket and dimension values, sorted by key so concurrent ingests upsert shared
 * rows in the same order and cannot deadlock.
 */
function rollupRows(tenantId: string, events: AnalyticsEvent[]): (typeof analyticsRollups.$inferInsert)[] {
  const groups = new Map<string, { row: typeof analyticsRollups.$inferInsert; latencies: number[] }>();
  for (const granularity of ["minute", "hour"] as const) {
    const step = GRANULARITY_MS[granularity];
    for (const e of events) {
      const bucket = e.time - (e.time % step);
      const dims = {
        environment: e.environment,
        gatewayId: e.gateway,
        apiId: idOrNull(e.api),
        productId: idOrNull(e.product),
        applicationId: idOrNull(e.application),
        resource: e.resource,
        statusClass: Math.min(5, Math.max(1, Math.floor(e.status / 100))),
      };
      const key = JSON.stringify([granularity, bucket, ...Object.values(dims)]);
      let g = groups.get(key);
      if (!g) {
        g = {
          row: {
            tenantId,
            granularity,
            bucket: new Date(bucket),
            ...dims,
            count: 0,
            latencySum: 0,
            latencyMax: 0,
            bytesIn: 0,
            bytesOut: 0,
            histogram: [],
          },
          latencies: [],
        };
        groups.set(key, g);
      }
      g.row.count! += 1;
      g.row.latencySum! += e.latencyMs;
      g.row.latencyMax = Math.max(g.row.latencyMax!, e.latencyMs);
      g.row.bytesIn! += e.bytesIn;
      g.row.bytesOut! += e.bytesOut;
      g.latencies.push(e.latencyMs);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => ({ ...g.row, histogram: histogramOf(g.latencies) }));
}

function subjectOf(names: NatsNames, environment: string, tenant: string): string | undefined {
  try {
    return names.analyticsSubject(environment, tenant);
  } catch {
    return undefined;
  }
}
