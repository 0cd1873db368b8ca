import { type CreateDeploymentRequest, type DeploymentPreviewRequest, ok } from "@portico/shared";
import { and, desc, eq, isNull, max } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import {
  environments,
  type ProductSnapshot,
  productDeployments,
  productRevisions,
  type products,
} from "../db/schema/index.js";
import { productPolicyProblems } from "../deployer/build-bundle.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import {
  type DeploymentSubject,
  deployOf,
  gatewayProgress,
  NOT_YET_ACKED,
  previewOf,
  undeployOf,
} from "./deployments.js";
import { fail, notFound, type ServiceResult } from "./errors.js";
import { findProduct, type ResolvedResource, resolveResources } from "./products.js";

/*
 * A product revision carries what its resources need from their APIs (upstream, API policies,
 * each operation's settings), resolved from the APIs' working copies when it is made. Deployed,
 * it is self-contained: it serves wherever it is deployed whether or not its APIs are, and a
 * later change to an API reaches the product only through a new product revision, as a change
 * to an API reaches its gateways only through a new API revision.
 */

type RevisionRow = typeof productRevisions.$inferSelect;

function snapshotOf(product: typeof products.$inferSelect, resolved: ResolvedResource[]): ProductSnapshot {
  const apis = new Map(
    resolved.map(({ api }) => [
      api.id,
      { id: api.id, version: api.version, upstreamUrl: api.upstreamUrl, policies: api.policies },
    ]),
  );
  return {
    name: product.name,
    context: product.context,
    version: product.version,
    apis: [...apis.values()],
    resources: resolved.map(({ ref, resource }) => ({ ...resource, apiId: ref.apiId })),
  };
}

const toRevision = (r: RevisionRow, deployedTo: string[]) => ({
  id: r.id,
  productId: r.productId,
  number: r.number,
  createdAt: r.createdAt.toISOString(),
  deployedTo,
});

export async function createProductRevision(s: Services, actor: Actor, productId: string) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<ReturnType<typeof toRevision>>> => {
    const product = await findProduct(tx, productId);
    if (!product) {
      return notFound("API product");
    }
    // The APIs may have changed since the product was written: resolve again, refuse what broke.
    const resolved = await resolveResources(tx, product.resources);
    if (!resolved.ok) {
      return resolved;
    }
    const snapshot = snapshotOf(product, resolved.value);
    const problems = productPolicyProblems(snapshot);
    if (problems.length > 0) {
      return fail("validation-failed", "the gateways would refuse these resources", problems);
    }
    const [last] = await tx
      .select({ n: max(productRevisions.number) })
      .from(productRevisions)
      .where(eq(productRevisions.productId, productId));
    const [rev] = await tx
      .insert(productRevisions)
      .values({ tenantId: actor.tenantId, productId, number: (last?.n ?? 0) + 1, snapshot })
      .returning();
    await audit(tx, actor, {
      action: "revision.create",
      target: { type: "product-revision", id: rev!.id },
      summary: { productId, number: rev!.number },
    });
    return ok(toRevision(rev!, []));
  });
}

export async function listProductRevisions(s: Services, actor: Actor, productId: string) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    if (!(await findProduct(tx, productId))) {
      return notFound("API product");
    }
    const rows = await tx
      .select()
      .from(productRevisions)
      .where(eq(productRevisions.productId, productId))
      .orderBy(desc(productRevisions.number));
    const live = await liveDeployments(tx, productId);
    return ok(
      rows.map((r) =>
        toRevision(
          r,
          live.filter((l) => l.revisionId === r.id).map((l) => l.environment),
        ),
      ),
    );
  });
}

const liveDeployments = (tx: Tx, productId: string) =>
  tx
    .select({ revisionId: productDeployments.revisionId, environment: environments.name })
    .from(productDeployments)
    .innerJoin(environments, eq(environments.id, productDeployments.environmentId))
    .where(and(eq(productDeployments.productId, productId), isNull(productDeployments.undeployedAt)));

async function undeployFrom(tx: Tx, productId: string, environmentId: string): Promise<boolean> {
  const rows = await tx
    .update(productDeployments)
    .set({ undeployedAt: new Date() })
    .where(
      and(
        eq(productDeployments.productId, productId),
        eq(productDeployments.environmentId, environmentId),
        isNull(productDeployments.undeployedAt),
      ),
    )
    .returning({ id: productDeployments.id });
  return rows.length > 0;
}

const toDeployment = (
  d: typeof productDeployments.$inferSelect & { revisionNumber: number; environment: string },
  gateways: Awaited<ReturnType<typeof gatewayProgress>>,
) => ({
  id: d.id,
  productId: d.productId,
  revisionId: d.revisionId,
  revisionNumber: d.revisionNumber,
  environment: d.environment,
  bundleVersion: d.bundleVersion,
  createdAt: d.createdAt.toISOString(),
  gateways,
});

const productDeploymentSubject: DeploymentSubject<typeof productDeployments.$inferSelect> = {
  noun: "API product",
  ref: "productId",
  type: "product",
  find: (tx, id) => findProduct(tx, id),
  findRevision: async (tx, productId, revisionId) =>
    (
      await tx
        .select()
        .from(productRevisions)
        .where(and(eq(productRevisions.id, revisionId), eq(productRevisions.productId, productId)))
    )[0],
  undeployFrom,
  insert: async (tx, v) =>
    (
      await tx
        .insert(productDeployments)
        .values({
          tenantId: v.tenantId,
          productId: v.ownerId,
          revisionId: v.revisionId,
          environmentId: v.environmentId,
          bundleVersion: 0,
        })
        .returning()
    )[0]!,
  async setBundleVersion(tx, id, bundleVersion) {
    await tx.update(productDeployments).set({ bundleVersion }).where(eq(productDeployments.id, id));
  },
};

/** Deploys a product revision to one or several environments in one transaction. */
export async function createProductDeployment(
  s: Services,
  actor: Actor,
  productId: string,
  input: z.infer<typeof CreateDeploymentRequest>,
) {
  return deployOf(s, actor, productDeploymentSubject, productId, input, (d) => toDeployment(d, NOT_YET_ACKED));
}

export const undeployProduct = (s: Services, actor: Actor, productId: string, environment: string) =>
  undeployOf(s, actor, productDeploymentSubject, productId, environment);

export const previewProductDeployment = (
  s: Services,
  actor: Actor,
  productId: string,
  input: z.infer<typeof DeploymentPreviewRequest>,
) => previewOf(s, actor, productDeploymentSubject, productId, input);

export async function listProductDeployments(s: Services, actor: Actor, productId: string) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    if (!(await findProduct(tx, productId))) {
      return notFound("API product");
    }
    const rows = await tx
      .select({
        d: productDeployments,
        revisionNumber: productRevisions.number,
        environment: environments.name,
        busKey: environments.busKey,
      })
      .from(productDeployments)
      .innerJoin(productRevisions, eq(productRevisions.id, productDeployments.revisionId))
      .innerJoin(environments, eq(environments.id, productDeployments.environmentId))
      .where(eq(productDeployments.productId, productId))
      .orderBy(desc(productDeployments.createdAt));
    const out = [];
    for (const r of rows) {
      const d = { ...r.d, revisionNumber: r.revisionNumber, environment: r.environment };
      const progress = await gatewayProgress(s, tx, { ...d, busKey: r.busKey });
      out.push({ ...toDeployment(d, progress), live: r.d.undeployedAt === null });
    }
    return ok(out);
  });
}
