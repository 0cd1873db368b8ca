import { err, ok, type Result } from "@portico/shared";
import { type ApiStatus, type BundleApi, type DeploymentBundle, TIER_UNIT_MS, type Tier } from "@portico/shared/bundle";
import type { Policy } from "@portico/shared/policies";
import { type ApiKeyIndex, indexApiKeys } from "../auth/api-key.js";
import { TokenVerifier } from "../auth/jwt.js";
import type { GatewayMetrics, TenantMeters } from "../metrics.js";
import { buildChain, type Chain, compileResources, effectivePolicies, type ResourceTable } from "../policies/chain.js";
import { subscriptionKey } from "../policies/subscription/handler.js";
import type { CompiledSubscription, PolicyHandler, TenantPolicyContext } from "../policies/types.js";
import type { UpstreamPools } from "../proxy/pools.js";
import { type Endpoint, type EndpointStates, UpstreamGroup } from "../proxy/upstream.js";
import { type RateLimiter, tierLimit } from "../traffic/rate-limit.js";
import type { SharedCounters } from "../traffic/shared-counter.js";
import { SharedTierLimit } from "../traffic/tier-limit.js";

export interface CompiledApi {
  readonly id: string;
  readonly version: string;
  readonly status: ApiStatus;
  readonly authRequired: boolean;
  readonly upstream: UpstreamGroup;
  /** upstream URL path without trailing slash ("" for the root) */
  readonly basePath: string;
  /** `/t/{slug}/{context}/{version}`, sent as X-Forwarded-Prefix so upstreams can build links */
  readonly prefix: string;
  /** Deprecation (RFC 9745) and Sunset (RFC 8594) response headers as a flat list, null unless DEPRECATED */
  readonly deprecationHeaders: readonly string[] | null;
  /** the policies of a request to an API without resources */
  readonly chain: Chain;
  /** null: every path below the API is served; otherwise only these operations */
  readonly resources: ResourceTable | null;
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
  limiter: RateLimiter;
  endpoints: EndpointStates;
  shared: SharedCounters;
}

/** A path segment that needs no escaping and cannot climb: the router compares it byte for byte. */
const SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=:@-]+$/;
const isSafeSegment = (s: string) => SEGMENT.test(s) && s !== "." && s !== "..";

export type { CompiledSubscription };
export { subscriptionKey };

type TiersByKind = Record<Tier["kind"], Map<string, Tier>>;

function tiersByKind(tiers: readonly Tier[]): TiersByKind {
  const byKind: TiersByKind = { subscription: new Map(), application: new Map(), api: new Map() };
  for (const t of tiers) {
    byKind[t.kind].set(t.name, t);
  }
  return byKind;
}

/** Application id → its application tier's limits, for applications on a limiting tier. */
function applicationLimits(
  bundle: DeploymentBundle,
  tiers: TiersByKind,
  shared: SharedCounters,
): Result<Map<string, SharedTierLimit>, string> {
  const limits = new Map<string, SharedTierLimit>();
  for (const app of bundle.applications) {
    const tier = tiers.application.get(app.tier);
    if (tier === undefined) {
      return err(`application ${app.id} names unknown application tier "${app.tier}"`);
    }
    const limit = SharedTierLimit.create(shared, `app|${bundle.tenant.id}|${app.id}`, tier, true);
    if (limit !== null) {
      limits.set(app.id, limit);
    }
  }
  return ok(limits);
}

