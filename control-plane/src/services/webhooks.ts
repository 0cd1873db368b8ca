import { type CreateWebhookRequest, newSecret, ok } from "@portico/shared";
import { desc, eq } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { type auditEvents, webhookDeliveries, webhooks } from "../db/schema/index.js";
import { isId } from "./apis.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, notFound, type ServiceResult } from "./errors.js";
import { listPage, type PageQuery } from "./pagination.js";

type WebhookRow = typeof webhooks.$inferSelect;
const toWebhook = (w: WebhookRow) => ({ id: w.id, url: w.url, events: w.events, createdAt: w.createdAt.toISOString() });

const matches = (filters: string[], action: string) =>
  filters.some((f) => f === "*" || f === action || (f.endsWith(".*") && action.startsWith(f.slice(0, -1))));

/** Queues a delivery of the audit event to every webhook of the tenant that asked for it. */
export async function enqueueWebhooks(tx: Tx, tenantId: string, event: typeof auditEvents.$inferSelect): Promise<void> {
  const hooks = (await tx.select().from(webhooks)).filter((w) => matches(w.events, event.action));
  if (hooks.length === 0) {
    return;
  }
  const payload = {
    id: event.id,
    type: event.action,
    tenant: tenantId,
    time: event.createdAt.toISOString(),
    actor: event.actorId ? { id: event.actorId, role: event.actorRole } : null,
    target: { type: event.targetType, id: event.targetId },
    data: event.summary,
  };
  await tx
    .insert(webhookDeliveries)
    .values(hooks.map((w) => ({ tenantId, webhookId: w.id, event: event.action, payload })));
}

export async function createWebhook(s: Services, actor: Actor, input: z.infer<typeof CreateWebhookRequest>) {
  if (!s.webhookAllowPrivate && isPrivateTarget(new URL(input.url))) {
    return fail("validation-failed", "webhook URLs must be public", [
      { path: "url", message: "loopback or private address" },
    ]);
  }
  const secret = newSecret("whsec_", 32);
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const [row] = await tx
      .insert(webhooks)
      .values({ tenantId: actor.tenantId, url: input.url, events: input.events, secret })
      .returning();
    await audit(tx, actor, {
      action: "webhook.create",
      target: { type: "webhook", id: row!.id },
      summary: { after: { url: input.url, events: input.events } },
    });
    return ok({ ...toWebhook(row!), secret });
  });
}

export const listWebhooks = (s: Services, actor: Actor, q: PageQuery) =>
  listPage(s.db, actor.tenantId, webhooks, q, webhooks.createdAt, [], toWebhook);

export async function deleteWebhook(s: Services, actor: Actor, id: string) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<null>> => {
    const [row] = isId(id) ? await tx.delete(webhooks).where(eq(webhooks.id, id)).returning() : [];
    if (!row) {
      return notFound("webhook");
    }
    await audit(tx, actor, {
      action: "webhook.delete",
      target: { type: "webhook", id },
      summary: { before: { url: row.url } },
    });
    return ok(null);
  });
}

export async function listDeliveries(s: Services, actor: Actor, webhookId: string) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const [hook] = isId(webhookId) ? await tx.select().from(webhooks).where(eq(webhooks.id, webhookId)) : [];
    if (!hook) {
      return notFound("webhook");
    }
    const rows = await tx
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.webhookId, webhookId))
      .orderBy(desc(webhookDeliveries.createdAt))
      .limit(100);
    return ok(
      rows.map((d) => ({
        id: d.id,
        event: d.event,
        status: d.status,
        attempts: d.attempts,
        lastStatusCode: d.lastStatusCode,
        lastError: d.lastError,
        nextAttemptAt: d.status === "pending" ? d.nextAttemptAt.toISOString() : null,
        deliveredAt: d.deliveredAt?.toISOString() ?? null,
        createdAt: d.createdAt.toISOString(),
      })),
    );
  });
}

/** Loopback, private, link-local and unspecified literals, and localhost: not for a SaaS to call. */
export function isPrivateTarget(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) {
    return true;
  }
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  return (
    host === "::1" ||
    host === "::" ||
    host.startsWith("fc") ||
    host.startsWith("fd") ||
    host.startsWith("fe80") ||
    host.startsWith("::ffff:")
  );
}
