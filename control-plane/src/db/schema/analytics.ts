import type { AnalyticsEvent, AnalyticsExporterKind, RollupGranularity } from "@portico/shared";
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { createdAt, id, tenantId, tenantIsolation } from "./_columns.js";
import { tenants } from "./tenants.js";

/** One row per request through a gateway; the event id makes ingest idempotent. */
export const analyticsEvents = pgTable(
  "analytics_events",
  {
    id: uuid("id").primaryKey(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    time: timestamp("time", { withTimezone: true }).notNull(),
    environment: varchar("environment", { length: 64 }).notNull(),
    gatewayId: varchar("gateway_id", { length: 128 }).notNull(),
    apiId: uuid("api_id"),
    apiVersion: varchar("api_version", { length: 40 }),
    /** the API product the request came through, if any */
    productId: uuid("product_id"),
    resource: text("resource").notNull(),
    method: varchar("method", { length: 16 }).notNull(),
    status: integer("status").notNull(),
    latencyMs: doublePrecision("latency_ms").notNull(),
    upstreamLatencyMs: doublePrecision("upstream_latency_ms"),
    applicationId: uuid("application_id"),
    bytesIn: bigint("bytes_in", { mode: "number" }).notNull(),
    bytesOut: bigint("bytes_out", { mode: "number" }).notNull(),
    errorType: varchar("error_type", { length: 60 }),
  },
  (t) => [index("analytics_events_tenant_time_idx").on(t.tenantId, t.time), tenantIsolation()],
).enableRLS();

/**
 * Per-minute and per-hour aggregates of the events, written in the transaction that stores
 * the events, from the rows that insert actually added: a replayed batch adds nothing here
 * either. `histogram` counts latencies in the log buckets of services/analytics/histogram.ts,
 * so percentiles over any set of rows stay within that module's stated relative error.
 */
export const analyticsRollups = pgTable(
  "analytics_rollups",
  {
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    granularity: varchar("granularity", { length: 6 }).$type<RollupGranularity>().notNull(),
    bucket: timestamp("bucket", { withTimezone: true }).notNull(),
    environment: varchar("environment", { length: 64 }).notNull(),
    gatewayId: varchar("gateway_id", { length: 128 }).notNull(),
    apiId: uuid("api_id"),
    productId: uuid("product_id"),
    applicationId: uuid("application_id"),
    resource: text("resource").notNull(),
    /** the status code's first digit: 1 to 5 */
    statusClass: smallint("status_class").notNull(),
    count: integer("count").notNull(),
    latencySum: doublePrecision("latency_sum").notNull(),
    latencyMax: doublePrecision("latency_max").notNull(),
    bytesIn: bigint("bytes_in", { mode: "number" }).notNull(),
    bytesOut: bigint("bytes_out", { mode: "number" }).notNull(),
    histogram: integer("histogram").array().notNull(),
  },
  (t) => [
    unique("analytics_rollups_key")
      .on(
        t.tenantId,
        t.granularity,
        t.bucket,
        t.environment,
        t.gatewayId,
        t.apiId,
        t.productId,
        t.applicationId,
        t.resource,
        t.statusClass,
      )
      .nullsNotDistinct(),
    tenantIsolation(),
  ],
).enableRLS();

/** Where a tenant streams its events: a batched JSON webhook or an OTLP/HTTP logs endpoint. */
export const analyticsExporters = pgTable(
  "analytics_exporters",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 100 }).notNull(),
    kind: varchar("kind", { length: 10 }).$type<AnalyticsExporterKind>().notNull(),
    url: text("url").notNull(),
    /** Header that carries the secret (`authorization`, `x-moesif-application-id`, …). */
    secretHeader: varchar("secret_header", { length: 100 }),
    /** AES-256-GCM under the platform's secrets key: it must be sent, so it cannot be hashed. */
    secretSealed: text("secret_sealed"),
    enabled: boolean("enabled").notNull().default(true),
    lastDeliveredAt: timestamp("last_delivered_at", { withTimezone: true }),
    lastError: text("last_error"),
    createdAt: createdAt(),
  },
  () => [tenantIsolation()],
).enableRLS();

/**
 * Events queued for one exporter in the ingest transaction that stored them, delivered with
 * retries and removed once the receiver took them.
 */
export const analyticsExportBatches = pgTable(
  "analytics_export_batches",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    exporterId: uuid("exporter_id")
      .notNull()
      .references(() => analyticsExporters.id, { onDelete: "cascade" }),
    events: jsonb("events").$type<AnalyticsEvent[]>().notNull(),
    status: varchar("status", { length: 12 }).$type<"pending" | "failed">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    createdAt: createdAt(),
  },
  (t) => [index("analytics_export_batches_due_idx").on(t.status, t.nextAttemptAt), tenantIsolation()],
).enableRLS();
