import { createHmac } from "node:crypto";
import { and, asc, eq, lte, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../db/client.js";
import { webhookDeliveries, webhooks } from "../db/schema/index.js";
import { PollingLoop } from "../workers/polling-loop.js";

const POLL_MS = 1000;
const TIMEOUT_MS = 5000;
const BATCH = 50;
export const MAX_ATTEMPTS = 8;
/** 1 s, 2 s, 4 s … capped at 10 minutes. */
export const backoffMs = (attempts: number, baseMs = 1000) => Math.min(baseMs * 2 ** (attempts - 1), 600_000);

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`: verifiable and replay-resistant. */
export function signature(secret: string, body: string, at = Math.floor(Date.now() / 1000)): string {
  return `t=${at},v1=${createHmac("sha256", secret).update(`${at}.${body}`).digest("hex")}`;
}

/**
 * Delivers queued webhook events: claims due rows with SKIP LOCKED (several control planes
 * share the queue), POSTs them signed, and reschedules failures with exponential backoff.
 */
export class WebhookDispatcher {
  readonly #loop = new PollingLoop(
    () => this.#drain(),
    POLL_MS,
    (error) => this.log.warn({ err: error }, "webhooks: dispatch failed, will retry"),
  );

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly baseBackoffMs = 1000,
  ) {}

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  async #drain(): Promise<void> {
    for (;;) {
      const due = await this.db.system.transaction(async (tx) => {
        const rows = await tx
          .select({ delivery: webhookDeliveries, url: webhooks.url, secret: webhooks.secret })
          .from(webhookDeliveries)
          .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
          .where(and(eq(webhookDeliveries.status, "pending"), lte(webhookDeliveries.nextAttemptAt, new Date())))
          .orderBy(asc(webhookDeliveries.nextAttemptAt))
          .limit(BATCH)
          .for("update", { of: webhookDeliveries, skipLocked: true });
        // Claim: push the next attempt out so another dispatcher does not take them meanwhile.
        for (const r of rows) {
          await tx
            .update(webhookDeliveries)
            .set({ nextAttemptAt: sql`now() + interval '60 seconds'` })
            .where(eq(webhookDeliveries.id, r.delivery.id));
        }
        return rows;
      });
      if (due.length === 0) {
        return;
      }
      await Promise.all(due.map((d) => this.#deliver(d.delivery, d.url, d.secret)));
    }
  }

  async #deliver(d: typeof webhookDeliveries.$inferSelect, url: string, secret: string): Promise<void> {
    const body = JSON.stringify(d.payload);
    const attempts = d.attempts + 1;
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Portico-Webhooks/1",
          "x-portico-event": d.event,
          "x-portico-delivery": d.id,
          "x-portico-signature": signature(secret, body),
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      statusCode = res.status;
      await res.body?.cancel();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    const delivered = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const failed = !delivered && attempts >= MAX_ATTEMPTS;
    await this.db.system
      .update(webhookDeliveries)
      .set({
        attempts,
        lastStatusCode: statusCode,
        lastError: delivered ? null : (error ?? `HTTP ${statusCode}`),
        status: delivered ? "delivered" : failed ? "failed" : "pending",
        deliveredAt: delivered ? new Date() : null,
        nextAttemptAt: new Date(Date.now() + (delivered || failed ? 0 : backoffMs(attempts, this.baseBackoffMs))),
      })
      .where(eq(webhookDeliveries.id, d.id));
  }
}
