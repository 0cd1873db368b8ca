import { type BundleApi, type BundleResource, sha256Hex } from "@portico/shared/bundle";
import { MemoryBus } from "@portico/shared/bus";
import { pino } from "pino";
import type { ApiKeyIndex } from "../auth/api-key.js";
import type { TokenVerifier } from "../auth/jwt.js";
import { Exchange } from "../http/exchange.js";
import type { GatewayRequest } from "../http/request.js";
import type { GatewayResponse } from "../http/response.js";
import { RateLimiter } from "../traffic/rate-limit.js";
import { ResponseCaches } from "../traffic/response-cache.js";
import { SharedCounters } from "../traffic/shared-counter.js";
import type { PolicyDeps, TenantPolicyContext } from "./types.js";

/** An Exchange without sockets, for handler tests (hono's `app.request` style). */
export function testExchange(headers: Record<string, string | string[]> = {}, remoteAddress = "10.0.0.1"): Exchange {
  const socket = { bytesWritten: 0, remoteAddress };
  const req = { headers, socket, url: "/", method: "GET", upgrade: false, body: null } as unknown as GatewayRequest;
  return new Exchange(req, { bytesWritten: 0 } as GatewayResponse);
}

/** A bare API as a bundle would carry it, for handlers that read their API or resource. */
export const TEST_API: BundleApi = {
  id: "api-1",
  name: "api-1",
  context: "test",
  version: "v1",
  status: "PUBLISHED",
  upstream: { url: "http://127.0.0.1:9" },
  revision: { id: "rev-1", number: 1 },
  authRequired: true,
  deprecatedAt: null,
  sunsetAt: null,
  policies: [],
  resources: [],
};

export function testDeps(
  over: Partial<TenantPolicyContext> = {},
  policyId = "p",
  at: { api?: BundleApi; resource?: BundleResource | null; caches?: ResponseCaches } = {},
): PolicyDeps {
  const apiKeys: ApiKeyIndex = new Map([
    [sha256Hex("good-key"), { applicationId: "app1", expiresAt: null, allowedIps: null, allowedReferrers: null }],
  ]);
  return {
    tenant: {
      id: "tenant-1",
      apiKeys,
      tokens: {} as TokenVerifier,
      subscriptions: new Map(),
      ...over,
    },
    apiId: (at.api ?? TEST_API).id,
    api: at.api ?? TEST_API,
    resource: at.resource ?? null,
    caches: at.caches ?? new ResponseCaches(1024 * 1024),
    attachedTo: "",
    policyId,
    limiter: new RateLimiter(),
    shared: new SharedCounters(new MemoryBus(), "test.ratelimit", "gw-test", pino({ level: "silent" })),
  };
}
