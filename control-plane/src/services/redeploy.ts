import type { Tx } from "../db/client.js";
import { redeploy, tenantEnvironments } from "../deployer/redeploy.js";
import type { Actor, Services } from "./context.js";
import type { ServiceResult } from "./errors.js";

/**
 * Runs a change that every gateway of the tenant must learn (keys, clients, subscriptions,
 * tiers, issuers) and re-deploys the tenant's bundles in the same transaction; the relay is
 * woken once it committed.
 */
export async function withTenantRedeploy<T>(
  s: Services,
  actor: Actor,
  fn: (tx: Tx) => Promise<ServiceResult<T>>,
): Promise<ServiceResult<T>> {
  const result = await s.db.withTenant(actor.tenantId, async (tx) => {
    const r = await fn(tx);
    if (r.ok) {
      await redeploy(tx, s.deploy, actor.tenantId, await tenantEnvironments(tx));
    }
    return r;
  });
  if (result.ok) {
    s.publishBundles();
  }
  return result;
}
