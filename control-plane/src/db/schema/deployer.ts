import { sql } from "drizzle-orm";
import { bigserial, index, integer, pgTable, primaryKey, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core";
import { createdAt, tenantId, tenantIsolation } from "./_columns.js";
import { environments, tenants } from "./tenants.js";

/**
 * The bundle version of each (tenant, environment). Bumped with UPDATE … RETURNING in the
 * transaction of the change, whose row lock orders concurrent deploys of one tenant.
 */
export const bundleVersions = pgTable(
  "bundle_versions",
  {
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    hash: varchar("hash", { length: 64 }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.environmentId] }), tenantIsolation()],
).enableRLS();

/** Signed bundles waiting for the relay to put them on the bus (transactional outbox). */
export const outbox = pgTable(
  "outbox",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    busKey: varchar("bus_key", { length: 64 }).notNull(),
    version: integer("version").notNull(),
    jws: text("jws").notNull(),
    createdAt: createdAt(),
    publishedAt: timestamp("published_at", { withTimezone: true }),
  },
  (t) => [index("outbox_unpublished_idx").on(t.id).where(sql`${t.publishedAt} is null`), tenantIsolation()],
).enableRLS();

/** Platform keys that sign bundles (Ed25519). Gateways get only the public halves. */
export const signingKeys = pgTable("signing_keys", {
  kid: text("kid").primaryKey(),
  privateJwk: text("private_jwk").notNull(),
  publicJwk: text("public_jwk").notNull(),
  /**
   * When the key starts signing. A key announced ahead (activatesAt in the future) is only
   * published to gateways (`nextBundleKeys`), so they trust it before the first bundle it signs.
   */
  activatesAt: timestamp("activates_at", { withTimezone: true }).notNull().defaultNow(),
  createdAt: createdAt(),
  retiredAt: timestamp("retired_at", { withTimezone: true }),
});

/** Platform secrets (console token key). */
export const platformSecrets = pgTable("platform_secrets", {
  name: varchar("name", { length: 60 }).primaryKey(),
  value: text("value").notNull(),
  createdAt: createdAt(),
});
