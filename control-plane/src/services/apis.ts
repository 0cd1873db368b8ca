import {
  type Api,
  ApiStatus,
  type CreateApiRequest,
  type LifecycleAction,
  type LifecycleRequest,
  ok,
  type UpdateApiRequest,
} from "@portico/shared";
import { and, eq, ilike, isNull, ne, or } from "drizzle-orm";
import { z } from "zod";
import type { Tx } from "../db/client.js";
import { apis, deployments, environments } from "../db/schema/index.js";
import { redeploy } from "../deployer/redeploy.js";
import { audit, changes } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { etagOf, preconditionFailed } from "./etag.js";
import { listPage, PageQuery } from "./pagination.js";

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
  tags: r.tags,
  subscriptionApproval: r.subscriptionApproval,
  deprecatedAt: r.deprecatedAt?.toISOString() ?? null,
  sunsetAt: r.sunsetAt?.toISOString() ?? null,
  policies: r.policies,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** Tags compare lowercased; duplicates are dropped, first occurrence wins. */
export const normaliseTags = (tags: string[] | undefined) => [
  ...new Set((tags ?? []).map((t) => t.trim().toLowerCase())),
];

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
          tags: normaliseTags(input.tags),
          openapi: input.openapiDoc ?? null,
          subscriptionApproval: input.subscriptionApproval ?? false,
        })
        .returning();
      await audit(tx, actor, {
        action: "api.create",
        target: { type: "api", id: r!.id },
        summary: { after: { name: r!.name, context: r!.context, version: r!.version } },
      });
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

export const ApiListQuery = PageQuery.extend({
  status: ApiStatus.optional(),
  q: z.string().max(100).optional().meta({ description: "part of the name or context, any case" }),
  sort: z.enum(["createdAt", "name"]).default("createdAt"),
});

export function listApis(s: Services, actor: Actor, q: z.infer<typeof ApiListQuery>) {
  const like = q.q ? `%${q.q.replace(/[\\%_]/g, "\\$&")}%` : undefined;
  return listPage(
    s.db,
    actor.tenantId,
    apis,
    q,
    q.sort === "name" ? apis.name : apis.createdAt,
    [
      q.status ? eq(apis.status, q.status) : undefined,
      like ? or(ilike(apis.name, like), ilike(apis.context, like)) : undefined,
    ],
    toApi,
  );
}

export async function getApiWithEtag(
  s: Services,
  actor: Actor,
  id: string,
): Promise<ServiceResult<{ api: Api; etag: string }>> {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const row = await findApi(tx, id);
    if (!row) {
      return notFound("API");
    }
    const live = await tx
      .select({ environment: environments.name, gatewayUrl: environments.gatewayUrl })
      .from(deployments)
      .innerJoin(environments, eq(environments.id, deployments.environmentId))
      .where(and(eq(deployments.apiId, id), isNull(deployments.undeployedAt)));
    const endpoints = live
      .filter((l) => l.gatewayUrl)
      .map((l) => ({
        environment: l.environment,
        url: `${l.gatewayUrl}/t/${actor.tenantSlug}/${row.context}/${row.version}`,
      }));
    return ok({ api: { ...toApi(row), endpoints }, etag: etagOf(toApi(row)) });
  });
}

export async function updateApi(
  s: Services,
  actor: Actor,
  id: string,
  input: z.infer<typeof UpdateApiRequest>,
  ifMatch?: string,
): Promise<ServiceResult<{ api: Api; etag: string }>> {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const before = await findApi(tx, id);
    if (!before) {
      return notFound("API");
    }
    // Optimistic concurrency: the row lock orders concurrent writers, the ETag detects lost updates.
    await tx.select({ id: apis.id }).from(apis).where(eq(apis.id, id)).for("update");
    const current = (await findApi(tx, id))!;
    const stale = preconditionFailed(ifMatch, toApi(current));
    if (stale) {
      return stale;
    }
    const [after] = await tx
      .update(apis)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.upstream ? { upstreamUrl: input.upstream.url } : {}),
        ...(input.subscriptionApproval !== undefined ? { subscriptionApproval: input.subscriptionApproval } : {}),
        ...(input.policies !== undefined ? { policies: input.policies } : {}),
        ...(input.resources !== undefined ? { resources: input.resources } : {}),
        ...(input.tags !== undefined ? { tags: normaliseTags(input.tags) } : {}),
        updatedAt: new Date(),
      })
      .where(eq(apis.id, id))
      .returning();
    await audit(tx, actor, {
      action: "api.update",
      target: { type: "api", id },
      summary: changes(current, after!, ["name", "description", "upstreamUrl", "subscriptionApproval", "tags"]),
    });
    return ok({ api: toApi(after!), etag: etagOf(toApi(after!)) });
  });
}

