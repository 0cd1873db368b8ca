import { index, integer, jsonb, pgTable, text, timestamp, uuid, varchar } from "drizzle-orm/pg-core";
import { createdAt, id, tenantId, tenantIsolation } from "./_columns.js";
import { tenants } from "./tenants.js";

export const webhooks = pgTable(
  "webhooks",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    /** Audit actions or prefixes with `*`: `api.lifecycle`, `subscription.*`, `*`. */
    events: jsonb("events").$type<string[]>().notNull(),
    /** HMAC key. Kept readable because every delivery is signed with it; shown once to the tenant. */
    secret: text("secret").notNull(),
    createdAt: createdAt(),
  },
  () => [tenantIsolation()],
).enableRLS();

/** One event for one webhook, queued in the transaction of the change, delivered with retries. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    webhookId: uuid("webhook_id")
      .notNull()
      .references(() => webhooks.id, { onDelete: "cascade" }),
    event: varchar("event", { length: 60 }).notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: varchar("status", { length: 12 }).$type<"pending" | "delivered" | "failed">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index("webhook_deliveries_due_idx").on(t.status, t.nextAttemptAt), tenantIsolation()],
).enableRLS();
