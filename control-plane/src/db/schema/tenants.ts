import type { TierKind, TierUnit } from "@portico/shared/bundle";
import { sql } from "drizzle-orm";
import {
  boolean,
  integer,
  jsonb,
  pgPolicy,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  varchar,
} from "drizzle-orm/pg-core";
import { appRole, createdAt, currentTenant, id, tenantId, tenantIsolation } from "./_columns.js";

export const tenants = pgTable(
  "tenants",
  {
    id: id(),
    slug: varchar("slug", { length: 40 }).notNull(),
    name: text("name").notNull(),
    /** Anyone may register as a developer on the tenant's portal (WSO2's self-signup). */
    openRegistration: boolean("open_registration").notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("tenants_slug_key").on(t.slug), tenantIsolation(sql`${t.id}`)],
).enableRLS();

export const users = pgTable(
  "users",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    email: varchar("email", { length: 254 }).notNull(),
    /** argon2id PHC string */
    passwordHash: text("password_hash").notNull(),
    role: varchar("role", { length: 20 }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("users_tenant_email_key").on(t.tenantId, t.email), tenantIsolation()],
).enableRLS();

/** The tenant's OAuth2 issuer keys (ES256). Private halves never leave the control plane. */
export const issuerKeys = pgTable(
  "issuer_keys",
  {
    kid: text("kid").primaryKey(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    alg: varchar("alg", { length: 10 }).notNull(),
    privateJwk: jsonb("private_jwk").notNull(),
    publicJwk: jsonb("public_jwk").notNull(),
    /**
     * Set when a newer key took over signing: the key stays in the JWKS (and in bundles) until
     * then, so tokens it signed keep validating until they expire; after it, it is retired.
     */
    retiresAt: timestamp("retires_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  () => [tenantIsolation()],
).enableRLS();

/**
 * Shared environments (tenant_id null) are platform-wide and visible to every tenant;
 * self-hosted ones belong to one tenant and are keyed on the bus by their id.
 */
export const environments = pgTable(
  "environments",
  {
    id: id(),
    tenantId: uuid("tenant_id").references(() => tenants.id, { onDelete: "cascade" }),
    name: varchar("name", { length: 40 }).notNull(),
    /** Name on the bus: the name for shared environments, the id for self-hosted ones. */
    busKey: varchar("bus_key", { length: 64 }).notNull(),
    gatewayUrl: text("gateway_url"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("environments_bus_key_key").on(t.busKey),
    uniqueIndex("environments_shared_name_key").on(t.name).where(sql`${t.tenantId} is null`),
    uniqueIndex("environments_tenant_name_key").on(t.tenantId, t.name),
    pgPolicy("environments_read", {
      for: "select",
      to: appRole,
      using: sql`${t.tenantId} is null or ${t.tenantId} = ${currentTenant}`,
    }),
    pgPolicy("environments_write", {
      for: "insert",
      to: appRole,
      withCheck: sql`${t.tenantId} = ${currentTenant}`,
    }),
    // A tenant may rename its own self-hosted environments; shared ones (tenant_id null) are
    // out of reach, and none can be turned into a shared one.
    pgPolicy("environments_update", {
      for: "update",
      to: appRole,
      using: sql`${t.tenantId} = ${currentTenant}`,
      withCheck: sql`${t.tenantId} = ${currentTenant}`,
    }),
  ],
).enableRLS();

/**
 * Business plans. `subscription` tiers limit an application on one API, `application` tiers an
 * application across all its subscriptions, `api` tiers all of one API's traffic. A name is
 * unique within its kind ("Unlimited" exists in each).
 */
export const tiers = pgTable(
  "tiers",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    kind: varchar("kind", { length: 20 }).$type<TierKind>().notNull().default("subscription"),
    name: varchar("name", { length: 60 }).notNull(),
    /** Requests per `unit`; null: no rate limit. */
    requests: integer("requests"),
    unit: varchar("unit", { length: 10 }).$type<TierUnit>().notNull().default("minute"),
    burst: integer("burst"),
    /** Requests per calendar month (UTC); null: no quota. */
    quotaPerMonth: integer("quota_per_month"),
    stopOnQuota: boolean("stop_on_quota").notNull().default(true),
    description: text("description"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("tiers_tenant_kind_name_key").on(t.tenantId, t.kind, t.name), tenantIsolation()],
).enableRLS();

/** Invitations to join a tenant with a role; the token is shown once and kept as SHA-256. */
export const invitations = pgTable(
  "invitations",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    email: varchar("email", { length: 254 }).notNull(),
    role: varchar("role", { length: 20 }).notNull(),
    tokenHash: varchar("token_hash", { length: 64 }).notNull(),
    invitedBy: uuid("invited_by").references(() => users.id, { onDelete: "set null" }),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("invitations_token_key").on(t.tokenHash), tenantIsolation()],
).enableRLS();
