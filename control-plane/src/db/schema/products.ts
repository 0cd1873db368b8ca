import type { ProductResourceRef } from "@portico/shared";
import type { ApiStatus } from "@portico/shared/bundle";
import type { Policy } from "@portico/shared/policies";
import { boolean, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import type { z } from "zod";
import { createdAt, id, tenantId, tenantIsolation, updatedAt } from "./_columns.js";
import type { RevisionSnapshot } from "./apis.js";
import { environments, tenants } from "./tenants.js";

type ResourceRef = z.infer<typeof ProductResourceRef>;

/** An API product: operations of several APIs of the tenant under a context and version of its own. */
export const products = pgTable(
  "products",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    context: varchar("context", { length: 200 }).notNull(),
    version: varchar("version", { length: 40 }).notNull(),
    status: varchar("status", { length: 20 }).$type<ApiStatus>().notNull().default("CREATED"),
    description: text("description"),
    /** Each names a resource an API of the tenant declares (checked on every write). */
    resources: jsonb("resources").$type<ResourceRef[]>().notNull(),
    /** Tiers subscriptions may use; null: every tier of the tenant. */
    tiers: jsonb("tiers").$type<string[] | null>(),
    subscriptionApproval: boolean("subscription_approval").notNull().default(false),
    deprecatedAt: timestamp("deprecated_at", { withTimezone: true }),
    sunsetAt: timestamp("sunset_at", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("products_tenant_context_version_key").on(t.tenantId, t.context, t.version), tenantIsolation()],
).enableRLS();

/** One API of a product revision, as the revision's resources were resolved from it. */
export interface ProductSnapshotApi {
  id: string;
  version: string;
  upstreamUrl: string;
  policies: Policy[];
}

/** A resource resolved from its API's working copy when the revision was made. */
export type ProductSnapshotResource = RevisionSnapshot["resources"][number] & { apiId: string };

export interface ProductSnapshot {
  name: string;
  context: string;
  version: string;
  apis: ProductSnapshotApi[];
  resources: ProductSnapshotResource[];
}

/** Immutable: rows are inserted, never updated. */
export const productRevisions = pgTable(
  "product_revisions",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    number: integer("number").notNull(),
    snapshot: jsonb("snapshot").$type<ProductSnapshot>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("product_revisions_product_number_key").on(t.productId, t.number), tenantIsolation()],
).enableRLS();

/** One row per deploy; the newest row of a (product, environment) pair not undeployed is live. */
export const productDeployments = pgTable(
  "product_deployments",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id, { onDelete: "cascade" }),
    revisionId: uuid("revision_id")
      .notNull()
      .references(() => productRevisions.id, { onDelete: "cascade" }),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id),
    bundleVersion: integer("bundle_version").notNull(),
    undeployedAt: timestamp("undeployed_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  () => [tenantIsolation()],
).enableRLS();
