import { err, ok, type Result } from "@portico/shared";
import type { ApiStatus, DeploymentBundle } from "@portico/shared/bundle";
import type { Pool } from "undici";
import { type ApiKeyIndex, indexApiKeys } from "../auth/api-key.js";
import { TokenVerifier } from "../auth/jwt.js";
import type { GatewayMetrics, TenantMeters } from "../metrics.js";
import type { UpstreamPools } from "../proxy/pools.js";
import { type RateLimit, tierLimit } from "../traffic/rate-limit.js";

export interface CompiledApi {
  readonly id: string;
  readonly version: string;
  readonly status: ApiStatus;
  readonly authRequired: boolean;
  readonly pool: Pool;
  /** upstream URL path without trailing slash ("" for the root) */
  readonly basePath: string;
  /** `/t/{slug}/{context}/{version}`, sent as X-Forwarded-Prefix so upstreams can build links */
  readonly prefix: string;
  /** Deprecation (RFC 9745) and Sunset (RFC 8594) response headers, null unless DEPRECATED */
  readonly deprecationHeaders: Readonly<Record<string, string>> | null;
}

export interface CompiledSubscription {
  readonly id: string;
  /** null for an unlimited tier */
  readonly limit: RateLimit | null;
}

/** Everything the request path needs for one tenant, immutable once built. */
export interface CompiledTenant {
  readonly id: string;
  readonly slug: string;
  readonly version: number;
  readonly hash: string;
  /** The signed bundle it came from: a replay of the very same JWS is recognised without verifying. */
  readonly jws: string;
  /** `${context}/${version}` → API */
  readonly apis: ReadonlyMap<string, CompiledApi>;
  /** Most path segments any context/version key has, to bound the router's prefix search. */
  readonly maxRouteSegments: number;
  readonly apiKeys: ApiKeyIndex;
  /** `${applicationId}\n${apiId}` → ACTIVE subscription */
  readonly subscriptions: ReadonlyMap<string, CompiledSubscription>;
  readonly tokens: TokenVerifier;
  readonly meters: TenantMeters;
  /** Upstream origins in use, so pools nobody needs can be closed. */
  readonly origins: ReadonlySet<string>;
}

export interface CompileDeps {
  pools: UpstreamPools;
  metrics: GatewayMetrics;
}

/** A path segment that needs no escaping and cannot climb: the router compares it byte for byte. */
const SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;
const isSafeSegment = (s: string) => SEGMENT.test(s) && s !== "." && s !== "..";

export const subscriptionKey = (applicationId: string, apiId: string) => `${applicationId}\n${apiId}`;

/**
 * Builds the tenant's request-path structures. Anything it cannot make sense of rejects the
 * whole bundle (fail closed): serving half a config could open an API that should be locked.
 */
export function compileTenant(
  bundle: DeploymentBundle,
  jws: string,
  deps: CompileDeps,
): Result<CompiledTenant, string> {
  if (!isSafeSegment(bundle.tenant.slug)) {
    return err(`tenant slug "${bundle.tenant.slug}" cannot be a path segment`);
  }
  const apis = new Map<string, CompiledApi>();
  const origins = new Set<string>();
  let maxRouteSegments = 0;
  for (const api of bundle.apis) {
    if (api.status === "RETIRED") {
      continue;
    }
    const contextSegments = api.context.split("/");
    if (!contextSegments.every(isSafeSegment) || !isSafeSegment(api.version)) {
      return err(`API ${api.id}: context "${api.context}" / version "${api.version}" is not a clean path`);
    }
    const upstream = new URL(api.upstream.url);
    if ((upstream.protocol !== "http:" && upstream.protocol !== "https:") || upstream.search || upstream.hash) {
      return err(`API ${api.id}: upstream must be an http(s) URL without query or fragment`);
    }
    const key = `${api.context}/${api.version}`;
    if (apis.has(key)) {
      return err(`two APIs serve ${key}`);
    }
    origins.add(upstream.origin);
    apis.set(key, {
      id: api.id,
      version: api.version,
      status: api.status,
      authRequired: api.authRequired,
      pool: deps.pools.get(upstream.origin),
      basePath: upstream.pathname.replace(/\/+$/, ""),
      prefix: `/t/${bundle.tenant.slug}/${key}`,
      deprecationHeaders: deprecationHeaders(api),
    });
    maxRouteSegments = Math.max(maxRouteSegments, contextSegments.length + 1);
  }

  const tiers = new Map(bundle.tiers.map((t) => [t.name, t]));
  const subscriptions = new Map<string, CompiledSubscription>();
  for (const s of bundle.subscriptions) {
    const tier = tiers.get(s.tier);
    if (tier === undefined) {
      return err(`subscription ${s.id} names unknown tier "${s.tier}"`);
    }
    if (s.status === "ACTIVE") {
      subscriptions.set(subscriptionKey(s.applicationId, s.apiId), { id: s.id, limit: tierLimit(s.id, tier) });
    }
  }

  const tokens = TokenVerifier.create(bundle);
  if (!tokens.ok) {
    return tokens;
  }
  const apiKeys = indexApiKeys(bundle.apiKeys);
  if (!apiKeys.ok) {
    return apiKeys;
  }
  return ok({
    id: bundle.tenant.id,
    slug: bundle.tenant.slug,
    version: bundle.version,
    hash: bundle.hash,
    jws,
    apis,
    maxRouteSegments,
    apiKeys: apiKeys.value,
    subscriptions,
    tokens: tokens.value,
    meters: deps.metrics.meters(bundle.tenant.id),
    origins,
  });
}

function deprecationHeaders(api: DeploymentBundle["apis"][number]): Record<string, string> | null {
  if (api.status !== "DEPRECATED") {
    return null;
  }
  const at = api.deprecatedAt ? Date.parse(api.deprecatedAt) : Number.NaN;
  const headers: Record<string, string> = { deprecation: Number.isNaN(at) ? "true" : `@${Math.floor(at / 1000)}` };
  const sunset = api.sunsetAt ? Date.parse(api.sunsetAt) : Number.NaN;
  if (!Number.isNaN(sunset)) {
    headers.sunset = new Date(sunset).toUTCString();
  }
  return headers;
}
