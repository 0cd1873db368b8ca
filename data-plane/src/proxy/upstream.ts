import type { BundleUpstream } from "@portico/shared/bundle";
import type { UpstreamPool } from "./client.js";

/**
 * What the gateway knows about one endpoint, shared by every API that uses it and kept
 * across bundle swaps (keyed by the endpoint's URL), so a redeploy does not forget a dead
 * endpoint or re-open a breaker.
 */
export interface EndpointState {
  /** consecutive passive failures */
  failures: number;
  /** epoch ms until which the breaker is open (0: closed) */
  openUntil: number;
  /** active health: false once `unhealthyThreshold` probes failed in a row */
  healthy: boolean;
  healthyStreak: number;
  unhealthyStreak: number;
  lastProbe: number;
  probing: boolean;
}

export class EndpointStates {
  readonly #states = new Map<string, EndpointState>();

  get(key: string): EndpointState {
    let s = this.#states.get(key);
    if (s === undefined) {
      s = {
        failures: 0,
        openUntil: 0,
        healthy: true,
        healthyStreak: 0,
        unhealthyStreak: 0,
        lastProbe: 0,
        probing: false,
      };
      this.#states.set(key, s);
    }
    return s;
  }

  retainOnly(keys: ReadonlySet<string>): void {
    for (const key of this.#states.keys()) {
      if (!keys.has(key)) {
        this.#states.delete(key);
      }
    }
  }
}

export interface Endpoint {
  /** origin + path: the URL the state is shared by */
  readonly key: string;
  readonly origin: string;
  readonly pool: UpstreamPool;
  readonly weight: number;
  readonly state: EndpointState;
  /** smooth weighted round-robin accumulator (nginx's algorithm) */
  current: number;
}

/** Methods a retry cannot turn into a second effect (RFC 9110 §9.2.2). */
export const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/** An API's endpoints, balancing and failure rules, built once per bundle apply. */
export class UpstreamGroup {
  readonly endpoints: readonly Endpoint[];
  readonly retries: number;
  readonly perTryTimeoutMs: number | undefined;
  readonly totalTimeoutMs: number | undefined;
  readonly healthCheck: BundleUpstream["healthCheck"];
  readonly #failureThreshold: number;
  readonly #openMs: number;
  readonly #totalWeight: number;

  constructor(endpoints: Endpoint[], config: BundleUpstream) {
    this.endpoints = endpoints;
    this.retries = config.retries ?? 0;
    this.perTryTimeoutMs = config.perTryTimeoutMs;
    this.totalTimeoutMs = config.totalTimeoutMs;
    this.healthCheck = config.healthCheck;
    this.#failureThreshold = config.circuitBreaker?.failureThreshold ?? 5;
    this.#openMs = config.circuitBreaker?.openMs ?? 30_000;
    this.#totalWeight = endpoints.reduce((n, e) => n + e.weight, 0);
  }

  #usable(e: Endpoint, now: number): boolean {
    return e.state.healthy && e.state.openUntil <= now;
  }

  /**
   * The next endpoint by weight among those healthy with a closed breaker, avoiding `not`
   * (the one that just failed) when another is usable; undefined when none is. An open
   * breaker past its time lets one trial through and stays open until that trial succeeds.
   */
  pick(now: number, not?: Endpoint): Endpoint | undefined {
    const eps = this.endpoints;
    let chosen: Endpoint | undefined;
    if (eps.length === 1) {
      const only = eps[0] as Endpoint;
      chosen = this.#usable(only, now) ? only : undefined;
    } else {
      let total = 0;
      for (const e of eps) {
        if (e === not || !this.#usable(e, now)) {
          continue;
        }
        e.current += e.weight;
        total += e.weight;
        if (chosen === undefined || e.current > chosen.current) {
          chosen = e;
        }
      }
      if (chosen === undefined && not !== undefined && this.#usable(not, now)) {
        chosen = not;
        total = not.weight;
      }
      if (chosen !== undefined) {
        chosen.current -= total > 0 ? total : this.#totalWeight;
      }
    }
    if (chosen !== undefined && chosen.state.failures >= this.#failureThreshold) {
      // half-open: this request is the trial; others wait for its outcome
      chosen.state.openUntil = now + this.#openMs;
    }
    return chosen;
  }

  success(e: Endpoint): void {
    if (e.state.failures !== 0) {
      e.state.failures = 0;
      e.state.openUntil = 0;
    }
  }

  failure(e: Endpoint, now: number): void {
    e.state.failures++;
    if (e.state.failures >= this.#failureThreshold) {
      e.state.openUntil = now + this.#openMs;
    }
  }
}
