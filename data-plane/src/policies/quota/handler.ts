import type { QuotaConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { periodBounds } from "../../traffic/tier-limit.js";
import { PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

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
