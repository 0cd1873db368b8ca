import {
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { tenantId, tenantIsolation } from "./_columns.js";
import { environments, tenants } from "./tenants.js";

/** Gateways seen on the bus (platform-wide: a shared gateway serves many tenants). */
export const gateways = pgTable("gateways", {
  id: varchar("id", { length: 128 }).primaryKey(),
  environment: varchar("environment", { length: 64 }).notNull(),
  softwareVersion: varchar("software_version", { length: 40 }).notNull(),
  startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
  lastHeartbeat: timestamp("last_heartbeat", { withTimezone: true }).notNull(),
  /** What its build supports, from its heartbeat: deploys needing other policy kinds are refused. */
  capabilities: jsonb("capabilities").$type<{ schemaVersions: number[]; policyKinds?: string[] }>(),
  /** The gateway's latest refusal (gateway clock); `tenant` when the bundle was a tenant's. */
  lastError: jsonb("last_error").$type<{ reason: string; detail: string; at: number; tenant?: string } | null>(),
});

/** What one gateway runs for one tenant, from its heartbeats. */
export const gatewayBundles = pgTable(
  "gateway_bundles",
  {
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    gatewayId: varchar("gateway_id", { length: 128 }).notNull(),
    version: integer("version").notNull(),
    hash: varchar("hash", { length: 64 }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.gatewayId] }), tenantIsolation()],
).enableRLS();

/** First ack of each bundle version by each gateway. */
export const deploymentAcks = pgTable(
  "deployment_acks",
  {
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    environment: varchar("environment", { length: 64 }).notNull(),
    gatewayId: varchar("gateway_id", { length: 128 }).notNull(),
    version: integer("version").notNull(),
    hash: varchar("hash", { length: 64 }).notNull(),
    applyMs: real("apply_ms").notNull(),
    ackedAt: timestamp("acked_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.environment, t.gatewayId, t.version] }), tenantIsolation()],
).enableRLS();

/**
 * One-time tokens a self-hosted gateway exchanges for its identity and NATS credentials.
 * Only the SHA-256 of the token is kept; the first registration consumes it.
 */
export const registrationTokens = pgTable(
  "registration_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id, { onDelete: "cascade" }),
    tokenHash: varchar("token_hash", { length: 64 }).notNull(),
    prefix: varchar("prefix", { length: 16 }).notNull(),
    description: text("description"),
    createdBy: uuid("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    gatewayId: varchar("gateway_id", { length: 128 }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [uniqueIndex("registration_tokens_hash_key").on(t.tokenHash), tenantIsolation()],
).enableRLS();
