import { ok } from "@portico/shared";
import { and, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Database } from "../db/client.js";
import { fail, type ServiceResult } from "./errors.js";

/**
 * Keyset pagination on (sort column, id): stable under concurrent inserts, unlike offsets.
 * Lists keep their JSON array body; the next page's cursor travels in `Link` / `X-Next-Cursor`.
 */
export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional().meta({ description: "X-Next-Cursor of the previous page" }),
  order: z.enum(["asc", "desc"]).default("desc"),
});
export type PageQuery = z.infer<typeof PageQuery>;
/** For short lists whose natural order is oldest first (tiers, environments). */
export const AscendingPageQuery = PageQuery.extend({ order: z.enum(["asc", "desc"]).default("asc") });

interface Cursor {
  /** the sort column's value, as PostgreSQL prints it (keeps microseconds) */
  v: string;
  id: string;
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString("base64url");

function decode(raw: string | undefined): Cursor | null | "invalid" {
  if (!raw) {
    return null;
  }
  try {
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Cursor;
    return typeof c.v === "string" && typeof c.id === "string" ? c : "invalid";
  } catch {
    return "invalid";
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Pager {
  /** WHERE condition after the cursor (undefined on the first page). */
  after: SQL | undefined;
  orderBy: SQL[];
  /** Fetch one more than the limit to know whether a next page exists. */
  fetch: number;
  /** The sort column as text, to be selected as `cursorValue`. */
  cursorValue: SQL<string>;
  page<T extends { cursorValue: string; id: string }>(rows: T[]): Page<Omit<T, "cursorValue">>;
}

export function pager(q: PageQuery, sortColumn: AnyPgColumn, idColumn: AnyPgColumn): Pager | "invalid-cursor" {
  const cursor = decode(q.cursor);
  if (cursor === "invalid") {
    return "invalid-cursor";
  }
  const desc = q.order === "desc";
  const after = cursor
    ? desc
      ? sql`(${sortColumn}, ${idColumn}) < (${cursor.v}, ${cursor.id})`
      : sql`(${sortColumn}, ${idColumn}) > (${cursor.v}, ${cursor.id})`
    : undefined;
  const dir = desc ? sql`desc` : sql`asc`;
  return {
    after,
    orderBy: [sql`${sortColumn} ${dir}`, sql`${idColumn} ${dir}`],
    fetch: q.limit + 1,
    cursorValue: sql<string>`${sortColumn}::text`,
    page(rows) {
      const more = rows.length > q.limit;
      const items = rows.slice(0, q.limit);
      const last = items.at(-1);
      return {
        items: items.map(({ cursorValue: _c, ...rest }) => rest),
        nextCursor: more && last ? encode({ v: last.cursorValue, id: last.id }) : null,
      };
    },
  };
}

export const invalidCursor = () =>
  fail("validation-failed", "cursor is not valid", [{ path: "cursor", message: "not a cursor of this list" }]);

type Listable = PgTable & { id: AnyPgColumn };

/** One page of `table` under `filters`, sorted by `sortColumn` then id, mapped with `map`. */
export async function listPage<T extends Listable, R>(
  db: Database,
  tenantId: string,
  table: T,
  q: PageQuery,
  sortColumn: AnyPgColumn,
  filters: (SQL | undefined)[],
  map: (row: T["$inferSelect"]) => R,
): Promise<ServiceResult<Page<R>>> {
  const p = pager(q, sortColumn, table.id);
  if (p === "invalid-cursor") {
    return invalidCursor();
  }
  const rows = await db.withTenant(tenantId, (tx) =>
    tx
      .select({ row: table as Listable, cursorValue: p.cursorValue })
      .from(table as Listable)
      .where(and(p.after, ...filters))
      .orderBy(...p.orderBy)
      .limit(p.fetch),
  );
  const page = p.page(rows.map((r) => ({ ...(r.row as { id: string }), cursorValue: r.cursorValue })));
  return ok({ items: page.items.map((r) => map(r as T["$inferSelect"])), nextCursor: page.nextCursor });
}
