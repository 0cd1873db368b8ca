import { randomUUID } from "node:crypto";
import { type CompactBatch, DICTIONARY_POSITIONS, EVENT_COLUMNS, type EventRow, type NatsNames } from "@portico/shared";
import type { Bus } from "@portico/shared/bus";
import type { Logger } from "pino";
import type { GatewayMetrics } from "../metrics.js";
import type { AnalyticsSpool } from "./spool.js";

const MAX_BATCH = 500;
const REPLAY_MS = 2000;

export interface AnalyticsShipperOptions {
  bus: Bus;
  names: NatsNames;
  environment: string;
  gatewayId: string;
  spool: AnalyticsSpool;
  metrics: GatewayMetrics;
  flushMs: number;
  logger: Logger;
}

/** One tenant's rows waiting to ship, with the texts they repeat said once. */
class PendingBatch {
  readonly rows: EventRow[] = [];
  readonly strings: string[] = [];
  readonly #index = new Map<string, number>();

  /** Keeps the row with its repeated texts (API, version, resource, method, application…) as indexes into `strings`. */
  add(row: EventRow): void {
    for (const p of DICTIONARY_POSITIONS) {
      const text = row[p];
      if (typeof text === "string") {
        let i = this.#index.get(text);
        if (i === undefined) {
          i = this.strings.length;
          this.strings.push(text);
          this.#index.set(text, i);
        }
        row[p] = i;
      }
    }
    this.rows.push(row);
  }
}

/**
 * Collects request events per tenant, as rows under `EVENT_COLUMNS`, and ships them as compact
 * batches on the tenant's analytics subject. A batch the bus refuses goes to the spool, which
 * is replayed while the bus is up.
 */
export class AnalyticsShipper {
  readonly #o: AnalyticsShipperOptions;
  readonly #buffers = new Map<string, PendingBatch>();
  readonly #inflight = new Set<Promise<void>>();
  #flushTimer: NodeJS.Timeout | undefined;
  #replayTimer: NodeJS.Timeout | undefined;
  #replaying: Promise<void> | undefined;

  constructor(options: AnalyticsShipperOptions) {
    this.#o = options;
  }

  start(): void {
    this.#o.metrics.spoolDepth.set(this.#o.spool.depth);
    this.#flushTimer = setInterval(() => this.flush(), this.#o.flushMs);
    this.#replayTimer = setInterval(() => this.#replay(), REPLAY_MS);
  }

  push(tenantId: string, row: EventRow): void {
    let buffer = this.#buffers.get(tenantId);
    if (buffer === undefined) {
      buffer = new PendingBatch();
      this.#buffers.set(tenantId, buffer);
    }
    buffer.add(row);
    if (buffer.rows.length >= MAX_BATCH) {
      this.#ship(tenantId);
    }
  }

  flush(): void {
    for (const tenantId of [...this.#buffers.keys()]) {
      this.#ship(tenantId);
    }
  }

  /** Ships what is buffered and waits until every batch is on the bus or on disk. */
  async close(): Promise<void> {
    clearInterval(this.#flushTimer);
    clearInterval(this.#replayTimer);
    this.flush();
    await this.#replaying;
    await Promise.all(this.#inflight);
  }

  #ship(tenantId: string): void {
    const pending = this.#buffers.get(tenantId);
    this.#buffers.delete(tenantId);
    if (pending === undefined || pending.rows.length === 0) {
      return;
    }
    const batch: CompactBatch = {
      batchId: randomUUID(),
      tenant: tenantId,
      environment: this.#o.environment,
      gateway: this.#o.gatewayId,
      columns: EVENT_COLUMNS,
      strings: pending.strings,
      rows: pending.rows,
    };
    const json = JSON.stringify(batch);
    const p = this.#publishOrSpool(tenantId, batch.batchId, json, pending.rows.length);
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p));
  }

  async #publishOrSpool(tenantId: string, batchId: string, json: string, count: number): Promise<void> {
    try {
      await this.#o.bus.streamPublish(this.#o.names.analyticsSubject(this.#o.environment, tenantId), json, batchId);
      return;
    } catch (error) {
      this.#o.logger.debug({ err: error, batchId }, "analytics batch not published; spooling");
    }
    if (await this.#o.spool.write(batchId, json)) {
      this.#o.metrics.spoolDepth.set(this.#o.spool.depth);
    } else {
      this.#o.metrics.analyticsDropped.inc(count);
      this.#o.logger.error({ batchId, count }, "analytics spool full or unwritable; events dropped");
    }
  }

  #replay(): void {
    if (this.#replaying || !this.#o.bus.isConnected() || this.#o.spool.depth === 0) {
      return;
    }
    this.#replaying = this.#replaySpool()
      .catch((error: unknown) => this.#o.logger.warn({ err: error }, "analytics spool replay failed"))
      .finally(() => {
        this.#replaying = undefined;
        this.#o.metrics.spoolDepth.set(this.#o.spool.depth);
      });
  }

  async #replaySpool(): Promise<void> {
    const { spool, bus, names, environment } = this.#o;
    for (const name of await spool.list()) {
      const read = await spool.read(name);
      const tenantId = read.ok ? read.value.batch.events[0]?.tenant : undefined;
      if (!read.ok || tenantId === undefined) {
        this.#o.logger.error({ file: name }, "unreadable analytics spool file set aside");
        await spool.quarantine(name);
        continue;
      }
      // A failure stops this round; the next one retries from here.
      await bus.streamPublish(names.analyticsSubject(environment, tenantId), read.value.json, read.value.batch.batchId);
      await spool.remove(name);
    }
  }
}
