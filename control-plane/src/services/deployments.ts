import { type CreateDeploymentRequest, ok } from "@portico/shared";
import { and, desc, eq, gte, isNull } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { deploymentAcks, deployments, environments, gateways, revisions } from "../db/schema/index.js";
import { redeploy } from "../deployer/redeploy.js";
import { findApi, isId } from "./apis.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { resolveEnvironment } from "./environments.js";
import { fail, notFound, type ServiceResult } from "./errors.js";

/**
 * Deploys a revision to one or several environments in one transaction: each gets its new
 * bundle, or none does. Redeploying another revision to an environment is its rollback.
 */
export async function createDeployment(
  s: Services,
  actor: Actor,
  apiId: string,
  input: z.infer<typeof CreateDeploymentRequest>,
) {
  const result = await s.db.withTenant(actor.tenantId, async (tx) => {
    const api = await findApi(tx, apiId);
    if (!api) {
      return notFound("API");
    }
    if (api.status === "RETIRED") {
      return fail("invalid-transition", "a retired API cannot be deployed");
    }
    const [revision] = isId(input.revisionId)
      ? await tx
          .select()
          .from(revisions)
          .where(and(eq(revisions.id, input.revisionId), eq(revisions.apiId, apiId)))
      : [];
    if (!revision) {
      return fail("validation-failed", "revisionId is not a revision of this API", [
        { path: "revisionId", message: "no such revision of this API" },
      ]);
    }
    const envs = await resolveEnvironments(tx, input);
    if (!envs.ok) {
      return envs;
    }
    const created = [];
    for (const env of envs.value) {
      await undeployFrom(tx, apiId, env.id);
      // Insert first with a placeholder so the bundle built next already serves this revision.
      const [row] = await tx
        .insert(deployments)
        .values({ tenantId: actor.tenantId, apiId, revisionId: revision.id, environmentId: env.id, bundleVersion: 0 })
        .returning();
      const bundleVersion = (await redeploy(tx, s.deploy, actor.tenantId, [env.id])).get(env.id)!;
      await tx.update(deployments).set({ bundleVersion }).where(eq(deployments.id, row!.id));
      await audit(tx, actor, {
        action: "deployment.create",
        target: { type: "deployment", id: row!.id },
        summary: { apiId, revision: revision.number, environment: env.name, bundleVersion },
      });
      created.push({ ...row!, bundleVersion, revisionNumber: revision.number, environment: env.name });
    }
    return ok(created);
  });
  if (!result.ok) {
    return result;
  }
  s.publishBundles();
  const out = result.value.map((d) => toDeployment(d, { total: 0, acked: 0, ackMs: null }));
  return ok(input.environments ? out : out[0]!);
}

type EnvRow = NonNullable<Awaited<ReturnType<typeof resolveEnvironment>>>;

/** The environments a deployment request names, each once; a name that resolves to none is a 400. */
export async function resolveEnvironments(
  tx: Tx,
  input: z.infer<typeof CreateDeploymentRequest>,
): Promise<ServiceResult<EnvRow[]>> {
  const envs = new Map<string, EnvRow>();
  for (const [i, ref] of (input.environments ?? [input.environment!]).entries()) {
    const env = await resolveEnvironment(tx, ref);
    if (!env) {
      return fail("validation-failed", `environment "${ref}" does not exist`, [
        { path: input.environments ? `environments.${i}` : "environment", message: "no such environment" },
      ]);
    }
    envs.set(env.id, env);
  }
  return ok([...envs.values()]);
}

async function undeployFrom(tx: Tx, apiId: string, environmentId: string): Promise<boolean> {
  const rows = await tx
    .update(deployments)
    .set({ undeployedAt: new Date() })
    .where(
      and(eq(deployments.apiId, apiId), eq(deployments.environmentId, environmentId), isNull(deployments.undeployedAt)),
    )
    .returning({ id: deployments.id });
  return rows.length > 0;
}

/** Takes the API off an environment's gateways (404 there from the next bundle). */
export async function undeploy(s: Services, actor: Actor, apiId: string, environment: string) {
  const result = await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<null>> => {
    const env = (await findApi(tx, apiId)) ? await resolveEnvironment(tx, environment) : undefined;
    if (!env || !(await undeployFrom(tx, apiId, env.id))) {
      return notFound("deployment of this API in that environment");
    }
    await redeploy(tx, s.deploy, actor.tenantId, [env.id]);
    await audit(tx, actor, {
      action: "deployment.delete",
      target: { type: "api", id: apiId },
      summary: { environment: env.name },
    });
    return ok(null);
  });
  if (result.ok) {
    s.publishBundles();
  }
  return result;
}

type DeploymentRow = typeof deployments.$inferSelect & { revisionNumber: number; environment: string };

const toDeployment = (
  d: DeploymentRow,
  gateways: { total: number; acked: number; ackMs: { p50: number; p99: number; max: number } | null },
) => ({
  id: d.id,
  apiId: d.apiId,
  revisionId: d.revisionId,
  revisionNumber: d.revisionNumber,
  environment: d.environment,
  bundleVersion: d.bundleVersion,
  createdAt: d.createdAt.toISOString(),
  gateways,
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * A gateway has a deployment once it acked that bundle version or a later one; the time to
 * its first such ack is the propagation latency.
 */
export async function gatewayProgress(
  s: Services,
  tx: Tx,
  d: { bundleVersion: number; createdAt: Date; busKey: string },
) {
  const acks = await tx
    .select()
    .from(deploymentAcks)
    .where(and(eq(deploymentAcks.environment, d.busKey), gte(deploymentAcks.version, d.bundleVersion)));
  const firstAck = new Map<string, number>();
  for (const a of acks) {
    const ms = Math.max(0, a.ackedAt.getTime() - d.createdAt.getTime());
    firstAck.set(a.gatewayId, Math.min(firstAck.get(a.gatewayId) ?? Number.POSITIVE_INFINITY, ms));
  }
  const liveSince = new Date(Date.now() - s.gatewayLiveMs);
  const live = await tx
    .select({ id: gateways.id })
    .from(gateways)
    .where(and(eq(gateways.environment, d.busKey), gte(gateways.lastHeartbeat, liveSince)));
  const total = new Set([...live.map((g) => g.id), ...firstAck.keys()]).size;
  const times = [...firstAck.values()].sort((a, b) => a - b);
  return {
    total,
    acked: times.length,
    ackMs: times.length ? { p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1)! } : null,
  };
}

export async function listDeployments(s: Services, actor: Actor, apiId: string) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    if (!(await findApi(tx, apiId))) {
      return notFound("API");
    }
    const rows = await tx
      .select({
        d: deployments,
        revisionNumber: revisions.number,
        environment: environments.name,
        busKey: environments.busKey,
      })
      .from(deployments)
      .innerJoin(revisions, eq(revisions.id, deployments.revisionId))
      .innerJoin(environments, eq(environments.id, deployments.environmentId))
      .where(eq(deployments.apiId, apiId))
      .orderBy(desc(deployments.createdAt));
    const out = [];
    for (const r of rows) {
      const d = { ...r.d, revisionNumber: r.revisionNumber, environment: r.environment, busKey: r.busKey };
      out.push({ ...toDeployment(d, await gatewayProgress(s, tx, d)), live: r.d.undeployedAt === null });
    }
    return ok(out);
  });
}
