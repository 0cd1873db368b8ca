import { signBundle } from "@portico/shared/bundle";
import { and, eq, sql } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { bundleVersions, environments, outbox } from "../db/schema/index.js";
import type { BundleSigner } from "../keys/signing-keys.js";
import { buildBundle } from "./build-bundle.js";

export interface DeployContext {
  signer: BundleSigner;
  publicUrl: string;
}

/**
 * Bumps the tenant's bundle version of each environment, builds and signs the bundle and
 * queues it in the outbox, all inside the caller's transaction: a change and the bundle that
 * carries it commit (or roll back) together. The relay publishes after commit.
 */
export async function redeploy(
  tx: Tx,
  ctx: DeployContext,
  tenantId: string,
  environmentIds: Iterable<string>,
): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for (const environmentId of new Set(environmentIds)) {
    const [env] = await tx.select().from(environments).where(eq(environments.id, environmentId));
    if (!env) {
      continue;
    }
    // The upsert's row lock serialises concurrent changes of one (tenant, environment), and
    // every later read in this transaction sees what committed before it.
    const [row] = await tx
      .insert(bundleVersions)
      .values({ tenantId, environmentId, version: 1, hash: "" })
      .onConflictDoUpdate({
        target: [bundleVersions.tenantId, bundleVersions.environmentId],
        set: { version: sql`${bundleVersions.version} + 1`, updatedAt: sql`now()` },
      })
      .returning({ version: bundleVersions.version });
    const version = row!.version;
    const draft = await buildBundle(tx, {
      tenantId,
      environmentId,
      busKey: env.busKey,
      version,
      publicUrl: ctx.publicUrl,
    });
    if (ctx.signer.next) {
      // A bundle-signing key rotation is under way: gateways learn the next key from here.
      draft.nextBundleKeys = ctx.signer.next as NonNullable<typeof draft.nextBundleKeys>;
    }
    const { jws, bundle } = await signBundle(draft, ctx.signer);
    await tx
      .update(bundleVersions)
      .set({ hash: bundle.hash })
      .where(and(eq(bundleVersions.tenantId, tenantId), eq(bundleVersions.environmentId, environmentId)));
    await tx.insert(outbox).values({ tenantId, busKey: env.busKey, version, jws });
    versions.set(environmentId, version);
  }
  return versions;
}

/** Environments that already carry a bundle of this tenant: where tenant-wide changes go. */
export async function tenantEnvironments(tx: Tx): Promise<string[]> {
  const rows = await tx.select({ id: bundleVersions.environmentId }).from(bundleVersions);
  return rows.map((r) => r.id);
}
