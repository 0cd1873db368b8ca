import { sql } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema/index.js";

export type Db = PostgresJsDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
export type TxConfig = Parameters<Db["transaction"]>[1];

export interface Database {
  /** Runs as the connecting role: migrations and platform tasks (relay, ingest routing). */
  system: Db;
  /**
   * A transaction under the application role with the tenant fixed, so PostgreSQL row-level
   * security, not the query, is what keeps tenants apart. `config` sets the isolation level,
   * e.g. one snapshot for several reads that must agree.
   */
  withTenant<T>(tenantId: string, fn: (tx: Tx) => Promise<T>, config?: TxConfig): Promise<T>;
  close(): Promise<void>;
}

export function connectDatabase(url: string, opts: { max?: number } = {}): Database {
  const client = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
  });
  const system = drizzle({ client, schema });
  return {
    system,
    withTenant: (tenantId, fn, config) =>
      system.transaction(async (tx) => {
        await tx.execute(sql`set local role portico_app`);
        await tx.execute(sql`select set_config('app.tenant_id', ${tenantId}, true)`);
        return fn(tx);
      }, config),
    close: () => client.end({ timeout: 5 }),
  };
}
