import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import type { Db } from "./client.js";

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

/**
 * Roles belong to the cluster, not the database, so the application role is made here
 * (idempotently, tolerating a concurrent creator) before the migrations that grant to it.
 */
export async function migrateDatabase(db: Db): Promise<void> {
  await db.execute(sql`
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'portico_app') THEN
        CREATE ROLE portico_app NOLOGIN NOBYPASSRLS;
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END $$`);
  await db.execute(sql`GRANT portico_app TO CURRENT_USER`);
  await migrate(db, { migrationsFolder });
}
