import { lte, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { authorizationCodes, bundleVersions, issuerKeys, refreshTokens } from "../db/schema/index.js";
import { redeploy, tenantEnvironments } from "../deployer/redeploy.js";
import type { Services } from "../services/context.js";
import { pruneRetiredIssuerKeys } from "./issuer.js";
import { activateDueBundleKey, announceBundleKey, syncBundleSigner } from "./signing-keys.js";

/** Re-deploys every tenant that has bundles, e.g. after the bundle-signing key changed. */
export async function redeployAllTenants(s: Services): Promise<number> {
  const rows = await s.db.system.selectDistinct({ tenantId: bundleVersions.tenantId }).from(bundleVersions);
  for (const { tenantId } of rows) {
    await s.db.withTenant(tenantId, async (tx) => {
      await redeploy(tx, s.deploy, tenantId, await tenantEnvironments(tx));
    });
  }
  if (rows.length > 0) {
    s.publishBundles();
  }
  return rows.length;
}

/** Announces the next bundle-signing key to every gateway; it signs from `activateInS` on. */
export async function rotateBundleKey(s: Services, activateInS: number): Promise<string> {
  const kid = await announceBundleKey(s.db.system, activateInS, s.deploy.signer);
  await redeployAllTenants(s);
  return kid;
}

/**
 * Expired grants are useless: refresh tokens past their expiry, and authorization codes a day
 * after theirs (kept that long so a replay is still recognised and revokes what it issued).
 */
export async function pruneExpiredGrants(s: Services): Promise<void> {
  await s.db.system.delete(refreshTokens).where(lte(refreshTokens.expiresAt, new Date()));
  await s.db.system.delete(authorizationCodes).where(lte(authorizationCodes.expiresAt, sql`now() - interval '1 day'`));
}

/**
 * The periodic half of both rotations: an announced bundle key whose time came takes over
 * (and every tenant's bundles are re-signed with it); issuer keys past their overlap are
 * deleted and the tenant's bundles re-deployed without them. Expired grants are pruned.
 */
export async function sweepKeys(s: Services, log: Logger): Promise<void> {
  await pruneExpiredGrants(s);
  if (await syncBundleSigner(s.db.system, s.deploy.signer)) {
    const tenants = await redeployAllTenants(s);
    log.info({ kids: s.deploy.signer.jwks.keys.map((k) => k.kid), tenants }, "bundle-signing keys changed; announced");
  }
  if (await activateDueBundleKey(s.db.system, s.deploy.signer)) {
    const tenants = await redeployAllTenants(s);
    log.info({ kid: s.deploy.signer.kid, tenants }, "bundle-signing key activated; bundles re-signed");
  }
  const retired = await s.db.system
    .selectDistinct({ tenantId: issuerKeys.tenantId })
    .from(issuerKeys)
    .where(lte(issuerKeys.retiresAt, new Date()));
  for (const { tenantId } of retired) {
    await s.db.withTenant(tenantId, async (tx) => {
      await pruneRetiredIssuerKeys(tx);
      await redeploy(tx, s.deploy, tenantId, await tenantEnvironments(tx));
    });
    log.info({ tenant: tenantId }, "retired issuer keys removed from the tenant's bundles");
  }
  if (retired.length > 0) {
    s.publishBundles();
  }
}
