import { and, eq, gt, isNull } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import { auditEvents } from "../db/schema/index.js";
import { type AuditEntry, audit } from "./audit.js";

/**
 * Audit records of the tenant issuer's endpoints. They record what changes who can call what:
 * revocations, replays that revoke a token family, a user's consent to a client, and bursts of
 * failed client authentication. Successful token issuance is not recorded: a busy client asks
 * for a token every few minutes, so it would drown the log (and the webhooks fed from it);
 * analytics counts traffic, the audit log keeps decisions.
 */

/** An action of the OAuth client itself: no tenant user behind it. */
export const clientActor = (tenantId: string) => ({ tenantId, userId: null, role: null });

export function auditClient(tx: Tx, tenantId: string, clientId: string, entry: Omit<AuditEntry, "target">) {
  return audit(tx, clientActor(tenantId), { ...entry, target: { type: "oauth-client", id: clientId } });
}

/** At most one failed-authentication record per client id per window (a guessing burst is one record). */
export const CLIENT_AUTH_FAILURE_WINDOW_MS = 60_000;
const CLIENT_AUTH_FAILED = "oauth.client-auth-failed";

/**
 * A client failed to authenticate at `endpoint`. Unknown client ids share one record per
 * window (target id null), so a spray of invented ids cannot flood the log.
 */
export async function auditClientAuthFailure(
  tx: Tx,
  tenantId: string,
  presented: { clientId: string; known: boolean },
  endpoint: "token" | "revoke" | "introspect",
): Promise<void> {
  const targetId = presented.known ? presented.clientId : null;
  const since = new Date(Date.now() - CLIENT_AUTH_FAILURE_WINDOW_MS);
  const [recent] = await tx
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.action, CLIENT_AUTH_FAILED),
        targetId === null ? isNull(auditEvents.targetId) : eq(auditEvents.targetId, targetId),
        gt(auditEvents.createdAt, since),
      ),
    )
    .limit(1);
  if (recent) {
    return;
  }
  await audit(tx, clientActor(tenantId), {
    action: CLIENT_AUTH_FAILED,
    target: { type: "oauth-client", id: targetId },
    summary: {
      endpoint,
      ...(presented.known ? {} : { clientId: presented.clientId.slice(0, 100) }),
      windowSeconds: CLIENT_AUTH_FAILURE_WINDOW_MS / 1000,
    },
  });
}
