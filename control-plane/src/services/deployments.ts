import { type ApiStatus, type CreateDeploymentRequest, type DeploymentPreviewRequest, ok } from "@portico/shared";
import { and, desc, eq, gte, isNull } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { deploymentAcks, deployments, environments, gateways, outbox, revisions } from "../db/schema/index.js";
import { redeploy } from "../deployer/redeploy.js";
import { findApi, isId } from "./apis.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { resolveEnvironment } from "./environments.js";
import { fail, failWith, notFound, type ServiceResult } from "./errors.js";

/** What deploying needs of a kind of entity gateways serve (APIs, API products). */
export interface DeploymentSubject<Row extends { id: string }> {
  noun: "API" | "API product";
  /** how audit summaries name it */
  ref: "apiId" | "productId";
  /** audit target type of the entity itself */
  type: "api" | "product";
  find(tx: Tx, id: string): Promise<{ status: ApiStatus } | undefined>;
  findRevision(
    tx: Tx,
    id: string,
    revisionId: string,
  ): Promise<{ id: string; number: number; snapshot: PolicySource } | undefined>;
  /** ends its live deployment in the environment; false when there was none */
  undeployFrom(tx: Tx, id: string, environmentId: string): Promise<boolean>;
  /** records a deployment with bundle version 0, which the bundle built next replaces */
  insert(
    tx: Tx,
    values: { tenantId: string; ownerId: string; revisionId: string; environmentId: string },
  ): Promise<Row>;
  setBundleVersion(tx: Tx, deploymentId: string, bundleVersion: number): Promise<void>;
}

/** Where a revision snapshot (of an API or an API product) keeps policies. */
interface PolicySource {
  policies?: { kind: string }[];
  apis?: { policies: { kind: string }[] }[];
  resources: { policies?: { kind: string }[] }[];
}

/** Every policy kind a revision uses, enabled or not: a gateway refuses a bundle with a kind it lacks. */
function policyKindsOf(snapshot: PolicySource): string[] {
  const all = [
    ...(snapshot.policies ?? []),
    ...(snapshot.apis ?? []).flatMap((a) => a.policies),
    ...snapshot.resources.flatMap((r) => r.policies ?? []),
  ];
  return [...new Set(all.map((p) => p.kind))].sort();
}

/**
 * The live gateways of an environment and which of the kinds each lacks. A gateway too old
 * to report its kinds is not held against a deploy: nothing says it lacks them.
 */
