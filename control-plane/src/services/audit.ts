import type { Tx } from "../db/client.js";
import { auditEvents } from "../db/schema/index.js";
import type { Actor } from "./context.js";
import { enqueueWebhooks } from "./webhooks.js";

/** Who acted: a tenant user, or (OAuth endpoints) an OAuth client, recorded without a user. */
export type AuditActor = Pick<Actor, "tenantId"> & { userId: string | null; role: Actor["role"] | null };

export interface AuditEntry {
  action: string;
  target: { type: string; id?: string | null };
  /** Before/after summaries of what changed. Never put secrets here. */
  summary?: Record<string, unknown>;
}

/**
 * Records a change in the caller's transaction: it commits or rolls back with the change.
 * The same record is the event webhooks subscribe to, queued in the same transaction.
 */
export async function audit(tx: Tx, actor: AuditActor, entry: AuditEntry): Promise<void> {
  const [row] = await tx
    .insert(auditEvents)
    .values({
      tenantId: actor.tenantId,
      actorId: actor.userId,
      actorRole: actor.role,
      action: entry.action,
      targetType: entry.target.type,
      targetId: entry.target.id ?? null,
      summary: entry.summary ?? {},
    })
    .returning();
  await enqueueWebhooks(tx, actor.tenantId, row!);
}

/** The fields of `after` that differ from `before`, as `{field: [before, after]}`. */
export function changes<T extends Record<string, unknown>>(
  before: T,
  after: T,
  fields: (keyof T)[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (JSON.stringify(before[f]) !== JSON.stringify(after[f])) {
      out[f as string] = [before[f], after[f]];
    }
  }
  return out;
}
