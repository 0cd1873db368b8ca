import type { AnalyticsEvent } from "@portico/shared";
import { eq, inArray, sql } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../../db/client.js";
import { analyticsExportBatches, analyticsExporters } from "../../db/schema/index.js";
import type { SecretBox } from "../../keys/secret-box.js";
import { backoffMs } from "../webhook-dispatcher.js";
import { otlpLogs } from "./otlp.js";

export const EXPORT_POLL_MS = 1000;
const TIMEOUT_MS = 10_000;
const CLAIM = 20;
/** With backoff doubling from 1 s and capped at 10 minutes: about 80 minutes of trying before a batch is set aside. */
const MAX_EXPORT_ATTEMPTS = 16;

type Exporter = typeof analyticsExporters.$inferSelect;
type Batch = typeof analyticsExportBatches.$inferSelect;

export interface ExportDeps {
  db: Database;
  secrets: SecretBox;
  log: Logger;
  /** First retry delay (doubles per attempt). */
  baseBackoffMs: number;
}

/**
 * Delivers queued event batches to the tenants' exporters, at least once: a batch leaves the
 * queue only when its receiver answered 2xx, and each event keeps its id so receivers can drop
 * the repeats a lost answer causes. Claims use SKIP LOCKED, so several control planes share it.
 * Run it in a PollingLoop (every EXPORT_POLL_MS).
 */
export async function drainAnalyticsExports(deps: ExportDeps): Promise<void> {
  for (;;) {
    // Claiming pushes the next attempt out, so nobody else takes the batch while it travels.
    const claimed = (await deps.db.system.execute(sql`
      update analytics_export_batches set next_attempt_at = now() + interval '60 seconds'
      where id in (
        select id from analytics_export_batches
        where status = 'pending' and next_attempt_at <= now()
        order by next_attempt_at limit ${CLAIM} for update skip locked)
      returning id`)) as unknown as { id: string }[];
    if (claimed.length === 0) {
      return;
    }
    const batches = await deps.db.system
      .select({ batch: analyticsExportBatches, exporter: analyticsExporters })
      .from(analyticsExportBatches)
      .innerJoin(analyticsExporters, eq(analyticsExporters.id, analyticsExportBatches.exporterId))
      .where(
        inArray(
          analyticsExportBatches.id,
          claimed.map((c) => c.id),
        ),
      );
    await Promise.all(batches.map((b) => deliver(deps, b.batch, b.exporter)));
  }
}

async function deliver(deps: ExportDeps, batch: Batch, exporter: Exporter): Promise<void> {
  const failure = await send(deps.secrets, batch, exporter);
  if (failure === null) {
    await deps.db.system.transaction(async (tx) => {
      await tx.delete(analyticsExportBatches).where(eq(analyticsExportBatches.id, batch.id));
      await tx
        .update(analyticsExporters)
        .set({ lastDeliveredAt: new Date(), lastError: null })
        .where(eq(analyticsExporters.id, exporter.id));
    });
    return;
  }
  const attempts = batch.attempts + 1;
  const giveUp = attempts >= MAX_EXPORT_ATTEMPTS;
  await deps.db.system.transaction(async (tx) => {
    await tx
      .update(analyticsExportBatches)
      .set({
        attempts,
        lastError: failure,
        status: giveUp ? "failed" : "pending",
        nextAttemptAt: new Date(Date.now() + backoffMs(attempts, deps.baseBackoffMs)),
      })
      .where(eq(analyticsExportBatches.id, batch.id));
    await tx.update(analyticsExporters).set({ lastError: failure }).where(eq(analyticsExporters.id, exporter.id));
  });
  if (giveUp) {
    deps.log.error({ exporter: exporter.id, batch: batch.id, failure }, "analytics export batch set aside");
  }
}

/** null when the receiver took the batch; else why not. */
async function send(secrets: SecretBox, batch: Batch, exporter: Exporter): Promise<string | null> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": "Portico-Analytics-Export/1",
    "x-portico-batch": batch.id,
  };
  if (exporter.secretHeader && exporter.secretSealed) {
    const secret = secrets.open(exporter.secretSealed);
    if (secret === null) {
      return "the exporter's secret cannot be opened with this installation's secrets key";
    }
    headers[exporter.secretHeader] = secret;
  }
  const events = batch.events as AnalyticsEvent[];
  const target = exporter.kind === "otlp" ? otlpLogsUrl(exporter.url) : exporter.url;
  const body = JSON.stringify(exporter.kind === "otlp" ? otlpLogs(events) : { batchId: batch.id, events });
  try {
    const res = await fetch(target, {
      method: "POST",
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? null : `HTTP ${res.status}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** The OTLP/HTTP logs path under a collector's base URL, unless the URL names it already. */
export const otlpLogsUrl = (url: string) =>
  url.replace(/\/+$/, "").endsWith("/v1/logs") ? url : `${url.replace(/\/+$/, "")}/v1/logs`;
