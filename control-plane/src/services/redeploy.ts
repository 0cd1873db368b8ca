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
  /** Asked after a successful `fn`: false when this change left the bundle as it was. */
  changesBundle: () => boolean = () => true,
): Promise<ServiceResult<T>> {
  let redeployed = false;
  const result = await s.db.withTenant(actor.tenantId, async (tx) => {
    const r = await fn(tx);
    if (r.ok && changesBundle()) {
      await redeploy(tx, s.deploy, actor.tenantId, await tenantEnvironments(tx));
      redeployed = true;
    }
    return r;
  });
  if (redeployed) {
    s.publishBundles();
  }
  return result;
}
