import { type CatalogApi, type CatalogQuery, ok } from "@portico/shared";
import { and, arrayContains, avg, count, eq, ilike, inArray, isNull, or, type SQL } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { apiRatings, apis, deployments, environments } from "../db/schema/index.js";
import { findApi } from "./apis.js";
import type { Services } from "./context.js";
import { findPortal } from "./developers.js";
import { notFound, type ServiceResult } from "./errors.js";
import { openApiDocument } from "./openapi.js";
import { invalidCursor, type PageQuery, pager } from "./pagination.js";

/**
 * The tenant's public catalog: what developers may discover and subscribe to. Only PUBLISHED
 * and DEPRECATED APIs are in it; CREATED, PRE-RELEASED, BLOCKED and RETIRED ones do not exist
 * here (404), for anonymous visitors and signed-in developers alike.
 */
export const CATALOG_STATUSES = ["PUBLISHED", "DEPRECATED"] as const;
const inCatalog = inArray(apis.status, [...CATALOG_STATUSES]);

type ApiRow = typeof apis.$inferSelect;

async function catalogCard(tx: Tx, slug: string, row: ApiRow): Promise<CatalogApi> {
  const live = await tx
    .select({ environment: environments.name, gatewayUrl: environments.gatewayUrl })
    .from(deployments)
    .innerJoin(environments, eq(environments.id, deployments.environmentId))
    .where(and(eq(deployments.apiId, row.id), isNull(deployments.undeployedAt)));
  return {
    id: row.id,
    name: row.name,
    context: row.context,
    version: row.version,
    status: row.status as CatalogApi["status"],
    description: row.description,
    tags: row.tags,
    resources: row.resources.map((r) => ({
      method: r.method,
      path: r.path,
      ...(r.summary ? { summary: r.summary } : {}),
    })),
    subscriptionApproval: row.subscriptionApproval,
    sunsetAt: row.sunsetAt?.toISOString() ?? null,
    endpoints: live
      .filter((l) => l.gatewayUrl)
      .map((l) => ({ environment: l.environment, url: `${l.gatewayUrl}/t/${slug}/${row.context}/${row.version}` })),
    rating: await ratingSummary(tx, row.id),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Mean rating to one decimal, and how many ratings there are. */
export async function ratingSummary(tx: Tx, apiId: string) {
  const [r] = await tx
    .select({ average: avg(apiRatings.rating), count: count() })
    .from(apiRatings)
    .where(eq(apiRatings.apiId, apiId));
  return { average: r?.average == null ? null : Math.round(Number(r.average) * 10) / 10, count: r?.count ?? 0 };
}

/** A catalog API of the transaction's tenant, or undefined when it is not in the catalog. */
export async function findCatalogApi(tx: Tx, id: string): Promise<ApiRow | undefined> {
  const row = await findApi(tx, id);
  return row && (CATALOG_STATUSES as readonly string[]).includes(row.status) ? row : undefined;
}

/** Runs `fn` in the portal tenant's transaction; 404 for a tenant that does not exist. */
export async function inPortal<T>(
  s: Services,
  slug: string,
  fn: (tx: Tx, tenantId: string) => Promise<ServiceResult<T>>,
): Promise<ServiceResult<T>> {
  const portal = await findPortal(s, slug);
  return portal ? s.db.withTenant(portal.id, (tx) => fn(tx, portal.id)) : notFound("portal");
}

export function listCatalog(s: Services, slug: string, q: z.infer<typeof CatalogQuery> & PageQuery) {
  const p = pager(q, apis.name, apis.id);
  if (p === "invalid-cursor") {
    return Promise.resolve(invalidCursor());
  }
  const like = q.q ? `%${q.q.replace(/[\\%_]/g, "\\$&")}%` : undefined;
  const filters: (SQL | undefined)[] = [
    inCatalog,
    like ? or(ilike(apis.name, like), ilike(apis.context, like), ilike(apis.description, like)) : undefined,
    q.tag ? arrayContains(apis.tags, [q.tag.toLowerCase()]) : undefined,
  ];
  return inPortal(s, slug, async (tx) => {
    const rows = await tx
      .select({ row: apis, cursorValue: p.cursorValue })
      .from(apis)
      .where(and(p.after, ...filters))
      .orderBy(...p.orderBy)
      .limit(p.fetch);
    const page = p.page(rows.map((r) => ({ ...r.row, cursorValue: r.cursorValue })));
    const items = [];
    for (const row of page.items) {
      items.push(await catalogCard(tx, slug, row));
    }
    return ok({ items, nextCursor: page.nextCursor });
  });
}

export function getCatalogApi(s: Services, slug: string, id: string) {
  return inPortal(s, slug, async (tx) => {
    const row = await findCatalogApi(tx, id);
    return row ? ok(await catalogCard(tx, slug, row)) : notFound("API");
  });
}

export function getCatalogOpenApi(s: Services, slug: string, id: string) {
  return inPortal(s, slug, async (tx) => {
    const row = await findCatalogApi(tx, id);
    return row ? ok(openApiDocument(row, `${s.gatewayUrl}/t/${slug}`)) : notFound("API");
  });
}

/** Tags in use in the catalog, with how many APIs carry each, most used first. */
export function catalogTags(s: Services, slug: string) {
  return inPortal(s, slug, async (tx) => {
    const rows = await tx.select({ tags: apis.tags }).from(apis).where(inCatalog);
    const counts = new Map<string, number>();
    for (const r of rows) {
      for (const t of r.tags) {
        counts.set(t, (counts.get(t) ?? 0) + 1);
      }
    }
    return ok(
      [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([tag, apis]) => ({ tag, apis })),
    );
  });
}
