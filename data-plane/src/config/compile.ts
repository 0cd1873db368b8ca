import { err, ok, type Result } from "@portico/shared";
import {
  type ApiStatus,
  type BundleApi,
  type BundleProduct,
  type BundleProductResource,
  type BundleResource,
  type BundleUpstream,
  type DeploymentBundle,
  TIER_UNIT_MS,
  type Tier,
} from "@portico/shared/bundle";
import type { Policy } from "@portico/shared/policies";
import { type ApiKeyIndex, indexApiKeys } from "../auth/api-key.js";
import { TokenVerifier } from "../auth/jwt.js";
import type { GatewayMetrics, RequestMeters } from "../metrics.js";
import {
  buildChain,
  type Chain,
  type ChainContext,
  compileResources,
  effectivePolicies,
  type ResourceTable,
} from "../policies/chain.js";
import { subscriptionKey } from "../policies/subscription/handler.js";
import { type CompiledSubscription, type PolicyHandler, reject, type TenantPolicyContext } from "../policies/types.js";
import type { UpstreamPools } from "../proxy/pools.js";
import { type Endpoint, type EndpointStates, UpstreamGroup } from "../proxy/upstream.js";
import { type RateLimiter, tierLimit } from "../traffic/rate-limit.js";
import type { ResponseCaches } from "../traffic/response-cache.js";
import type { SharedCounters } from "../traffic/shared-counter.js";
import { SharedTierLimit } from "../traffic/tier-limit.js";

/**
 * What a request is proxied with: an API's own entry, or one API of a product (the product's
 * prefix and lifecycle, the API's upstream). A product's routing entry has the same shape, with
 * a resource table whose every resource names its target.
 */
export interface CompiledApi {
  readonly id: string;
  /** set on a product's entries: the product the request came through */
  readonly productId: string | undefined;
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
  /** this API's (or product's) request counts and latencies, for /metrics */
  readonly meters: RequestMeters;
}

/** Everything the request path needs for one tenant, immutable once built. */
export interface CompiledTenant {
  readonly id: string;
  readonly slug: string;
  readonly version: number;
  readonly hash: string;
  /** The signed bundle it came from: a replay of the very same JWS is recognised without verifying. */
  readonly jws: string;
  /** `${context}/${version}` → API or API product */
  readonly apis: ReadonlyMap<string, CompiledApi>;
  /** Every entry that proxies somewhere (APIs and the APIs of products), for health checks. */
  readonly targets: readonly CompiledApi[];
  /** Most path segments any context/version key has, to bound the router's prefix search. */
  readonly maxRouteSegments: number;
  readonly apiKeys: ApiKeyIndex;
  /** `${applicationId}\n${apiId or productId}` → ACTIVE subscription */
  readonly subscriptions: ReadonlyMap<string, CompiledSubscription>;
  readonly tokens: TokenVerifier;
  readonly meters: RequestMeters;
  /** Upstream origins in use, so pools nobody needs can be closed. */
  readonly origins: ReadonlySet<string>;
}

