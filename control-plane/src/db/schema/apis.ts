import type { Resource, Upstream } from "@portico/shared";
import type { ApiStatus } from "@portico/shared/bundle";
import type { Policy } from "@portico/shared/policies";
import { sql } from "drizzle-orm";
import { boolean, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import type { z } from "zod";
import { createdAt, id, tenantId, tenantIsolation, updatedAt } from "./_columns.js";
import { environments, tenants } from "./tenants.js";

type ResourceT = z.infer<typeof Resource>;
/** Everything of the REST `upstream` but its url. */
export type UpstreamGroupConfig = Omit<z.infer<typeof Upstream>, "url">;

/** The working copy of an API; revisions snapshot it, deployments serve a revision. */
export const apis = pgTable(
  "apis",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    context: varchar("context", { length: 200 }).notNull(),
    version: varchar("version", { length: 40 }).notNull(),
    status: varchar("status", { length: 20 }).$type<ApiStatus>().notNull().default("CREATED"),
    description: text("description"),
    upstreamUrl: text("upstream_url").notNull(),
    /** The upstream group beyond `url` (endpoints, balancing, timeouts, health); null: `url` alone. */
    upstreamGroup: jsonb("upstream_group").$type<UpstreamGroupConfig | null>(),
    /** An API tier (kind `api`) capping all of the API's traffic. */
    tier: varchar("tier", { length: 60 }),
    resources: jsonb("resources").$type<ResourceT[]>().notNull().default([]),
    /** New subscriptions wait as PENDING until approved. */
    subscriptionApproval: boolean("subscription_approval").notNull().default(false),
    deprecatedAt: timestamp("deprecated_at", { withTimezone: true }),
    /** Announced end of life, sent by gateways as the Sunset header (RFC 8594). */
    sunsetAt: timestamp("sunset_at", { withTimezone: true }),
    /** Policies applied to every request of the API (validated with the shared schemas). */
    policies: jsonb("policies").$type<Policy[]>().notNull().default([]),
    /** Catalog tags, lowercased; the portal filters by them. */
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    /** The imported OpenAPI document, as JSON. */
    openapi: jsonb("openapi").$type<Record<string, unknown> | null>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("apis_tenant_context_version_key").on(t.tenantId, t.context, t.version), tenantIsolation()],
).enableRLS();

export interface RevisionSnapshot {
  name: string;
  context: string;
  version: string;
  upstreamUrl: string;
  /** absent in revisions made before upstream groups and API tiers */
  upstreamGroup?: UpstreamGroupConfig | null;
  tier?: string | null;
  resources: ResourceT[];
  /** absent in revisions made before policies existed */
  policies?: Policy[];
  openapi: Record<string, unknown> | null;
}

/** Immutable: rows are inserted, never updated. */
export const revisions = pgTable(
  "revisions",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    apiId: uuid("api_id")
      .notNull()
      .references(() => apis.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    snapshot: jsonb("snapshot").$type<RevisionSnapshot>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("revisions_api_number_key").on(t.apiId, t.number), tenantIsolation()],
).enableRLS();

/** One row per deploy; the newest row of an (api, environment) pair not undeployed is live. */
export const deployments = pgTable(
  "deployments",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    apiId: uuid("api_id")
      .notNull()
      .references(() => apis.id, { onDelete: "cascade" }),
    revisionId: uuid("revision_id")
      .notNull()
      .references(() => revisions.id, { onDelete: "cascade" }),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id),
    bundleVersion: integer("bundle_version").notNull(),
    undeployedAt: timestamp("undeployed_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  () => [tenantIsolation()],
).enableRLS();
