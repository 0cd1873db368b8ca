import { TIER_UNIT_MS, type Tier } from "@portico/shared/bundle";

/** A tier's limits, resolved once per bundle apply. */
export interface RateLimit {
  /** Bucket key: subscription id + limits, so a bucket survives bundle swaps until its tier changes. */
  key: string;
  capacity: number;
  /** tokens per millisecond */
  refillPerMs: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** seconds until the bucket is full again */
  resetS: number;
  /** seconds until the next request would pass; 0 when allowed */
  retryAfterS: number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** when it will be full again, so the sweep knows it can forget it */
  fullAt: number;
}

/** A tier's rate as a token bucket holding `burst` (default: one unit's worth); null when it has none. */
export function tierLimit(subscriptionId: string, tier: Tier): RateLimit | null {
  if (tier.requests === null) {
    return null;
  }
  const capacity = tier.burst ?? tier.requests;
  return {
    key: `${subscriptionId}|${tier.requests}/${tier.unit}|${capacity}`,
    capacity,
    refillPerMs: tier.requests / TIER_UNIT_MS[tier.unit],
  };
}

/**
 * Token buckets refilled continuously. Local to this gateway: N gateways behind a balancer
 * allow up to N times the tier, the usual trade for not calling anything on the request path.
 */
export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>();

  take(limit: RateLimit, now: number): RateDecision {
    let bucket = this.#buckets.get(limit.key);
    if (bucket === undefined) {
      bucket = { tokens: limit.capacity, at: now, fullAt: now };
      this.#buckets.set(limit.key, bucket);
    } else {
      bucket.tokens = Math.min(limit.capacity, bucket.tokens + (now - bucket.at) * limit.refillPerMs);
      bucket.at = now;
    }
    const allowed = bucket.tokens >= 1;
    if (allowed) {
      bucket.tokens -= 1;
    }
    const untilFullMs = (limit.capacity - bucket.tokens) / limit.refillPerMs;
    bucket.fullAt = now + untilFullMs;
    return {
      allowed,
      limit: limit.capacity,
      remaining: Math.floor(bucket.tokens),
      resetS: Math.ceil(untilFullMs / 1000),
      retryAfterS: allowed ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / limit.refillPerMs / 1000)),
    };
  }

  /** A bucket that has refilled is the same as no bucket; dropping those bounds memory. */
  sweep(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (now >= bucket.fullAt) {
        this.#buckets.delete(key);
      }
    }
  }

  get size(): number {
    return this.#buckets.size;
  }
}