export interface CompileDeps {
  pools: UpstreamPools;
  metrics: GatewayMetrics;
  limiter: RateLimiter;
  endpoints: EndpointStates;
  shared: SharedCounters;
  caches: ResponseCaches;
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
    const target = s.apiId ?? s.productId;
    if (s.status === "ACTIVE" && target !== undefined) {
      subscriptions.set(subscriptionKey(s.applicationId, target), {
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
  const targets: CompiledApi[] = [];
  const origins = new Set<string>();
  let maxRouteSegments = 0;
  const cx: EntryContext = { deps, policyContext, tiers, origins, tenantId: bundle.tenant.id };
  // APIs and products share one routing table: a product is an entry like an API.
  const entries = [
    ...bundle.apis.map((api) => ({ of: api, compile: () => compileApi(api, bundle.tenant.slug, cx) })),
    ...(bundle.products ?? []).map((product) => ({
      of: product,
      compile: () => compileProduct(product, bundle.tenant.slug, cx, targets),
    })),
  ];
  for (const { of, compile } of entries) {
    if (of.status === "RETIRED") {
      continue;
    }
    const contextSegments = of.context.split("/");
    if (!contextSegments.every(isSafeSegment) || !isSafeSegment(of.version)) {
      return err(`${of.id}: context "${of.context}" / version "${of.version}" is not a clean path`);
    }
    const key = `${of.context}/${of.version}`;
    if (apis.has(key)) {
      return err(`two APIs or products serve ${key}`);
    }
    let compiled: CompiledApi;
    try {
      compiled = compile();
    } catch (error) {
      return err(error instanceof Error ? error.message : String(error));
    }
    apis.set(key, compiled);
    if (compiled.productId === undefined) {
      targets.push(compiled);
    }
    maxRouteSegments = Math.max(maxRouteSegments, contextSegments.length + 1);
  }

  return ok({
    id: bundle.tenant.id,
    slug: bundle.tenant.slug,
    version: bundle.version,
    hash: bundle.hash,
    jws,
    apis,
    targets,
    maxRouteSegments,
    apiKeys: apiKeys.value,
    subscriptions,
    tokens: tokens.value,
    meters: deps.metrics.meters(bundle.tenant.id),
    origins,
  });
}

function deprecationHeaders(api: Pick<BundleApi, "status" | "deprecatedAt" | "sunsetAt">): string[] | null {
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

interface EntryContext {
  readonly deps: CompileDeps;
  readonly policyContext: TenantPolicyContext;
  readonly tiers: TiersByKind;
  readonly origins: Set<string>;
  readonly tenantId: string;
}

/** The balanced endpoints of an upstream; throws on one the gateway cannot proxy to. */
function upstreamOf(
  owner: string,
  config: BundleUpstream,
  cx: EntryContext,
): { group: UpstreamGroup; basePath: string } {
  const upstream = new URL(config.url);
  const endpoints: Endpoint[] = [];
  for (const { url, weight } of config.endpoints ?? [{ url: config.url, weight: 1 }]) {
    const u = new URL(url);
    if ((u.protocol !== "http:" && u.protocol !== "https:") || u.search || u.hash) {
      throw new Error(`${owner}: upstream must be an http(s) URL without query or fragment`);
    }
    if (u.pathname !== upstream.pathname) {
      throw new Error(`${owner}: every upstream endpoint needs the path of upstream.url (${upstream.pathname})`);
    }
    const key = `${u.origin}${u.pathname}`;
    endpoints.push({
      key,
      origin: u.origin,
      pool: cx.deps.pools.get(u.origin),
      weight,
      state: cx.deps.endpoints.get(key),
      current: 0,
    });
    cx.origins.add(u.origin);
  }
  return { group: new UpstreamGroup(endpoints, config), basePath: upstream.pathname.replace(/\/+$/, "") };
}

/**
 * One resource's chain: the API's policies, then the resource's, its scopes and its own tier.
 * `ctx.apiId` names what subscriptions must be to: the API, or the product it is reached through.
 */
function resourceChain(
  r: BundleResource,
  apiPolicies: readonly Policy[],
  apiAuthRequired: boolean,
  ctx: Omit<ChainContext, "attachedTo" | "resource">,
  tiers: TiersByKind,
): Chain {
  const authRequired = apiAuthRequired && r.authRequired;
  if (!authRequired && r.scopes.length > 0) {
    throw new Error(`resource ${r.method} ${r.path} lists scopes but requires no auth`);
  }
  const declared: Policy[] = [...apiPolicies, ...r.policies];
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
  return buildChain(effectivePolicies(declared, authRequired), {
    ...ctx,
    resource: r,
    attachedTo: `${r.method} ${r.path}`,
  });
}

function compileApi(api: BundleApi, slug: string, cx: EntryContext): CompiledApi {
  const owner = `API ${api.id}`;
  try {
    const { group, basePath } = upstreamOf(owner, api.upstream, cx);
    const apiLimit = apiTierHandler(api, cx.tenantId, cx.tiers, cx.deps.shared);
    if (!apiLimit.ok) {
      throw new Error(apiLimit.error);
    }
    const ctx = {
      tenant: cx.policyContext,
      api,
      apiId: api.id,
      limiter: cx.deps.limiter,
      shared: cx.deps.shared,
      caches: cx.deps.caches,
      apiLimit: apiLimit.value,
    };
    const key = `${api.context}/${api.version}`;
    return {
      id: api.id,
      productId: undefined,
      version: api.version,
      status: api.status,
      authRequired: api.authRequired,
      upstream: group,
      basePath,
      prefix: `/t/${slug}/${key}`,
      deprecationHeaders: deprecationHeaders(api),
      chain: buildChain(effectivePolicies(api.policies, api.authRequired), { ...ctx, resource: null, attachedTo: "" }),
      resources: compileResources(api, (r) => resourceChain(r, api.policies, api.authRequired, ctx, cx.tiers)),
      meters: cx.deps.metrics.apiMeters(cx.tenantId, api.id),
    };
  } catch (error) {
    throw new Error(`${owner}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Refuses whatever reaches a product entry outside its resources (a preflight of a listed path). */
const OUTSIDE_RESOURCES: Chain = [{ onRequest: () => reject("method-not-allowed") }];

/**
 * A product as one routing entry: its resources in one table, each resource's chain built from
 * its API's policies and keyed to the product's subscriptions, and each pointing at a target
 * that carries its API's upstream under the product's prefix and lifecycle.
 */
function compileProduct(product: BundleProduct, slug: string, cx: EntryContext, targets: CompiledApi[]): CompiledApi {
  const owner = `API product ${product.id}`;
  try {
    const prefix = `/t/${slug}/${product.context}/${product.version}`;
    const deprecation = deprecationHeaders(product);
    const ctx = {
      tenant: cx.policyContext,
      api: product,
      apiId: product.id,
      limiter: cx.deps.limiter,
      shared: cx.deps.shared,
      caches: cx.deps.caches,
    };
    const byApi = new Map<string, { target: CompiledApi; policies: readonly Policy[] }>();
    for (const api of product.apis) {
      const { group, basePath } = upstreamOf(`${owner}, API ${api.id}`, api.upstream, cx);
      const target: CompiledApi = {
        id: api.id,
        productId: product.id,
        version: api.version,
        status: product.status,
        authRequired: true,
        upstream: group,
        basePath,
        prefix,
        deprecationHeaders: deprecation,
        chain: OUTSIDE_RESOURCES,
        resources: null,
        meters: cx.deps.metrics.apiMeters(cx.tenantId, api.id),
      };
      byApi.set(api.id, { target, policies: api.policies });
      targets.push(target);
    }
    const of = (r: BundleProductResource) => {
      const entry = byApi.get(r.apiId);
      if (entry === undefined) {
        throw new Error(`resource ${r.method} ${r.path} names API ${r.apiId}, which the product does not carry`);
      }
      return entry;
    };
    const resources = compileResources(
      product,
      (r) => resourceChain(r, of(r).policies, true, ctx, cx.tiers),
      (r) => of(r).target,
    );
    const first = byApi.values().next().value!.target;
    return {
      ...first,
      id: product.id,
      version: product.version,
      basePath: "",
      // Nothing is proxied with the entry itself: every resource names its target.
      chain: OUTSIDE_RESOURCES,
      resources,
      meters: cx.deps.metrics.apiMeters(cx.tenantId, product.id),
    };
  } catch (error) {
    throw new Error(`${owner}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