/** Environments where the API is live now. */
export async function liveEnvironments(tx: Tx, apiId: string): Promise<string[]> {
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
    await audit(tx, actor, {
      action: "api.delete",
      target: { type: "api", id },
      summary: { before: { name: api.name, context: api.context, version: api.version, status: api.status } },
    });
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

/** Moves one API to `next`, with what that means for its deployments and gateways. */
async function transition(
  tx: Tx,
  s: Services,
  actor: Actor,
  api: ApiRow,
  action: string,
  next: ApiStatus,
  sunsetAt?: string,
): Promise<ApiRow> {
  const envs = await liveEnvironments(tx, api.id);
  if (next === "RETIRED") {
    // Retiring undeploys: the gateways answer 404 from the next bundle on.
    await tx
      .update(deployments)
      .set({ undeployedAt: new Date() })
      .where(and(eq(deployments.apiId, api.id), isNull(deployments.undeployedAt)));
  }
  const [row] = await tx
    .update(apis)
    .set({
      status: next,
      updatedAt: new Date(),
      // Deprecation dates travel to the gateways, which answer with Deprecation and Sunset headers.
      ...(next === "DEPRECATED" ? { deprecatedAt: new Date(), sunsetAt: sunsetAt ? new Date(sunsetAt) : null } : {}),
    })
    .where(eq(apis.id, api.id))
    .returning();
  await redeploy(tx, s.deploy, actor.tenantId, envs);
  await audit(tx, actor, {
    action: "api.lifecycle",
    target: { type: "api", id: api.id },
    summary: { action, status: [api.status, next] },
  });
  return row!;
}

export async function changeLifecycle(
  s: Services,
  actor: Actor,
  id: string,
  request: z.infer<typeof LifecycleRequest>,
): Promise<ServiceResult<Api>> {
  const { action } = request;
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
    const row = await transition(tx, s, actor, api, action, next, request.sunsetAt);
    if (next === "PUBLISHED" && request.deprecatePreviousVersions) {
      const others = await tx
        .select()
        .from(apis)
        .where(and(eq(apis.context, api.context), ne(apis.id, api.id), eq(apis.status, "PUBLISHED")));
      for (const other of others) {
        await transition(tx, s, actor, other, "deprecate", "DEPRECATED");
      }
    }
    return ok(row);
  });
  if (!result.ok) {
    return result;
  }
  s.publishBundles();
  return ok(toApi(result.value));
}

/** A new version of the API: a copy of its working copy under the same context, CREATED. */
export async function createVersion(s: Services, actor: Actor, id: string, version: string) {
  try {
    return await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<Api>> => {
      const source = await findApi(tx, id);
      if (!source) {
        return notFound("API");
      }
      const [row] = await tx
        .insert(apis)
        .values({
          tenantId: actor.tenantId,
          name: source.name,
          context: source.context,
          version,
          description: source.description,
          upstreamUrl: source.upstreamUrl,
          resources: source.resources,
          openapi: source.openapi,
          policies: source.policies,
          tags: source.tags,
          subscriptionApproval: source.subscriptionApproval,
        })
        .returning();
      await audit(tx, actor, {
        action: "api.create",
        target: { type: "api", id: row!.id },
        summary: {
          after: { name: row!.name, context: row!.context, version },
          copiedFrom: { id, version: source.version },
        },
      });
      return ok(toApi(row!));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", `version ${version} of this API exists`);
    }
    throw e;
  }
}
