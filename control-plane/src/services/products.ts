import {
  type CreateProductRequest,
  type LifecycleRequest,
  ok,
  type Product,
  type ProductResourceRef,
  type UpdateProductRequest,
} from "@portico/shared";
import { and, eq, inArray, isNull, ne, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { apis, productDeployments, products, tiers } from "../db/schema/index.js";
import { type CatalogListQuery, catalogFilters, isId } from "./apis.js";
import { audit, changes } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { contextOwner, contextTakenDetail } from "./contexts.js";
import { type DomainError, fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { preconditionFailed } from "./etag.js";
import { changeLifecycleOf, deleteOf, type LifecycleSubject } from "./lifecycle.js";
import { listPage } from "./pagination.js";

type ProductRow = typeof products.$inferSelect;
type ApiRow = typeof apis.$inferSelect;
type Ref = z.infer<typeof ProductResourceRef>;

export const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  name: r.name,
  context: r.context,
  version: r.version,
  status: r.status,
  description: r.description,
  resources: r.resources,
  tiers: r.tiers,
  subscriptionApproval: r.subscriptionApproval,
  deprecatedAt: r.deprecatedAt?.toISOString() ?? null,
  sunsetAt: r.sunsetAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** Developers see the products they may subscribe to, and nothing of those still in the making. */
const visibleTo = (actor: Actor) => (actor.role === "developer" ? eq(products.status, "PUBLISHED") : undefined);

export async function findProduct(tx: Tx, id: string, actor?: Actor): Promise<ProductRow | undefined> {
  if (!isId(id)) {
    return undefined;
  }
  const [row] = await tx
    .select()
    .from(products)
    .where(and(eq(products.id, id), actor ? visibleTo(actor) : undefined));
  return row;
}

export interface ResolvedResource {
  ref: Ref;
  api: ApiRow;
  resource: ApiRow["resources"][number];
}

/**
 * Each reference resolved to the resource an API of this tenant declares (other tenants' APIs
 * are invisible here under RLS); every one that does not resolve is listed in one 400.
 */
export async function resolveResources(tx: Tx, refs: Ref[]): Promise<ServiceResult<ResolvedResource[]>> {
  const ids = [...new Set(refs.map((r) => r.apiId).filter(isId))];
  const rows = ids.length ? await tx.select().from(apis).where(inArray(apis.id, ids)) : [];
  const byId = new Map(rows.map((a) => [a.id, a]));
  const resolved: ResolvedResource[] = [];
  const errors: DomainError["errors"] = [];
  const seen = new Set<string>();
  for (const [i, ref] of refs.entries()) {
    const api = byId.get(ref.apiId);
    const resource = api?.resources.find((r) => r.method === ref.method && r.path === ref.path);
    const key = `${ref.method} ${ref.path}`;
    if (!api || api.status === "RETIRED") {
      errors.push({ path: `resources.${i}.apiId`, message: `no API ${ref.apiId}` });
    } else if (!resource) {
      errors.push({ path: `resources.${i}`, message: `${key} is not a resource of API ${ref.apiId}` });
    } else if (seen.has(key)) {
      errors.push({ path: `resources.${i}`, message: `${key} is listed twice` });
    } else {
      resolved.push({ ref, api, resource });
    }
    seen.add(key);
  }
  if (errors.length > 0) {
    return fail("validation-failed", `resources not found: ${errors.map((e) => e.message).join("; ")}`, errors);
  }
  return ok(resolved);
}

async function tierProblems(tx: Tx, names: string[] | null | undefined): Promise<DomainError | null> {
  if (!names) {
    return null;
  }
  // Products offer subscription tiers: the kind subscriptions are made with.
  const known = new Set(
    (await tx.select({ name: tiers.name }).from(tiers).where(eq(tiers.kind, "subscription"))).map((t) => t.name),
  );
  const errors = names.flatMap((n, i) => (known.has(n) ? [] : [{ path: `tiers.${i}`, message: `no tier "${n}"` }]));
  return errors.length ? { code: "validation-failed", detail: "unknown tiers", errors } : null;
}

export async function createProduct(
  s: Services,
  actor: Actor,
  input: z.infer<typeof CreateProductRequest>,
): Promise<ServiceResult<Product>> {
  try {
    return await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<Product>> => {
      const resolved = await resolveResources(tx, input.resources);
      if (!resolved.ok) {
        return resolved;
      }
      const badTiers = await tierProblems(tx, input.tiers);
      if (badTiers) {
        return { ok: false, error: badTiers };
      }
      const owner = await contextOwner(tx, input.context, input.version);
      if (owner) {
        return fail("conflict", contextTakenDetail(owner, input.context, input.version));
      }
      const [r] = await tx
        .insert(products)
        .values({
          tenantId: actor.tenantId,
          name: input.name,
          context: input.context,
          version: input.version,
          description: input.description ?? null,
          resources: input.resources,
          tiers: input.tiers ?? null,
          subscriptionApproval: input.subscriptionApproval ?? false,
        })
        .returning();
      await audit(tx, actor, {
        action: "product.create",
        target: { type: "product", id: r!.id },
        summary: { after: { name: r!.name, context: r!.context, version: r!.version, resources: r!.resources.length } },
      });
      return ok(toProduct(r!));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", contextTakenDetail("API product", input.context, input.version));
    }
    throw e;
  }
}

export function listProducts(s: Services, actor: Actor, q: z.infer<typeof CatalogListQuery>) {
  return listPage(
    s.db,
    actor.tenantId,
    products,
    q,
    q.sort === "name" ? products.name : products.createdAt,
    [...catalogFilters(q, products), visibleTo(actor)],
    toProduct,
  );
}

export async function getProduct(s: Services, actor: Actor, id: string): Promise<ServiceResult<Product>> {
  const row = await s.db.withTenant(actor.tenantId, (tx) => findProduct(tx, id, actor));
  return row ? ok(toProduct(row)) : notFound("API product");
}

export async function updateProduct(
  s: Services,
  actor: Actor,
  id: string,
  input: z.infer<typeof UpdateProductRequest>,
  ifMatch?: string,
): Promise<ServiceResult<Product>> {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<Product>> => {
    // The row lock orders concurrent writers; the ETag detects lost updates.
    const [current] = isId(id) ? await tx.select().from(products).where(eq(products.id, id)).for("update") : [];
    if (!current) {
      return notFound("API product");
    }
    const stale = preconditionFailed(ifMatch, toProduct(current));
    if (stale) {
      return stale;
    }
    if (input.resources) {
      const resolved = await resolveResources(tx, input.resources);
      if (!resolved.ok) {
        return resolved;
      }
    }
    const badTiers = await tierProblems(tx, input.tiers);
    if (badTiers) {
      return { ok: false, error: badTiers };
    }
    const [after] = await tx
      .update(products)
      .set({
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.resources !== undefined ? { resources: input.resources } : {}),
        ...(input.tiers !== undefined ? { tiers: input.tiers } : {}),
        ...(input.subscriptionApproval !== undefined ? { subscriptionApproval: input.subscriptionApproval } : {}),
        updatedAt: new Date(),
      })
      .where(eq(products.id, id))
      .returning();
    await audit(tx, actor, {
      action: "product.update",
      target: { type: "product", id },
      summary: changes(current, after!, ["name", "description", "resources", "tiers", "subscriptionApproval"]),
    });
    return ok(toProduct(after!));
  });
}

