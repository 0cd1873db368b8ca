import {
  type Api,
  type ApiStatus,
  type CreateApiRequest,
  type LifecycleAction,
  ok,
  type UpdateApiRequest,
} from "@portico/shared";
import { and, desc, eq, isNull, max } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { apis, deployments, type RevisionSnapshot, revisions } from "../db/schema/index.js";
import { policyProblems } from "../deployer/build-bundle.js";
import { redeploy } from "../deployer/redeploy.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";

type ApiRow = typeof apis.$inferSelect;

export const toApi = (r: ApiRow): Api => ({
  id: r.id,
  name: r.name,
  context: r.context,
  version: r.version,
  status: r.status,
  description: r.description,
  upstream: { url: r.upstreamUrl },
  resources: r.resources,
  policies: r.policies,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Ids that are not UUIDs cannot exist; answering 404 early keeps them out of SQL casts. */
export const isId = (id: string) => UUID.test(id);

export async function findApi(tx: Tx, id: string): Promise<ApiRow | undefined> {
  if (!isId(id)) {
    return undefined;
  }
  const [row] = await tx.select().from(apis).where(eq(apis.id, id));
  return row;
}

export type NewApi = z.infer<typeof CreateApiRequest> & {
  resources?: ApiRow["resources"];
  openapiDoc?: Record<string, unknown> | null;
};

export async function createApi(s: Services, actor: Actor, input: NewApi): Promise<ServiceResult<Api>> {
  try {
    const row = await s.db.withTenant(actor.tenantId, async (tx) => {
      const [r] = await tx
        .insert(apis)
        .values({
          tenantId: actor.tenantId,
          name: input.name,
          context: input.context,
          version: input.version,
          description: input.description ?? null,
          upstreamUrl: input.upstream.url,
          resources: input.resources ?? [],
          policies: input.policies ?? [],
          openapi: input.openapiDoc ?? null,
        })
        .returning();
      return r!;
    });
    return ok(toApi(row));
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", `an API with context /${input.context} and version ${input.version} exists`);
    }
    throw e;
  }
}

export async function listApis(s: Services, actor: Actor): Promise<Api[]> {
  const rows = await s.db.withTenant(actor.tenantId, (tx) => tx.select().from(apis).orderBy(desc(apis.createdAt)));
  return rows.map(toApi);
}

export async function getApi(s: Services, actor: Actor, id: string): Promise<ServiceResult<Api>> {
  const row = await s.db.withTenant(actor.tenantId, (tx) => findApi(tx, id));
  return row ? ok(toApi(row)) : notFound("API");
}

export async function updateApi(
  s: Services,
  actor: Actor,
  id: string,
  input: z.infer<typeof UpdateApiRequest>,
): Promise<ServiceResult<Api>> {
  if (!isId(id)) {
    return notFound("API");
  }
  const row = await s.db.withTenant(actor.tenantId, async (tx) => {
    const [r] = await tx
      .update(apis)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.upstream ? { upstreamUrl: input.upstream.url } : {}),
        ...(input.policies !== undefined ? { policies: input.policies } : {}),
        ...(input.resources !== undefined ? { resources: input.resources } : {}),
        updatedAt: new Date(),
      })
      .where(eq(apis.id, id))
      .returning();
    return r;
  });
  return row ? ok(toApi(row)) : notFound("API");
}

/** Environments where the API is live now. */
async function liveEnvironments(tx: Tx, apiId: string): Promise<string[]> {
  const rows = await tx
    .select({ env: deployments.environmentId })
    .from(deployments)
    .where(and(eq(deployments.apiId, apiId), isNull(deployments.undeployedAt)));
  return rows.map((r) => r.env);
}

export async function deleteApi(s: Services, actor: Actor, id: string): Promise<ServiceResult<null>> {
  const found = await s.db.withTenant(actor.tenantId, async (tx) => {
    const api = await findApi(tx, id);
    if (!api) {
      return false;
    }
    const envs = await liveEnvironments(tx, id);
    await tx.delete(apis).where(eq(apis.id, id));
    await redeploy(tx, s.deploy, actor.tenantId, envs);
    return true;
  });
  if (!found) {
    return notFound("API");
  }
  s.publishBundles();
  return ok(null);
}

