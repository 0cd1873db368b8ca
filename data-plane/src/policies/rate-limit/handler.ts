import type { RateLimitConfig } from "@portico/shared/policies";
import type { Exchange, FrameLimit } from "../../http/exchange.js";
import type { RateDecision } from "../../traffic/rate-limit.js";
import { type Outcome, PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

const RATE_LIMITED = reject("rate-limited");

function decide(ex: Exchange, decision: RateDecision): Outcome {
  ex.rate = decision;
  return decision.allowed ? PASS : RATE_LIMITED;
}

/** An admitted WebSocket upgrade: the client's messages draw from the same bucket from now on. */
function countFrames(ex: Exchange, mode: "close" | "drop", take: () => RateDecision): void {
  const limit: FrameLimit = { mode, take: () => take().allowed };
  if (ex.frameLimits === null) {
    ex.frameLimits = [limit];
  } else {
    ex.frameLimits.push(limit);
  }
}

/** What one bucket counts, read from the request. */
function discriminator(config: RateLimitConfig): (ex: Exchange) => string {
  switch (config.by) {
    case "application":
      // An anonymous caller (auth off for the resource) counts by its address instead.
      return (ex) => ex.applicationId ?? `ip:${ex.req.socket.remoteAddress ?? ""}`;
    case "ip":
      return (ex) => ex.req.socket.remoteAddress ?? "";
    case "header": {
      const header = config.header ?? "";
      return (ex) => {
        const v = ex.req.headers[header];
        return typeof v === "string" ? v : "";
      };
    }
    default:
      return () => "";
  }
}

/**
 * Token bucket per key. `by: subscription` uses the limits the subscription policy found: the
 * subscription tier's rate (token bucket), the application tier (shared across gateways and
 * APIs) and the subscription tier's monthly quota, in that order;
 * every other `by` has its own limit, and a bucket key fixed at compile time plus the caller's
 * discriminator, so buckets survive bundle swaps until the limit changes.
 */
export function createRateLimitHandler(config: RateLimitConfig, deps: PolicyDeps): PolicyHandler {
  const { limiter } = deps;
  const frames = config.websocketFrames ?? "close";
  if (config.by === "subscription") {
    return {
      onRequest(ex) {
        const sub = ex.subscription;
        if (sub === null) {
          return PASS;
        }
        const limit = sub.limit;
        if (limit !== null) {
          const outcome = decide(ex, limiter.take(limit, performance.now()));
          if (!outcome.ok) {
            return outcome;
          }
          if (ex.upgrade) {
            countFrames(ex, frames, () => limiter.take(limit, performance.now()));
          }
        }
        if (sub.application === null && sub.quota === null) {
          return PASS;
        }
        const now = Date.now();
        const outcome = sub.application === null ? PASS : sub.application.check(ex, now);
        return !outcome.ok || sub.quota === null ? outcome : sub.quota.check(ex, now);
      },
    };
  }
  const capacity = config.limit;
  if (capacity === undefined) {
    throw new Error(`rate-limit ${deps.policyId}: no limit`);
  }
  const refillPerMs = capacity / config.windowMs;
  const prefix = `${deps.tenant.id}|${deps.apiId}|${deps.attachedTo}|${deps.policyId}|${capacity}/${config.windowMs}|`;
  const of = discriminator(config);
  if (config.shared) {
    const { shared } = deps;
    const { windowMs } = config;
    return {
      onRequest(ex) {
        const key = prefix + of(ex);
        const outcome = decide(ex, shared.take(key, capacity, windowMs, Date.now()));
        if (ex.upgrade && outcome.ok) {
          countFrames(ex, frames, () => shared.take(key, capacity, windowMs, Date.now()));
        }
        return outcome;
      },
    };
  }
  return {
    onRequest(ex) {
      const limit = { key: prefix + of(ex), capacity, refillPerMs };
      const outcome = decide(ex, limiter.take(limit, performance.now()));
      if (ex.upgrade && outcome.ok) {
        countFrames(ex, frames, () => limiter.take(limit, performance.now()));
      }
      return outcome;
    },
  };
}