async function liveGateways(s: Services, tx: Tx, env: EnvRow, kinds: string[]) {
  const live = await tx
    .select()
    .from(gateways)
    .where(
      and(eq(gateways.environment, env.busKey), gte(gateways.lastHeartbeat, new Date(Date.now() - s.gatewayLiveMs))),
    );
  const all = live
    .map((g) => {
      const known = g.capabilities?.policyKinds;
      return {
        id: g.id,
        softwareVersion: g.softwareVersion,
        capabilitiesKnown: known !== undefined,
        missing: known ? kinds.filter((k) => !known.includes(k)) : [],
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
  const incompatible = all
    .filter((g) => g.missing.length > 0)
    .map((g) => ({ id: g.id, environment: env.name, softwareVersion: g.softwareVersion, missing: g.missing }));
  return { env, gateways: all, incompatible };
}
type Target = Awaited<ReturnType<typeof liveGateways>>;

/** What a deploy request resolves to: the revision, its policy kinds, each environment's gateways. */
async function planDeployment<Row extends { id: string }>(
  s: Services,
  tx: Tx,
  subject: DeploymentSubject<Row>,
  id: string,
  input: z.infer<typeof CreateDeploymentRequest>,
  opts: { refuseRetired: boolean },
) {
  const owner = await subject.find(tx, id);
  if (!owner) {
    return notFound(subject.noun);
  }
  if (opts.refuseRetired && owner.status === "RETIRED") {
    return fail("invalid-transition", `a retired ${subject.noun} cannot be deployed`);
  }
  const revision = isId(input.revisionId) ? await subject.findRevision(tx, id, input.revisionId) : undefined;
  if (!revision) {
    return fail("validation-failed", `revisionId is not a revision of this ${subject.noun}`, [
      { path: "revisionId", message: `no such revision of this ${subject.noun}` },
    ]);
  }
  const envs = await resolveEnvironments(tx, input);
  if (!envs.ok) {
    return envs;
  }
  const kinds = policyKindsOf(revision.snapshot);
  const targets: Target[] = [];
  for (const env of envs.value) {
    targets.push(await liveGateways(s, tx, env, kinds));
  }
  return ok({ owner, revision, kinds, targets });
}

/**
 * Deploys a revision to one or several environments in one transaction: each gets its new
 * bundle, or none does. Redeploying another revision to an environment is its rollback.
 * Refused (409 incompatible-gateways) when a live gateway of an environment lacks a policy
 * kind the revision uses: it would refuse the bundle and keep serving the old one.
 */
export async function deployOf<Row extends { id: string }, Out>(
  s: Services,
  actor: Actor,
  subject: DeploymentSubject<Row>,
  id: string,
  input: z.infer<typeof CreateDeploymentRequest>,
  present: (d: Row & { bundleVersion: number; revisionNumber: number; environment: string }) => Out,
): Promise<ServiceResult<Out | Out[]>> {
  const result = await s.db.withTenant(actor.tenantId, async (tx) => {
    const plan = await planDeployment(s, tx, subject, id, input, { refuseRetired: true });
    if (!plan.ok) {
      return plan;
    }
    const { revision, targets } = plan.value;
    const incompatible = targets.flatMap((t) => t.incompatible);
    if (incompatible.length > 0) {
      const named = incompatible.map((g) => `${g.id} (${g.missing.join(", ")})`).join("; ");
      return failWith("incompatible-gateways", `gateways lack policy kinds this revision uses: ${named}`, {
        gateways: incompatible,
      });
    }
    const created = [];
    for (const { env } of targets) {
      await subject.undeployFrom(tx, id, env.id);
      // Inserted before the bundle is built, so that bundle already serves this revision.
      const row = await subject.insert(tx, {
        tenantId: actor.tenantId,
        ownerId: id,
        revisionId: revision.id,
        environmentId: env.id,
      });
      const bundleVersion = (await redeploy(tx, s.deploy, actor.tenantId, [env.id])).get(env.id)!;
      await subject.setBundleVersion(tx, row.id, bundleVersion);
      await audit(tx, actor, {
        action: "deployment.create",
        target: { type: subject.type === "api" ? "deployment" : "product-deployment", id: row.id },
        summary: { [subject.ref]: id, revision: revision.number, environment: env.name, bundleVersion },
      });
      created.push({ ...row, bundleVersion, revisionNumber: revision.number, environment: env.name });
    }
    return ok(created);
  });
  if (!result.ok) {
    return result;
  }
  s.publishBundles();
  // Until gateways ack it, a deployment shows none of them.
  const out = result.value.map(present);
  return ok(input.environments ? out : out[0]!);
}

/** What deploying the revision to the environment would do, without doing it. */
export async function previewOf<Row extends { id: string }>(
  s: Services,
  actor: Actor,
  subject: DeploymentSubject<Row>,
  id: string,
  input: z.infer<typeof DeploymentPreviewRequest>,
) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const plan = await planDeployment(s, tx, subject, id, input, { refuseRetired: false });
    if (!plan.ok) {
      return plan;
    }
    const { owner, revision, kinds, targets } = plan.value;
    const [target] = targets as [Target];
    return ok({
      environment: target.env.name,
      revisionId: revision.id,
      revisionNumber: revision.number,
      policyKinds: kinds,
      gateways: target.gateways.map((g) => ({ ...g, compatible: g.missing.length === 0 })),
      incompatible: target.incompatible,
      deployable: target.incompatible.length === 0 && owner.status !== "RETIRED",
    });
  });
}

/** Takes the entity off an environment's gateways (404 there from the next bundle). */
export async function undeployOf<Row extends { id: string }>(
  s: Services,
  actor: Actor,
  subject: DeploymentSubject<Row>,
  id: string,
  environment: string,
) {
  const result = await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<null>> => {
    const env = (await subject.find(tx, id)) ? await resolveEnvironment(tx, environment) : undefined;
    if (!env || !(await subject.undeployFrom(tx, id, env.id))) {
      return notFound(`deployment of this ${subject.noun} in that environment`);
    }
    await redeploy(tx, s.deploy, actor.tenantId, [env.id]);
    await audit(tx, actor, {
      action: "deployment.delete",
      target: { type: subject.type, id },
      summary: { environment: env.name },
    });
    return ok(null);
  });
  if (result.ok) {
    s.publishBundles();
  }
  return result;
}

