import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, primaryKey, text, uniqueIndex, uuid, varchar } from "drizzle-orm/pg-core";
import { createdAt, id, tenantId, tenantIsolation, updatedAt } from "./_columns.js";
import { apis } from "./apis.js";
import { tenants, users } from "./tenants.js";

/** Markdown documentation pages of an API, written by its publishers, read on the portal. */
export const apiDocs = pgTable(
  "api_docs",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    apiId: uuid("api_id")
      .notNull()
      .references(() => apis.id, { onDelete: "cascade" }),
    slug: varchar("slug", { length: 60 }).notNull(),
    title: text("title").notNull(),
    /** Markdown as written; never rendered with raw HTML. */
    body: text("body").notNull(),
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("api_docs_api_slug_key").on(t.apiId, t.slug), tenantIsolation()],
).enableRLS();

/** One rating per user per API; a new rating replaces the user's previous one. */
export const apiRatings = pgTable(
  "api_ratings",
  {
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    apiId: uuid("api_id")
      .notNull()
      .references(() => apis.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    rating: integer("rating").notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.apiId, t.userId] }),
    check("api_ratings_range", sql`${t.rating} between 1 and 5`),
    tenantIsolation(),
  ],
).enableRLS();

export const apiComments = pgTable(
  "api_comments",
  {
    id: id(),
    tenantId: tenantId().references(() => tenants.id, { onDelete: "cascade" }),
    apiId: uuid("api_id")
      .notNull()
      .references(() => apis.id, { onDelete: "cascade" }),
    /** null once the author left the tenant; the comment stays */
    authorId: uuid("author_id").references(() => users.id, { onDelete: "set null" }),
    /** the author's name when written, so comments outlive their authors */
    author: varchar("author", { length: 254 }).notNull(),
    body: text("body").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("api_comments_api_created_idx").on(t.apiId, t.createdAt), tenantIsolation()],
).enableRLS();