/** The lifecycle as a state machine: a move missing here is refused. */
const TRANSITIONS: Record<ApiStatus, Partial<Record<z.infer<typeof LifecycleAction>, ApiStatus>>> = {
  CREATED: { "pre-release": "PRE-RELEASED", publish: "PUBLISHED" },
  "PRE-RELEASED": { publish: "PUBLISHED", demote: "CREATED" },
  PUBLISHED: { block: "BLOCKED", deprecate: "DEPRECATED", demote: "CREATED" },
  BLOCKED: { publish: "PUBLISHED", deprecate: "DEPRECATED" },
  DEPRECATED: { retire: "RETIRED" },
  RETIRED: {},
};

export const allowedActions = (status: ApiStatus) => Object.keys(TRANSITIONS[status]);

export async function changeLifecycle(
  s: Services,
  actor: Actor,
  id: string,
  action: z.infer<typeof LifecycleAction>,
): Promise<ServiceResult<Api>> {
  const result = await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<ApiRow>> => {
    const api = await findApi(tx, id);
    if (!api) {
      return notFound("API");
    }
    const next = TRANSITIONS[api.status][action];
    if (!next) {
      const allowed = allowedActions(api.status);
      return fail(
        "invalid-transition",
        `cannot ${action} an API that is ${api.status}; allowed: ${allowed.length ? allowed.join(", ") : "none"}`,
      );
    }
    const envs = await liveEnvironments(tx, id);
    if (next === "RETIRED") {
      // Retiring undeploys: the gateways answer 404 from the next bundle on.
      await tx
        .update(deployments)
        .set({ undeployedAt: new Date() })
        .where(and(eq(deployments.apiId, id), isNull(deployments.undeployedAt)));
    }
    const [row] = await tx.update(apis).set({ status: next, updatedAt: new Date() }).where(eq(apis.id, id)).returning();
    await redeploy(tx, s.deploy, actor.tenantId, envs);
    return ok(row!);
  });
  if (!result.ok) {
    return result;
  }
  s.publishBundles();
  return ok(toApi(result.value));
}

export async function createRevision(
  s: Services,
  actor: Actor,
  apiId: string,
): Promise<ServiceResult<{ id: string; apiId: string; number: number; createdAt: string }>> {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const api = await findApi(tx, apiId);
    if (!api) {
      return notFound("API");
    }
    const snapshot: RevisionSnapshot = {
      name: api.name,
      context: api.context,
      version: api.version,
      upstreamUrl: api.upstreamUrl,
      resources: api.resources,
      policies: api.policies,
      openapi: api.openapi,
    };
    // A revision is what gets deployed: refuse one the gateway would refuse.
    const problems = policyProblems(snapshot);
    if (problems.length > 0) {
      return fail("validation-failed", "the API's policies or resources would be refused by the gateway", problems);
    }
    // Serialises revision numbering per API: the API row lock is held to commit.
    await tx.select({ id: apis.id }).from(apis).where(eq(apis.id, apiId)).for("update");
    const [last] = await tx
      .select({ n: max(revisions.number) })
      .from(revisions)
      .where(eq(revisions.apiId, apiId));
    const [rev] = await tx
      .insert(revisions)
      .values({
        tenantId: actor.tenantId,
        apiId,
        number: (last?.n ?? 0) + 1,
        snapshot,
      })
      .returning();
    return ok({ id: rev!.id, apiId, number: rev!.number, createdAt: rev!.createdAt.toISOString() });
  });
}

export async function listRevisions(s: Services, actor: Actor, apiId: string) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    if (!(await findApi(tx, apiId))) {
      return notFound("API");
    }
    const rows = await tx.select().from(revisions).where(eq(revisions.apiId, apiId)).orderBy(desc(revisions.number));
    return ok(rows.map((r) => ({ id: r.id, apiId, number: r.number, createdAt: r.createdAt.toISOString() })));
  });
}
