import { type Comment, type CreateCommentRequest, ok } from "@portico/shared";
import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { apiComments, apiRatings, users } from "../db/schema/index.js";
import { isId } from "./apis.js";
import { audit } from "./audit.js";
import { findCatalogApi, inPortal, ratingSummary } from "./catalog.js";
import type { Actor, Services } from "./context.js";
import { fail, notFound, type ServiceResult } from "./errors.js";
import { invalidCursor, type PageQuery, pager } from "./pagination.js";

/** Ratings (1–5, one per user and API) and comments on catalog APIs. */

type CommentRow = typeof apiComments.$inferSelect;
const toComment = (r: CommentRow): Comment => ({
  id: r.id,
  apiId: r.apiId,
  authorId: r.authorId,
  author: r.author,
  body: r.body,
  createdAt: r.createdAt.toISOString(),
});

async function ratingOf(tx: Tx, apiId: string, userId: string) {
  const [mine] = await tx
    .select({ rating: apiRatings.rating })
    .from(apiRatings)
    .where(and(eq(apiRatings.apiId, apiId), eq(apiRatings.userId, userId)));
  return { ...(await ratingSummary(tx, apiId)), mine: mine?.rating ?? null };
}

export function getMyRating(s: Services, actor: Actor, apiId: string) {
  return s.db.withTenant(actor.tenantId, async (tx) =>
    (await findCatalogApi(tx, apiId)) ? ok(await ratingOf(tx, apiId, actor.userId)) : notFound("API"),
  );
}

/** A second rating by the same user replaces the first. */
export function rateApi(s: Services, actor: Actor, apiId: string, rating: number) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    if (!(await findCatalogApi(tx, apiId))) {
      return notFound("API");
    }
    await tx
      .insert(apiRatings)
      .values({ tenantId: actor.tenantId, apiId, userId: actor.userId, rating })
      .onConflictDoUpdate({ target: [apiRatings.apiId, apiRatings.userId], set: { rating, updatedAt: new Date() } });
    await audit(tx, actor, { action: "api.rate", target: { type: "api", id: apiId }, summary: { rating } });
    return ok(await ratingOf(tx, apiId, actor.userId));
  });
}

export function createComment(s: Services, actor: Actor, apiId: string, input: z.infer<typeof CreateCommentRequest>) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<Comment>> => {
    if (!(await findCatalogApi(tx, apiId))) {
      return notFound("API");
    }
    const [user] = await tx.select({ email: users.email }).from(users).where(eq(users.id, actor.userId));
    const [row] = await tx
      .insert(apiComments)
      .values({
        tenantId: actor.tenantId,
        apiId,
        authorId: actor.userId,
        author: (user?.email ?? "someone").split("@")[0]!,
        body: input.body,
      })
      .returning();
    await audit(tx, actor, {
      action: "comment.create",
      target: { type: "comment", id: row!.id },
      summary: { apiId, length: input.body.length },
    });
    return ok(toComment(row!));
  });
}

/** Authors delete their own comments; admins moderate any. */
export function deleteComment(s: Services, actor: Actor, apiId: string, commentId: string) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<null>> => {
    const [row] =
      isId(apiId) && isId(commentId)
        ? await tx
            .select()
            .from(apiComments)
            .where(and(eq(apiComments.apiId, apiId), eq(apiComments.id, commentId)))
        : [];
    if (!row) {
      return notFound("comment");
    }
    if (row.authorId !== actor.userId && actor.role !== "admin") {
      return fail("forbidden", "only the author or an admin may delete a comment");
    }
    await tx.delete(apiComments).where(eq(apiComments.id, commentId));
    await audit(tx, actor, {
      action: "comment.delete",
      target: { type: "comment", id: commentId },
      summary: { apiId, authorId: row.authorId },
    });
    return ok(null);
  });
}

/** Oldest first by default: a conversation reads top to bottom. */
export function listComments(s: Services, slug: string, apiId: string, q: PageQuery) {
  const p = pager(q, apiComments.createdAt, apiComments.id);
  if (p === "invalid-cursor") {
    return Promise.resolve(invalidCursor());
  }
  return inPortal(s, slug, async (tx) => {
    if (!(await findCatalogApi(tx, apiId))) {
      return notFound("API");
    }
    const rows = await tx
      .select({ row: apiComments, cursorValue: p.cursorValue })
      .from(apiComments)
      .where(and(eq(apiComments.apiId, apiId), p.after))
      .orderBy(...p.orderBy)
      .limit(p.fetch);
    const page = p.page(rows.map((r) => ({ ...r.row, cursorValue: r.cursorValue })));
    return ok({ items: page.items.map(toComment), nextCursor: page.nextCursor });
  });
}
