import { TIER_UNIT_MS, type Tier } from "@portico/shared/bundle";
import type { Exchange } from "../http/exchange.js";
import { type Outcome, PASS, reject } from "../policies/types.js";
import type { RateDecision } from "./rate-limit.js";
import type { SharedCounters } from "./shared-counter.js";

/** [start, end) of the UTC calendar day or month containing `now`. */
export function periodBounds(period: "day" | "month", now: number): [number, number] {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return period === "month"
    ? [Date.UTC(y, m, 1), Date.UTC(y, m + 1, 1)]
    : [Date.UTC(y, m, d.getUTCDate()), Date.UTC(y, m, d.getUTCDate() + 1)];
}

const RATE_LIMITED = reject("rate-limited");
const QUOTA_EXCEEDED = reject("quota-exceeded");

/** The headers tell the caller about the limit closest to biting. */
function keepTightest(ex: Exchange, d: RateDecision): void {
  if (ex.rate === undefined || !d.allowed || d.remaining < ex.rate.remaining) {
    ex.rate = d;
  }
}

/** The current calendar month, recomputed only when it ends (one per process). */
let monthStart = 0;
let monthEnd = 0;

/**
 * A tier's limits for one scope that spans gateways: an application across every API it is
 * subscribed to, an API across every caller, or one subscription's monthly quota. Counted in
 * the environment's shared windows (fixed windows of the tier's unit; the UTC calendar month
 * for the quota), the way shared rate-limit policies count. Built once per bundle apply; the
 * keys carry the limits, so counts survive bundle swaps until the tier changes.
 */
export class SharedTierLimit {
  readonly #shared: SharedCounters;
  readonly #rateKey: string | null;
  readonly #requests: number;
  readonly #windowMs: number;
  readonly #quotaKey: string | null;
  readonly #quota: number;

  private constructor(shared: SharedCounters, scope: string, tier: Tier, withRate: boolean) {
    this.#shared = shared;
    this.#requests = withRate && tier.requests !== null ? tier.requests : 0;
    this.#windowMs = TIER_UNIT_MS[tier.unit];
    this.#rateKey = this.#requests > 0 ? `${scope}|rate|${this.#requests}/${this.#windowMs}` : null;
    this.#quota = tier.stopOnQuota && tier.quotaPerMonth !== null ? tier.quotaPerMonth : 0;
    this.#quotaKey = this.#quota > 0 ? `${scope}|month|${this.#quota}` : null;
  }

  /**
   * null when the tier limits nothing in this scope, so the request path only ever tests for
   * null. `withRate: false` counts the quota only (a subscription's rate is its token bucket).
   */
  static create(shared: SharedCounters, scope: string, tier: Tier, withRate: boolean): SharedTierLimit | null {
    const limit = new SharedTierLimit(shared, scope, tier, withRate);
    return limit.#rateKey === null && limit.#quotaKey === null ? null : limit;
  }

  /** 429 rate-limited past the rate, 429 quota-exceeded past the month's quota. */
  check(ex: Exchange, now: number): Outcome {
    if (this.#rateKey !== null) {
      const decision = this.#shared.take(this.#rateKey, this.#requests, this.#windowMs, now);
      keepTightest(ex, decision);
      if (!decision.allowed) {
        return RATE_LIMITED;
      }
    }
    if (this.#quotaKey !== null) {
      if (now >= monthEnd || now < monthStart) {
        [monthStart, monthEnd] = periodBounds("month", now);
      }
      const decision = this.#shared.takeIn(this.#quotaKey, this.#quota, monthStart, monthEnd, now);
      keepTightest(ex, decision);
      if (!decision.allowed) {
        return QUOTA_EXCEEDED;
      }
    }
    return PASS;
  }
}