/** The API tier as one handler shared by the API's chains; null when it limits nothing. */
function apiTierHandler(
  api: BundleApi,
  tenantId: string,
  tiers: TiersByKind,
  shared: SharedCounters,
): Result<PolicyHandler | null, string> {
  if (api.tier === undefined) {
    return ok(null);
  }
  const tier = tiers.api.get(api.tier);
  if (tier === undefined) {
    return err(`API ${api.id} names unknown API tier "${api.tier}"`);
  }
  const limit = SharedTierLimit.create(shared, `api|${tenantId}|${api.id}`, tier, true);
  return ok(limit === null ? null : { onRequest: (ex) => limit.check(ex, Date.now()) });
}

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
  const tiers = tiersByKind(bundle.tiers);
  const appLimits = applicationLimits(bundle, tiers, deps.shared);
  if (!appLimits.ok) {
    return appLimits;
  }
  const subscriptions = new Map<string, CompiledSubscription>();
  for (const s of bundle.subscriptions) {
    const tier = tiers.subscription.get(s.tier);
    if (tier === undefined) {
      return err(`subscription ${s.id} names unknown tier "${s.tier}"`);
    }
    if (s.status === "ACTIVE") {
      subscriptions.set(subscriptionKey(s.applicationId, s.apiId), {
        id: s.id,
        limit: tierLimit(s.id, tier),
        quota: SharedTierLimit.create(deps.shared, `sub|${bundle.tenant.id}|${s.id}`, tier, false),
        application: appLimits.value.get(s.applicationId) ?? null,
      });
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
  const policyContext: TenantPolicyContext = {
    id: bundle.tenant.id,
    apiKeys: apiKeys.value,
    tokens: tokens.value,
    subscriptions,
  };
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
    const endpointConfigs = api.upstream.endpoints ?? [{ url: api.upstream.url, weight: 1 }];
    const endpoints: Endpoint[] = [];
    for (const { url, weight } of endpointConfigs) {
      const u = new URL(url);
      if ((u.protocol !== "http:" && u.protocol !== "https:") || u.search || u.hash) {
        return err(`API ${api.id}: upstream must be an http(s) URL without query or fragment`);
      }
      if (u.pathname !== upstream.pathname) {
        return err(`API ${api.id}: every upstream endpoint needs the path of upstream.url (${upstream.pathname})`);
      }
      const key = `${u.origin}${u.pathname}`;
      endpoints.push({
        key,
        origin: u.origin,
        pool: deps.pools.get(u.origin),
        weight,
        state: deps.endpoints.get(key),
        current: 0,
      });
      origins.add(u.origin);
    }
    const key = `${api.context}/${api.version}`;
    if (apis.has(key)) {
      return err(`two APIs serve ${key}`);
    }
    const apiLimit = apiTierHandler(api, bundle.tenant.id, tiers, deps.shared);
    if (!apiLimit.ok) {
      return apiLimit;
    }
    let chain: Chain;
    let resources: ResourceTable | null;
    try {
      const ctx = {
        tenant: policyContext,
        apiId: api.id,
        limiter: deps.limiter,
        shared: deps.shared,
        apiLimit: apiLimit.value,
      };
      chain = buildChain(effectivePolicies(api.policies, api.authRequired), { ...ctx, attachedTo: "" });
      resources = compileResources(api, (r) => {
        const authRequired = api.authRequired && r.authRequired;
        if (!authRequired && r.scopes.length > 0) {
          throw new Error(`resource ${r.method} ${r.path} lists scopes but requires no auth`);
        }
        const declared: Policy[] = [...api.policies, ...r.policies];
        if (r.scopes.length > 0) {
          declared.push({ kind: "scopes", id: "resource-scopes", enabled: true, config: { scopes: r.scopes } });
        }
        if (r.tier !== undefined) {
          // API tiers first; subscription tiers were the only kind when resources got tiers.
          const tier = tiers.api.get(r.tier) ?? tiers.subscription.get(r.tier);
          if (tier === undefined) {
            throw new Error(`resource ${r.method} ${r.path} names unknown tier "${r.tier}"`);
          }
          if (tier.requests !== null) {
            declared.push({
              kind: "rate-limit",
              id: `resource-tier-${tier.name}`,
              enabled: true,
              config: { by: "application", limit: tier.requests, windowMs: TIER_UNIT_MS[tier.unit], shared: false },
            });
          }
        }
        return buildChain(effectivePolicies(declared, authRequired), { ...ctx, attachedTo: `${r.method} ${r.path}` });
      });
    } catch (error) {
      return err(`API ${api.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
    apis.set(key, {
      id: api.id,
      version: api.version,
      status: api.status,
      authRequired: api.authRequired,
      upstream: new UpstreamGroup(endpoints, api.upstream),
      basePath: upstream.pathname.replace(/\/+$/, ""),
      prefix: `/t/${bundle.tenant.slug}/${key}`,
      deprecationHeaders: deprecationHeaders(api),
      chain,
      resources,
    });
    maxRouteSegments = Math.max(maxRouteSegments, contextSegments.length + 1);
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

function deprecationHeaders(api: DeploymentBundle["apis"][number]): string[] | null {
  if (api.status !== "DEPRECATED") {
    return null;
  }
  const at = api.deprecatedAt ? Date.parse(api.deprecatedAt) : Number.NaN;
  const headers = ["deprecation", Number.isNaN(at) ? "true" : `@${Math.floor(at / 1000)}`];
  const sunset = api.sunsetAt ? Date.parse(api.sunsetAt) : Number.NaN;
  if (!Number.isNaN(sunset)) {
    headers.push("sunset", new Date(sunset).toUTCString());
  }
  return headers;
}
