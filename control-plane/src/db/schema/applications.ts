import { sql } from "drizzle-orm";
import { check, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { createdAt, id, tenantId, tenantIsolation } from "./_columns.js";
import { apis } from "./apis.js";
import { products } from "./products.js";
import { tenants, users } from "./tenants.js";

export const applications = pgTable(
  "applications",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description"),
    ownerId: uuid("owner_id").references(() => users.id, { onDelete: "set null" }),
    /** An application tier (kind `application`), enforced across every subscription of the application. */
    tier: varchar("tier", { length: 60 }).notNull().default("Unlimited"),
    createdAt: createdAt(),
  },
  () => [tenantIsolation()],
).enableRLS();

/** OAuth clients of the tenant's own issuer. The secret is stored as SHA-256 only. */
export const oauthClients = pgTable(
  "oauth_clients",
  {
    clientId: text("client_id").primaryKey(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    /** null for a public client (an SPA), which authenticates with PKCE instead of a secret */
    secretHash: varchar("secret_hash", { length: 64 }),
    clientType: varchar("client_type", { length: 20 })
      .$type<"confidential" | "public">()
      .notNull()
      .default("confidential"),
    /** Exact redirect URIs allowed for authorization_code; no wildcards, no prefix match. */
    redirectUris: jsonb("redirect_uris").$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  () => [tenantIsolation()],
).enableRLS();

export const apiKeys = pgTable(
  "api_keys",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    /** hex SHA-256 of the key, the only form kept */
    keyHash: varchar("key_hash", { length: 64 }).notNull(),
    /** first characters, to recognise a key in lists */
    prefix: varchar("prefix", { length: 16 }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    /** CIDRs (IPv4 or IPv6) the key may be used from; null: anywhere */
    allowedIps: jsonb("allowed_ips").$type<string[] | null>(),
    /** Referrer patterns (`https://app.example.com/*`, `*.example.com`); null: any or none */
    allowedReferrers: jsonb("allowed_referrers").$type<string[] | null>(),
    /** Set on a key rotated away: the key that replaces it (the old one lives on until expiresAt). */
    replacedBy: uuid("replaced_by"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("api_keys_hash_key").on(t.keyHash), tenantIsolation()],
).enableRLS();

export const subscriptions = pgTable(
  "subscriptions",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    /** The API subscribed to, or null for a subscription to a product. */
    apiId: uuid("api_id").references(() => apis.id, { onDelete: "cascade" }),
    /** The product subscribed to, or null for a subscription to an API. */
    productId: uuid("product_id").references(() => products.id, { onDelete: "cascade" }),
    tier: varchar("tier", { length: 60 }).notNull(),
    status: varchar("status", { length: 20 }).$type<"ACTIVE" | "BLOCKED" | "PENDING" | "REJECTED">().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("subscriptions_app_api_key").on(t.applicationId, t.apiId),
    uniqueIndex("subscriptions_app_product_key").on(t.applicationId, t.productId),
    check("subscriptions_one_target", sql`(${t.apiId} is null) <> (${t.productId} is null)`),
    tenantIsolation(),
  ],
).enableRLS();

/** External OIDC issuers (Auth0, Keycloak, Okta…) whose tokens the tenant's gateways accept. */
export const keyManagers = pgTable(
  "key_managers",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    issuer: text("issuer").notNull(),
    jwksUri: text("jwks_uri").notNull(),
    audience: text("audience"),
    clientIdClaim: varchar("client_id_claim", { length: 100 }).notNull(),
    /** The claim that carries the token's scopes (space-separated string or array); default `scope`. */
    scopeClaim: varchar("scope_claim", { length: 100 }).notNull().default("scope"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("key_managers_tenant_issuer_key").on(t.tenantId, t.issuer), tenantIsolation()],
).enableRLS();

export const externalClients = pgTable(
  "external_clients",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    keyManagerId: uuid("key_manager_id")
      .notNull()
      .references(() => keyManagers.id, { onDelete: "cascade" }),
    clientId: varchar("client_id", { length: 200 }).notNull(),
    applicationId: uuid("application_id")
      .notNull()
      .references(() => applications.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("external_clients_km_client_key").on(t.keyManagerId, t.clientId), tenantIsolation()],
).enableRLS();
