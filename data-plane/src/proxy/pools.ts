import { UpstreamPool } from "./client.js";

export interface UpstreamTimeouts {
  /** Until the upstream's response headers arrive; past it the client gets 504. */
  headersTimeoutMs: number;
  /** Between two chunks of the upstream's response body. */
  bodyTimeoutMs: number;
  connectTimeoutMs: number;
}

/**
 * One keep-alive pool per upstream origin, shared by every API and tenant that points there
 * and kept across bundle swaps, so a redeploy does not drop warm connections.
 */
export class UpstreamPools {
  readonly #pools = new Map<string, UpstreamPool>();
  readonly #timeouts: UpstreamTimeouts;

  constructor(timeouts: UpstreamTimeouts) {
    this.#timeouts = timeouts;
  }

  get(origin: string): UpstreamPool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      pool = new UpstreamPool(origin, { connections: 256, ...this.#timeouts });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /**
   * Closes pools no served API points at any more. `close()` lets requests already on them
   * finish; run it well after a swap so a request that resolved the old config has dispatched.
   */
  retainOnly(origins: ReadonlySet<string>): void {
    for (const [origin, pool] of this.#pools) {
      if (!origins.has(origin)) {
        this.#pools.delete(origin);
        void pool.close().catch(() => {});
      }
    }
  }

  async close(): Promise<void> {
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((p) => p.close()));
  }
}