const apiDeployments: DeploymentSubject<typeof deployments.$inferSelect> = {
  noun: "API",
  ref: "apiId",
  type: "api",
  find: findApi,
  findRevision: async (tx, apiId, revisionId) =>
    (
      await tx
        .select()
        .from(revisions)
        .where(and(eq(revisions.id, revisionId), eq(revisions.apiId, apiId)))
    )[0],
  undeployFrom,
  insert: async (tx, v) =>
    (
      await tx
        .insert(deployments)
        .values({
          tenantId: v.tenantId,
          apiId: v.ownerId,
          revisionId: v.revisionId,
          environmentId: v.environmentId,
          bundleVersion: 0,
        })
        .returning()
    )[0]!,
  async setBundleVersion(tx, id, bundleVersion) {
    await tx.update(deployments).set({ bundleVersion }).where(eq(deployments.id, id));
  },
};

export async function createDeployment(
  s: Services,
  actor: Actor,
  apiId: string,
  input: z.infer<typeof CreateDeploymentRequest>,
) {
  return deployOf(s, actor, apiDeployments, apiId, input, (d) => toDeployment(d, NOT_YET_ACKED));
}

export const previewDeployment = (
  s: Services,
  actor: Actor,
  apiId: string,
  input: z.infer<typeof DeploymentPreviewRequest>,
) => previewOf(s, actor, apiDeployments, apiId, input);

export const undeploy = (s: Services, actor: Actor, apiId: string, environment: string) =>
  undeployOf(s, actor, apiDeployments, apiId, environment);

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

type DeploymentRow = typeof deployments.$inferSelect & { revisionNumber: number; environment: string };

type GatewayProgress = Awaited<ReturnType<typeof gatewayProgress>>;

/** A deployment just made: the relay has not put its bundle on the bus yet. */
export const NOT_YET_ACKED: GatewayProgress = {
  total: 0,
  acked: 0,
  ackMs: null,
  publishedAt: null,
  firstAckMs: null,
  lastAckMs: null,
};

const toDeployment = (d: DeploymentRow, gateways: GatewayProgress) => ({
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
 * its first such ack is the propagation latency, counted from the deployment (`ackMs`) and
 * from the bundle's put on the bus (`firstAckMs`, `lastAckMs`).
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
    firstAck.set(a.gatewayId, Math.min(firstAck.get(a.gatewayId) ?? Number.POSITIVE_INFINITY, a.ackedAt.getTime()));
  }
  // A bundle superseded before the relay put it on the bus is stamped with its successor's put.
  const [published] = await tx
    .select({ at: outbox.publishedAt })
    .from(outbox)
    .where(and(eq(outbox.busKey, d.busKey), eq(outbox.version, d.bundleVersion)))
    .orderBy(outbox.id)
    .limit(1);
  const publishedAt = published?.at ?? null;
  const sincePublish = publishedAt ? [...firstAck.values()].map((at) => Math.max(0, at - publishedAt.getTime())) : [];
  const liveSince = new Date(Date.now() - s.gatewayLiveMs);
  const live = await tx
    .select({ id: gateways.id })
    .from(gateways)
    .where(and(eq(gateways.environment, d.busKey), gte(gateways.lastHeartbeat, liveSince)));
  const total = new Set([...live.map((g) => g.id), ...firstAck.keys()]).size;
  const times = [...firstAck.values()].map((at) => Math.max(0, at - d.createdAt.getTime())).sort((a, b) => a - b);
  return {
    total,
    acked: times.length,
    ackMs: times.length ? { p50: percentile(times, 50), p99: percentile(times, 99), max: times.at(-1)! } : null,
    publishedAt: publishedAt?.toISOString() ?? null,
    firstAckMs: sincePublish.length ? Math.min(...sincePublish) : null,
    lastAckMs: sincePublish.length ? Math.max(...sincePublish) : null,
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
