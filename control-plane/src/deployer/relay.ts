import type { NatsNames } from "@portico/shared";
import type { Bus } from "@portico/shared/bus";
import { asc, inArray, isNull } from "drizzle-orm";
import type { Logger } from "pino";
import type { Database } from "../db/client.js";
import { outbox } from "../db/schema/index.js";
import type { LeaderLock } from "../workers/leader.js";
import { PollingLoop } from "../workers/polling-loop.js";

const POLL_MS = 1000;
const PUT_TIMEOUT_MS = 5000;
const BATCH = 100;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Puts committed bundles from the outbox on the bus, oldest first, only the newest of each
 * (tenant, environment). Rows are marked published only after the bus accepted them, so a bus
 * outage delays bundles but loses none. It holds no transaction while talking to the bus.
 */
export class OutboxRelay {
  readonly #loop = new PollingLoop(
    () => this.#drain(),
    POLL_MS,
    (error) => this.log.warn({ err: error }, "outbox relay: will retry"),
  );

  constructor(
    private readonly db: Database,
    private readonly bus: Bus,
    private readonly names: NatsNames,
    private readonly log: Logger,
    /** Several control planes share one outbox: only the leader drains it (undefined: always). */
    private readonly leader?: LeaderLock,
  ) {}

  /** Whether this control plane publishes bundles (as of its last poll). */
  get leading(): boolean {
    return this.leader?.leading ?? true;
  }

  start(): void {
    this.#loop.start();
  }

  /** Publish now (called after a commit that queued a bundle). */
  kick(): void {
    this.#loop.kick();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
    await this.leader?.close();
  }

  async #drain(): Promise<void> {
    if (this.leader && !(await this.leader.check())) {
      return;
    }
    for (;;) {
      const rows = await this.db.system
        .select()
        .from(outbox)
        .where(isNull(outbox.publishedAt))
        .orderBy(asc(outbox.id))
        .limit(BATCH)
        .catch((error: unknown) => {
          this.log.warn({ err: error }, "outbox relay: cannot read the outbox");
          return [];
        });
      if (rows.length === 0) {
        return;
      }
      const byKey = new Map<string, (typeof rows)[number][]>();
      for (const r of rows) {
        const key = `${r.tenantId}/${r.busKey}`;
        byKey.set(key, [...(byKey.get(key) ?? []), r]);
      }
      // Only the newest bundle of each (tenant, environment) travels; older ones are superseded.
      // A bundle the bus refuses stays queued without holding back other tenants'.
      // Stamped when the put starts: deployments measure propagation to gateway acks from here.
      const done: { ids: number[]; at: Date }[] = [];
      for (const group of byKey.values()) {
        const newest = group.at(-1)!;
        const at = new Date();
        try {
          await withTimeout(
            this.bus.kvPut(this.names.bundleBucket(newest.busKey), newest.tenantId, newest.jws),
            PUT_TIMEOUT_MS,
          );
          done.push({ ids: group.map((r) => r.id), at });
        } catch (error) {
          this.log.warn(
            { err: error, tenant: newest.tenantId, environment: newest.busKey, version: newest.version },
            "outbox relay: publish failed, will retry",
          );
        }
      }
      for (const { ids, at } of done) {
        await this.db.system.update(outbox).set({ publishedAt: at }).where(inArray(outbox.id, ids));
      }
      if (done.reduce((n, d) => n + d.ids.length, 0) < rows.length || rows.length < BATCH) {
        return;
      }
    }
  }
}
