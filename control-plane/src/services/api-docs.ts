import { type CreateDocPageRequest, type DocPage, ok, type UpdateDocPageRequest } from "@portico/shared";
import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { apiDocs } from "../db/schema/index.js";
import { findApi, isId } from "./apis.js";
import { audit, changes } from "./audit.js";
import { findCatalogApi, inPortal } from "./catalog.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { preconditionFailed } from "./etag.js";

/** Documentation pages of an API: Markdown its publishers write and the portal shows. */

type DocRow = typeof apiDocs.$inferSelect;
const toDoc = (r: DocRow): DocPage => ({
  id: r.id,
  apiId: r.apiId,
  slug: r.slug,
  title: r.title,
  body: r.body,
  position: r.position,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** Developers reach only catalog APIs' pages; publishers draft pages before publishing. */
const visibleApi = (tx: Tx, actor: Actor, apiId: string) =>
  actor.role === "developer" ? findCatalogApi(tx, apiId) : findApi(tx, apiId);

const pagesOf = (tx: Tx, apiId: string) =>
  tx.select().from(apiDocs).where(eq(apiDocs.apiId, apiId)).orderBy(asc(apiDocs.position), asc(apiDocs.title));

async function findDoc(tx: Tx, apiId: string, docId: string) {
  if (!isId(docId)) {
    return undefined;
  }
  const [row] = await tx
    .select()
    .from(apiDocs)
    .where(and(eq(apiDocs.apiId, apiId), eq(apiDocs.id, docId)));
  return row;
}

export function listDocs(s: Services, actor: Actor, apiId: string) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<DocPage[]>> => {
    if (!(await visibleApi(tx, actor, apiId))) {
      return notFound("API");
    }
    return ok((await pagesOf(tx, apiId)).map(toDoc));
  });
}

export function listPortalDocs(s: Services, slug: string, apiId: string) {
  return inPortal(s, slug, async (tx): Promise<ServiceResult<DocPage[]>> => {
    if (!(await findCatalogApi(tx, apiId))) {
      return notFound("API");
    }
    return ok((await pagesOf(tx, apiId)).map(toDoc));
  });
}

export function getDoc(s: Services, actor: Actor, apiId: string, docId: string) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<DocPage>> => {
    const row = (await visibleApi(tx, actor, apiId)) ? await findDoc(tx, apiId, docId) : undefined;
    return row ? ok(toDoc(row)) : notFound("documentation page");
  });
}

const slugTaken = (slug: string) => fail("conflict", `the API has a page with the slug "${slug}"`);

export async function createDoc(s: Services, actor: Actor, apiId: string, input: z.infer<typeof CreateDocPageRequest>) {
  try {
    return await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<DocPage>> => {
      if (!(await findApi(tx, apiId))) {
        return notFound("API");
      }
      const [row] = await tx
        .insert(apiDocs)
        .values({ tenantId: actor.tenantId, apiId, ...input })
        .returning();
      await audit(tx, actor, {
        action: "api-doc.create",
        target: { type: "api-doc", id: row!.id },
        summary: { apiId, after: { slug: input.slug, title: input.title } },
      });
      return ok(toDoc(row!));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return slugTaken(input.slug);
    }
    throw e;
  }
}

export async function updateDoc(
  s: Services,
  actor: Actor,
  apiId: string,
  docId: string,
  input: z.infer<typeof UpdateDocPageRequest>,
  ifMatch?: string,
) {
  try {
    return await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<DocPage>> => {
      const before = isId(apiId) ? await findDoc(tx, apiId, docId) : undefined;
      if (!before) {
        return notFound("documentation page");
      }
      await tx.select({ id: apiDocs.id }).from(apiDocs).where(eq(apiDocs.id, docId)).for("update");
      const stale = preconditionFailed(ifMatch, toDoc(before));
      if (stale) {
        return stale;
      }
      const [after] = await tx
        .update(apiDocs)
        .set({ ...input, updatedAt: new Date() })
        .where(eq(apiDocs.id, docId))
        .returning();
      await audit(tx, actor, {
        action: "api-doc.update",
        target: { type: "api-doc", id: docId },
        summary: { apiId, ...changes(before, after!, ["slug", "title", "position"]) },
      });
      return ok(toDoc(after!));
    });
  } catch (e) {
    if (isUniqueViolation(e) && input.slug) {
      return slugTaken(input.slug);
    }
    throw e;
  }
}

export function deleteDoc(s: Services, actor: Actor, apiId: string, docId: string) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<null>> => {
    const row = isId(apiId) ? await findDoc(tx, apiId, docId) : undefined;
    if (!row) {
      return notFound("documentation page");
    }
    await tx.delete(apiDocs).where(eq(apiDocs.id, docId));
    await audit(tx, actor, {
      action: "api-doc.delete",
      target: { type: "api-doc", id: docId },
      summary: { apiId, before: { slug: row.slug, title: row.title } },
    });
    return ok(null);
  });
}
