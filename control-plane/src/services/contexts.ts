import { and, eq, sql } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { apis, products } from "../db/schema/index.js";

/**
 * Whether an API or a product of the tenant already answers at context/version: gateways route
 * both from one table, so the two must never share a key. The transaction-scoped advisory lock
 * orders concurrent creators of the same key, which the unique indexes alone (one per table)
 * cannot.
 */
export async function contextOwner(tx: Tx, context: string, version: string): Promise<"API" | "API product" | null> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(current_setting('app.tenant_id', true) || '/' || ${context} || '/' || ${version}, 0))`,
  );
  const [api] = await tx
    .select({ id: apis.id })
    .from(apis)
    .where(and(eq(apis.context, context), eq(apis.version, version)));
  if (api) {
    return "API";
  }
  const [product] = await tx
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.context, context), eq(products.version, version)));
  return product ? "API product" : null;
}

export const contextTakenDetail = (owner: string, context: string, version: string) =>
  `an ${owner} with context /${context} and version ${version} exists`;
