import { index, jsonb, pgTable, text, uuid, varchar } from "drizzle-orm/pg-core";
import { createdAt, id, tenantId, tenantIsolation } from "./_columns.js";
import { tenants } from "./tenants.js";

/** One row per change of tenant state, written in the transaction of the change. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    /** null for changes no user made (e.g. signup's own seeding is attributed to the new admin) */
    actorId: uuid("actor_id"),
    actorRole: varchar("actor_role", { length: 20 }),
    /** `<resource>.<verb>`, e.g. `api.lifecycle`, `subscription.create` */
    action: varchar("action", { length: 60 }).notNull(),
    targetType: varchar("target_type", { length: 40 }).notNull(),
    targetId: text("target_id"),
    /** What changed: `before`/`after` summaries (never secrets). */
    summary: jsonb("summary").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("audit_events_tenant_created_idx").on(t.tenantId, t.createdAt), tenantIsolation()],
).enableRLS();
