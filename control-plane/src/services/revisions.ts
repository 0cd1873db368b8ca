import { ok } from "@portico/shared";
import { and, asc, desc, eq, inArray, isNull, max } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { apis, deployments, environments, type RevisionSnapshot, revisions } from "../db/schema/index.js";
import { policyProblems } from "../deployer/build-bundle.js";
import { findApi, isId, toApi } from "./apis.js";
import { audit, changes } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, notFound, type ServiceResult } from "./errors.js";

/** Revisions kept per API; creating one more prunes the oldest that is not deployed. */
export const MAX_REVISIONS = 5;

type RevisionRow = typeof revisions.$inferSelect;

async function deployedRevisionIds(tx: Tx, apiId: string): Promise<Set<string>> {
  const rows = await tx
    .select({ id: deployments.revisionId })
    .from(deployments)
    .where(and(eq(deployments.apiId, apiId), isNull(deployments.undeployedAt)));
  return new Set(rows.map((r) => r.id));
}

const toRevision = (r: RevisionRow, deployedTo: string[]) => ({
  id: r.id,
  apiId: r.apiId,
  number: r.number,
  createdAt: r.createdAt.toISOString(),
  deployedTo,
});

/** An immutable snapshot of the working copy. */
export async function createRevision(s: Services, actor: Actor, apiId: string) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<ReturnType<typeof toRevision>>> => {
    if (!(await findApi(tx, apiId))) {
      return notFound("API");
    }
    // Serialises revision numbering per API: the API row lock is held to commit.
    await tx.select({ id: apis.id }).from(apis).where(eq(apis.id, apiId)).for("update");
    const api = (await findApi(tx, apiId))!;
    const snapshot: RevisionSnapshot = {
      name: api.name,
      context: api.context,
      version: api.version,
      upstreamUrl: api.upstreamUrl,
      upstreamGroup: api.upstreamGroup,
      tier: api.tier,
      resources: api.resources,
      policies: api.policies,
      openapi: api.openapi,
    };
    // A revision is what gets deployed: refuse one the gateway would refuse.
    const problems = policyProblems(snapshot);
    if (problems.length > 0) {
      return fail("validation-failed", "the API's policies or resources would be refused by the gateway", problems);
    }
    const existing = await tx.select().from(revisions).where(eq(revisions.apiId, apiId)).orderBy(asc(revisions.number));
    if (existing.length >= MAX_REVISIONS) {
      const deployed = await deployedRevisionIds(tx, apiId);
      const prunable = existing.filter((r) => !deployed.has(r.id));
      if (prunable.length === 0) {
        return fail("conflict", `all ${MAX_REVISIONS} revisions are deployed; undeploy one first`);
      }
      const pruned = prunable.slice(0, existing.length - MAX_REVISIONS + 1);
      await tx.delete(deployments).where(
        inArray(
          deployments.revisionId,
          pruned.map((r) => r.id),
        ),
      );
      await tx.delete(revisions).where(
        inArray(
          revisions.id,
          pruned.map((r) => r.id),
        ),
      );
      await audit(tx, actor, {
        action: "revision.prune",
        target: { type: "api", id: apiId },
        summary: { numbers: pruned.map((r) => r.number) },
      });
    }
    const [last] = await tx
      .select({ n: max(revisions.number) })
      .from(revisions)
      .where(eq(revisions.apiId, apiId));
    const [rev] = await tx
      .insert(revisions)
      .values({
        tenantId: actor.tenantId,
        apiId,
        number: Math.max(last?.n ?? 0, existing.at(-1)?.number ?? 0) + 1,
        snapshot,
      })
      .returning();
    await audit(tx, actor, {
      action: "revision.create",
      target: { type: "revision", id: rev!.id },
      summary: { apiId, number: rev!.number },
    });
    return ok(toRevision(rev!, []));
  });
}

export async function listRevisions(s: Services, actor: Actor, apiId: string) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    if (!(await findApi(tx, apiId))) {
      return notFound("API");
    }
    const rows = await tx.select().from(revisions).where(eq(revisions.apiId, apiId)).orderBy(desc(revisions.number));
    const live = await tx
      .select({ revisionId: deployments.revisionId, environment: environments.name })
      .from(deployments)
      .innerJoin(environments, eq(environments.id, deployments.environmentId))
      .where(and(eq(deployments.apiId, apiId), isNull(deployments.undeployedAt)));
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

async function findRevision(tx: Tx, apiId: string, revisionId: string) {
  if (!isId(revisionId)) {
    return undefined;
  }
  const [rev] = await tx
    .select()
    .from(revisions)
    .where(and(eq(revisions.id, revisionId), eq(revisions.apiId, apiId)));
  return rev;
}

export async function deleteRevision(s: Services, actor: Actor, apiId: string, revisionId: string) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<null>> => {
    const rev = (await findApi(tx, apiId)) ? await findRevision(tx, apiId, revisionId) : undefined;
    if (!rev) {
      return notFound("revision");
    }
    if ((await deployedRevisionIds(tx, apiId)).has(rev.id)) {
      return fail("conflict", `revision ${rev.number} is deployed; undeploy it first`);
    }
    await tx.delete(deployments).where(eq(deployments.revisionId, rev.id));
    await tx.delete(revisions).where(eq(revisions.id, rev.id));
    await audit(tx, actor, {
      action: "revision.delete",
      target: { type: "revision", id: rev.id },
      summary: { apiId, number: rev.number },
    });
    return ok(null);
  });
}

/** Makes a revision's snapshot the working copy again (identity, lifecycle and settings stay). */
export async function restoreRevision(s: Services, actor: Actor, apiId: string, revisionId: string) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const before = await findApi(tx, apiId);
    const rev = before ? await findRevision(tx, apiId, revisionId) : undefined;
    if (!before || !rev) {
      return notFound("revision");
    }
    const snap = rev.snapshot;
    const [after] = await tx
      .update(apis)
      .set({
        name: snap.name,
        upstreamUrl: snap.upstreamUrl,
        upstreamGroup: snap.upstreamGroup ?? null,
        tier: snap.tier ?? null,
        resources: snap.resources,
        openapi: snap.openapi,
        updatedAt: new Date(),
      })
      .where(eq(apis.id, apiId))
      .returning();
    await audit(tx, actor, {
      action: "revision.restore",
      target: { type: "api", id: apiId },
      summary: { revision: rev.number, ...changes(before, after!, ["name", "upstreamUrl", "resources"]) },
    });
    return ok(toApi(after!));
  });
}