/** Environments where the product is live now. */
export async function liveProductEnvironments(tx: Tx, productId: string): Promise<string[]> {
  const rows = await tx
    .select({ env: productDeployments.environmentId })
    .from(productDeployments)
    .where(and(eq(productDeployments.productId, productId), isNull(productDeployments.undeployedAt)));
  return rows.map((r) => r.env);
}

export const deleteProduct = (s: Services, actor: Actor, id: string) => deleteOf(s, actor, productLifecycle, id);

const productLifecycle: LifecycleSubject<ProductRow> = {
  noun: "API product",
  type: "product",
  find: (tx, id) => findProduct(tx, id),
  liveEnvironments: liveProductEnvironments,
  async undeployAll(tx, id) {
    await tx
      .update(productDeployments)
      .set({ undeployedAt: new Date() })
      .where(and(eq(productDeployments.productId, id), isNull(productDeployments.undeployedAt)));
  },
  update: async (tx, id, change) => (await tx.update(products).set(change).where(eq(products.id, id)).returning())[0]!,
  publishedSiblings: (tx, product) =>
    tx
      .select()
      .from(products)
      .where(and(eq(products.context, product.context), ne(products.id, product.id), eq(products.status, "PUBLISHED"))),
  async remove(tx, id) {
    await tx.delete(products).where(eq(products.id, id));
    return null;
  },
};

export async function changeProductLifecycle(
  s: Services,
  actor: Actor,
  id: string,
  request: z.infer<typeof LifecycleRequest>,
): Promise<ServiceResult<Product>> {
  const result = await changeLifecycleOf(s, actor, productLifecycle, id, request);
  return result.ok ? ok(toProduct(result.value)) : result;
}

/** The products whose resources include operations of this API, by name. */
export async function productsUsing(tx: Tx, apiId: string): Promise<string[]> {
  const rows = await tx
    .select({ name: products.name })
    .from(products)
    .where(sql`${products.resources} @> ${JSON.stringify([{ apiId }])}::jsonb`);
  return rows.map((r) => r.name);
}
