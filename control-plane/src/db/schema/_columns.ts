import { sql } from "drizzle-orm";
import { pgPolicy, pgRole, timestamp, uuid } from "drizzle-orm/pg-core";

/** The role every tenant transaction switches to; it owns nothing and RLS applies to it. */
export const appRole = pgRole("portico_app").existing();

export const id = () => uuid("id").primaryKey().defaultRandom();
export const tenantId = () => uuid("tenant_id").notNull();
export const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();
export const updatedAt = () => timestamp("updated_at", { withTimezone: true }).notNull().defaultNow();

/** The tenant of the current transaction, set by withTenant(); empty means none. */
export const currentTenant = sql`nullif(current_setting('app.tenant_id', true), '')::uuid`;

/** The one row-level-security policy of every tenant table. */
export const tenantIsolation = (column = sql`tenant_id`) =>
  pgPolicy("tenant_isolation", {
    for: "all",
    to: appRole,
    using: sql`${column} = ${currentTenant}`,
    withCheck: sql`${column} = ${currentTenant}`,
  });
