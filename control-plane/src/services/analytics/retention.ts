import { sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { tenants } from "../../db/schema/index.js";
import type { AnalyticsRetention } from "../context.js";

const CHUNK = 5000;

/**
 * Deletes events, rollups and export batches older than their retention, tenant by tenant
 * (every table's index leads with the tenant) and in chunks, so no transaction holds many
 * locks or runs long. Safe on several control planes at once: deleting is idempotent.
 */
export async function pruneAnalytics(db: Database, retention: AnalyticsRetention, now = Date.now()) {
  const before = (ms: number) => new Date(now - ms).toISOString();
  const removed = { events: 0, minute: 0, hour: 0, exportBatches: 0 };
  for (const { id } of await db.system.select({ id: tenants.id }).from(tenants)) {
    removed.events += await chunked(
      db,
      sql`select ctid from analytics_events where tenant_id = ${id} and time < ${before(retention.rawMs)}::timestamptz`,
      "analytics_events",
    );
    removed.minute += await chunked(
      db,
      sql`select ctid from analytics_rollups where tenant_id = ${id} and granularity = 'minute' and bucket < ${before(retention.minuteMs)}::timestamptz`,
      "analytics_rollups",
    );
    removed.hour += await chunked(
      db,
      sql`select ctid from analytics_rollups where tenant_id = ${id} and granularity = 'hour' and bucket < ${before(retention.hourMs)}::timestamptz`,
      "analytics_rollups",
    );
    // Batches an exporter never took go with the events they copy.
    removed.exportBatches += await chunked(
      db,
      sql`select ctid from analytics_export_batches where tenant_id = ${id} and created_at < ${before(retention.rawMs)}::timestamptz`,
      "analytics_export_batches",
    );
  }
  return removed;
}

async function chunked(db: Database, rows: ReturnType<typeof sql>, table: string): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db.system.execute(
      sql`delete from ${sql.identifier(table)} where ctid in (${rows} limit ${CHUNK})`,
    );
    const n = deleted.count ?? 0;
    total += n;
    if (n < CHUNK) {
      return total;
    }
  }
}
