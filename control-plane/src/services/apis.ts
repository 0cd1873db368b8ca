import {
  type Api,
  ApiStatus,
  type CreateApiRequest,
  type LifecycleRequest,
  ok,
  type UpdateApiRequest,
  type Upstream,
} from "@portico/shared";
import { and, eq, ilike, isNull, ne, or } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Tx } from "../db/client.js";
import { apis, deployments, environments } from "../db/schema/index.js";
import { audit, changes } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { contextOwner, contextTakenDetail } from "./contexts.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { etagOf, preconditionFailed } from "./etag.js";
import { changeLifecycleOf, deleteOf, type LifecycleSubject } from "./lifecycle.js";
import { listPage, PageQuery } from "./pagination.js";
import { productsUsing } from "./products.js";
import { tierExists, unknownTier } from "./tiers.js";

type ApiRow = typeof apis.$inferSelect;

export const toApi = (r: ApiRow): Api => ({
  id: r.id,
  name: r.name,
  context: r.context,
  version: r.version,
  status: r.status,
  description: r.description,
  upstream: { url: r.upstreamUrl, ...(r.upstreamGroup ?? {}) },
  resources: r.resources,
  tags: r.tags,
  subscriptionApproval: r.subscriptionApproval,
  deprecatedAt: r.deprecatedAt?.toISOString() ?? null,
  sunsetAt: r.sunsetAt?.toISOString() ?? null,
  policies: r.policies,
  tier: r.tier,
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

/** The REST upstream split into the url column and the group beyond it (null: the url alone). */
function upstreamColumns(upstream: z.infer<typeof Upstream>) {
  const { url, ...group } = upstream;
  return { upstreamUrl: url, upstreamGroup: Object.keys(group).length > 0 ? group : null };
}

/** An API tier must name a tier of kind api; null clears it. */
async function checkApiTier(tx: Tx, tier: string | null | undefined) {
  return tier && !(await tierExists(tx, "api", tier)) ? unknownTier("api", tier) : undefined;
}

export async function createApi(s: Services, actor: Actor, input: NewApi): Promise<ServiceResult<Api>> {
  try {
    return await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<Api>> => {
      const owner = await contextOwner(tx, input.context, input.version);
      if (owner) {
        return fail("conflict", contextTakenDetail(owner, input.context, input.version));
      }
      const badTier = await checkApiTier(tx, input.tier);
      if (badTier) {
        return badTier;
      }
      const [r] = await tx
        .insert(apis)
        .values({
          tenantId: actor.tenantId,
          name: input.name,
          context: input.context,
          version: input.version,
          description: input.description ?? null,
          ...upstreamColumns(input.upstream),
          tier: input.tier ?? null,
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
      return ok(toApi(r!));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", `an API with context /${input.context} and version ${input.version} exists`);
    }
    throw e;
  }
}

/** The list query of APIs and API products. */
export const CatalogListQuery = PageQuery.extend({
  status: ApiStatus.optional(),
  q: z.string().max(100).optional().meta({ description: "part of the name or context, any case" }),
  sort: z.enum(["createdAt", "name"]).default("createdAt"),
});

/** The status and text filters of that query, on any table with those columns. */
export function catalogFilters(
  q: z.infer<typeof CatalogListQuery>,
  t: { status: AnyPgColumn; name: AnyPgColumn; context: AnyPgColumn },
) {
  const like = q.q ? `%${q.q.replace(/[\\%_]/g, "\\$&")}%` : undefined;
  return [
    q.status ? eq(t.status, q.status) : undefined,
    like ? or(ilike(t.name, like), ilike(t.context, like)) : undefined,
  ];
}

export function listApis(s: Services, actor: Actor, q: z.infer<typeof CatalogListQuery>) {
  return listPage(
    s.db,
    actor.tenantId,
    apis,
    q,
    q.sort === "name" ? apis.name : apis.createdAt,
    catalogFilters(q, apis),
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
    const badTier = await checkApiTier(tx, input.tier);
    if (badTier) {
      return badTier;
    }
    const [after] = await tx
      .update(apis)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.upstream ? upstreamColumns(input.upstream) : {}),
        ...(input.tier !== undefined ? { tier: input.tier } : {}),
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
      summary: changes(current, after!, [
        "name",
        "description",
        "upstreamUrl",
        "upstreamGroup",
        "tier",
        "subscriptionApproval",
        "tags",
      ]),
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

export const deleteApi = (s: Services, actor: Actor, id: string) => deleteOf(s, actor, apiLifecycle, id);

const apiLifecycle: LifecycleSubject<ApiRow> = {
  noun: "API",
  type: "api",
  find: findApi,
  liveEnvironments,
  async undeployAll(tx, id) {
    await tx
      .update(deployments)
      .set({ undeployedAt: new Date() })
      .where(and(eq(deployments.apiId, id), isNull(deployments.undeployedAt)));
  },
  update: async (tx, id, change) => (await tx.update(apis).set(change).where(eq(apis.id, id)).returning())[0]!,
  publishedSiblings: (tx, api) =>
    tx
      .select()
      .from(apis)
      .where(and(eq(apis.context, api.context), ne(apis.id, api.id), eq(apis.status, "PUBLISHED"))),
  async remove(tx, id) {
    // A product serves a snapshot of the API's operations; deleting the API first would leave
    // gateways serving an API that no longer exists anywhere else.
    const using = await productsUsing(tx, id);
    if (using.length > 0) {
      return `the API products ${using.join(", ")} include operations of this API; remove them from those first`;
    }
    await tx.delete(apis).where(eq(apis.id, id));
    return null;
  },
};

export async function changeLifecycle(
  s: Services,
  actor: Actor,
  id: string,
  request: z.infer<typeof LifecycleRequest>,
): Promise<ServiceResult<Api>> {
  const result = await changeLifecycleOf(s, actor, apiLifecycle, id, request);
  return result.ok ? ok(toApi(result.value)) : result;
}

/** A new version of the API: a copy of its working copy under the same context, CREATED. */
export async function createVersion(s: Services, actor: Actor, id: string, version: string) {
  try {
    return await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<Api>> => {
      const source = await findApi(tx, id);
      if (!source) {
        return notFound("API");
      }
      const owner = await contextOwner(tx, source.context, version);
      if (owner) {
        return fail("conflict", contextTakenDetail(owner, source.context, version));
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
