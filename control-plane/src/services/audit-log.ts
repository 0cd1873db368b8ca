import { ok } from "@portico/shared";
import { and, eq, gte, lt, type SQL } from "drizzle-orm";
import { z } from "zod";
import { auditEvents } from "../db/schema/index.js";
import { isId } from "./apis.js";
import type { Actor, Services } from "./context.js";
import { fail } from "./errors.js";
import { PageQuery, pager } from "./pagination.js";

export const AuditQuery = PageQuery.extend({
  action: z.string().max(60).optional().meta({ description: "e.g. api.lifecycle" }),
  targetType: z.string().max(40).optional(),
  targetId: z.string().max(100).optional(),
  actorId: z.string().max(100).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});

export async function listAudit(s: Services, actor: Actor, q: z.infer<typeof AuditQuery>) {
  const p = pager(q, auditEvents.createdAt, auditEvents.id);
  if (p === "invalid-cursor") {
    return fail("validation-failed", "cursor is not valid", [{ path: "cursor", message: "not a cursor of this list" }]);
  }
  if (q.actorId !== undefined && !isId(q.actorId)) {
    return ok({ items: [], nextCursor: null });
  }
  const where: (SQL | undefined)[] = [
    p.after,
    q.action ? eq(auditEvents.action, q.action) : undefined,
    q.targetType ? eq(auditEvents.targetType, q.targetType) : undefined,
    q.targetId ? eq(auditEvents.targetId, q.targetId) : undefined,
    q.actorId ? eq(auditEvents.actorId, q.actorId) : undefined,
    q.from ? gte(auditEvents.createdAt, new Date(q.from)) : undefined,
    q.to ? lt(auditEvents.createdAt, new Date(q.to)) : undefined,
  ];
  const rows = await s.db.withTenant(actor.tenantId, (tx) =>
    tx
      .select({
        id: auditEvents.id,
        actorId: auditEvents.actorId,
        actorRole: auditEvents.actorRole,
        action: auditEvents.action,
        targetType: auditEvents.targetType,
        targetId: auditEvents.targetId,
        summary: auditEvents.summary,
        createdAt: auditEvents.createdAt,
        cursorValue: p.cursorValue,
      })
      .from(auditEvents)
      .where(and(...where))
      .orderBy(...p.orderBy)
      .limit(p.fetch),
  );
  const page = p.page(rows);
  return ok({ ...page, items: page.items.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) });
}
