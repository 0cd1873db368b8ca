import type { Logger } from "pino";
import type { TenantStore } from "../config/store.js";
import type { Endpoint } from "./upstream.js";

/**
 * Active health checks: every tick, probes the endpoints of every served API that asks for
 * them and whose interval has passed. One timer for the whole gateway; endpoint state is
 * shared by URL, so an endpoint several APIs use is probed once per interval.
 */
export class HealthChecker {
  readonly #store: TenantStore;
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;

  constructor(store: TenantStore, logger: Logger) {
    this.#store = store;
    this.#logger = logger;
  }

  start(tickMs = 100): void {
    this.#timer = setInterval(() => this.tick(Date.now()), tickMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  tick(now: number): void {
    for (const tenant of this.#store.all()) {
      for (const api of tenant.targets) {
        const check = api.upstream.healthCheck;
        if (check === undefined) {
          continue;
        }
        for (const e of api.upstream.endpoints) {
          if (!e.state.probing && now - e.state.lastProbe >= check.intervalMs) {
            this.#probe(e, api.basePath + check.path, check);
          }
        }
      }
    }
  }

  #probe(
    e: Endpoint,
    path: string,
    check: { timeoutMs: number; healthyThreshold: number; unhealthyThreshold: number },
  ): void {
    const s = e.state;
    s.probing = true;
    s.lastProbe = Date.now();
    e.pool
      .probe(path, check.timeoutMs)
      .then(
        (status) => status < 400,
        () => false,
      )
      .then((ok) => {
        s.probing = false;
        if (ok) {
          s.unhealthyStreak = 0;
          s.healthyStreak++;
          if (!s.healthy && s.healthyStreak >= check.healthyThreshold) {
            s.healthy = true;
            this.#logger.info({ endpoint: e.key }, "upstream endpoint healthy again");
          }
        } else {
          s.healthyStreak = 0;
          s.unhealthyStreak++;
          if (s.healthy && s.unhealthyStreak >= check.unhealthyThreshold) {
            s.healthy = false;
            this.#logger.warn({ endpoint: e.key }, "upstream endpoint unhealthy");
          }
        }
      });
  }
}
