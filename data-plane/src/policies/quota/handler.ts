import type { QuotaConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

/** [start, end) of the UTC calendar day or month containing `now`. */
export function periodBounds(period: "day" | "month", now: number): [number, number] {
  const d = new Date(now);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  return period === "month"
    ? [Date.UTC(y, m, 1), Date.UTC(y, m + 1, 1)]
    : [Date.UTC(y, m, d.getUTCDate()), Date.UTC(y, m, d.getUTCDate() + 1)];
}

const EXCEEDED = reject("quota-exceeded");

/** Counted in the environment's shared windows; the period's bounds are recomputed only when it ends. */
export function createQuotaHandler(config: z.infer<typeof QuotaConfig>, deps: PolicyDeps): PolicyHandler {
  const { limit, period, by } = config;
  const { shared } = deps;
  const prefix = `quota|${deps.tenant.id}|${deps.apiId}|${deps.attachedTo}|${deps.policyId}|${limit}|`;
  let [start, end] = periodBounds(period, Date.now());
  return {
    onRequest(ex) {
      const now = Date.now();
      if (now >= end || now < start) {
        [start, end] = periodBounds(period, now);
      }
      const who = by === "api" ? "" : (ex.applicationId ?? `ip:${ex.req.socket.remoteAddress ?? ""}`);
      const decision = shared.takeIn(prefix + who, limit, start, end, now);
      if (!decision.allowed) {
        ex.rate = decision;
        return EXCEEDED;
      }
      return PASS;
    },
  };
}
