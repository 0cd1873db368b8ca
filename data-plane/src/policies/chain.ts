import type { BundleApi, BundleProduct, BundleResource } from "@portico/shared/bundle";
import type { Policy, PolicyKind } from "@portico/shared/policies";
import type { CompiledApi } from "../config/compile.js";
import type { Exchange } from "../http/exchange.js";
import type { RateLimiter } from "../traffic/rate-limit.js";
import type { ResponseCaches } from "../traffic/response-cache.js";
import type { SharedCounters } from "../traffic/shared-counter.js";
import { policyModules } from "./registry.js";
import {
  type Outcome,
  PASS,
  Phase,
  type PolicyDeps,
  type PolicyHandler,
  type PolicyModule,
  reject,
  type TenantPolicyContext,
} from "./types.js";

export type Chain = readonly PolicyHandler[];

/** Span names of the phases, by the hundred of a module's order. */
const PHASE_NAMES = ["route", "authenticate", "authorise", "rate-limit", "transform"] as const;
const phaseName = (order: number) => PHASE_NAMES[Math.min(PHASE_NAMES.length - 1, Math.floor(order / 100))] as string;

/**
 * The phase each handler of a chain runs in, for traced requests only: a side table, so the
 * handlers and the untraced chain stay as they are.
 */
const phaseOf = new WeakMap<PolicyHandler, string>();

const orderOf = (kind: PolicyKind): number => policyModules[kind].order;

const isAuthentication = (kind: PolicyKind) => {
  const order = orderOf(kind);
  return order >= Phase.authenticate && order < Phase.authorise;
};

/** What an API that requires auth gets when it does not say otherwise: today's behaviour. */
const DEFAULT_AUTHENTICATION: Policy[] = [
  { kind: "key-auth", enabled: true, config: { header: "x-api-key" } },
  { kind: "jwt-auth", enabled: true, config: {} },
];
const DEFAULT_SUBSCRIPTION: Policy = { kind: "subscription", enabled: true, config: {} };
const DEFAULT_TIER_LIMIT: Policy = {
  kind: "rate-limit",
  id: "tier",
  enabled: true,
  config: { by: "subscription", windowMs: 60_000, shared: false },
};

/** After the authentication policies: nobody authenticated means 401. */
const AUTH_GATE: PolicyHandler = {
  onRequest: (ex) => (ex.authenticated ? PASS : UNAUTHORIZED),
};
phaseOf.set(AUTH_GATE, phaseName(Phase.authenticate));
const UNAUTHORIZED = reject("unauthorized");

/**
 * The policies one request path runs, in phase order. With auth on, an API or resource that
 * names no authentication policy gets API key + JWT, and every authenticated call needs a
 * subscription whose tier limits it; with auth off, the authenticate and authorise phases are
 * dropped entirely, scope checks included (the compiler refuses a resource that lists scopes
 * yet turns auth off, rather than silently open it).
 */
export function effectivePolicies(declared: readonly Policy[], authRequired: boolean): Policy[] {
  const enabled = declared.filter((p) => p.enabled);
  if (!authRequired) {
    return enabled.filter((p) => orderOf(p.kind) >= Phase.rateLimit || orderOf(p.kind) < Phase.authenticate);
  }
  const out = [...enabled];
  if (!out.some((p) => isAuthentication(p.kind))) {
    out.push(...DEFAULT_AUTHENTICATION);
  }
  if (!out.some((p) => p.kind === "subscription")) {
    out.push(DEFAULT_SUBSCRIPTION);
  }
  if (!out.some((p) => p.kind === "rate-limit" && p.config.by === "subscription")) {
    out.push(DEFAULT_TIER_LIMIT);
  }
  return out;
}

export interface ChainContext {
  tenant: TenantPolicyContext;
  /** the API or product the chain belongs to (what cached answers are keyed to) */
  api: BundleApi | BundleProduct;
  resource: BundleResource | null;
  /** the API, or the product, whose subscriptions admit a request and whose buckets count it */
  apiId: string;
  attachedTo: string;
  limiter: RateLimiter;
  shared: SharedCounters;
  caches: ResponseCaches;
  /**
   * A handler built once for the whole API (its API tier), put first in the rate-limit phase of
   * the API's chain and of every resource's chain, so all of them count in the same place.
   */
  apiLimit?: PolicyHandler | null;
}

/** Creates the handlers once per bundle apply; throws (rejecting the bundle) on a bad config. */
export function buildChain(policies: readonly Policy[], ctx: ChainContext): Chain {
  const ranked = policies.map((policy, index) => ({ policy, index, order: orderOf(policy.kind) }));
  // Array.prototype.sort is stable: declaration order breaks ties within a kind.
  ranked.sort((a, b) => a.order - b.order);
  const chain: PolicyHandler[] = [];
  let gated = false;
  let apiLimit = ctx.apiLimit ?? null;
  for (const { policy, index, order } of ranked) {
    if (!gated && order >= Phase.authorise && chain.length > 0 && ranked.some((r) => isAuthentication(r.policy.kind))) {
      chain.push(AUTH_GATE);
      gated = true;
    }
    if (apiLimit !== null && order >= Phase.rateLimit) {
      phaseOf.set(apiLimit, phaseName(Phase.rateLimit));
      chain.push(apiLimit);
      apiLimit = null;
    }
    const deps: PolicyDeps = {
      tenant: ctx.tenant,
      apiId: ctx.apiId,
      api: ctx.api,
      resource: ctx.resource,
      attachedTo: ctx.attachedTo,
      policyId: policy.id ?? `${policy.kind}#${index}`,
      limiter: ctx.limiter,
      shared: ctx.shared,
      caches: ctx.caches,
    };
    const module = policyModules[policy.kind] as PolicyModule<PolicyKind>;
    if (module === undefined) {
      throw new Error(`policy kind "${policy.kind}" is not supported by this gateway`);
    }
    const handler = module.create(policy.config as never, deps);
    phaseOf.set(handler, phaseName(order));
    chain.push(handler);
  }
  if (!gated && ranked.some((r) => isAuthentication(r.policy.kind))) {
    chain.push(AUTH_GATE);
  }
  if (apiLimit) {
    phaseOf.set(apiLimit, phaseName(Phase.rateLimit));
    chain.push(apiLimit);
  }
  return chain;
}

async function finish(pending: Promise<Outcome>, chain: Chain, from: number, ex: Exchange): Promise<Outcome> {
  let outcome = await pending;
  if (!outcome.ok) {
    return outcome;
  }
  for (let i = from; i < chain.length; i++) {
    outcome = await (chain[i] as PolicyHandler).onRequest(ex);
    if (!outcome.ok) {
      return outcome;
    }
  }
  return PASS;
}

/** Runs the chain synchronously until a policy answers with a promise; stops at the first rejection. */
export function runChain(chain: Chain, ex: Exchange): Outcome | Promise<Outcome> {
  for (let i = 0; i < chain.length; i++) {
    const outcome = (chain[i] as PolicyHandler).onRequest(ex);
    if (outcome instanceof Promise) {
      return finish(outcome, chain, i + 1, ex);
    }
    if (!outcome.ok) {
      return outcome;
    }
  }
  return PASS;
}

/**
 * `runChain` for a traced request: one span per phase the chain passes through (handlers of a
 * phase are adjacent, as the chain is sorted by order).
 */
export async function runChainTraced(chain: Chain, ex: Exchange, trace: { phase(name: string): { end(): void } }) {
  let phase: string | undefined;
  let span: { end(): void } | undefined;
  try {
    for (const handler of chain) {
      const name = phaseOf.get(handler) ?? "policy";
      if (name !== phase) {
        span?.end();
        phase = name;
        span = trace.phase(name);
      }
      const outcome = await handler.onRequest(ex);
      if (!outcome.ok) {
        return outcome;
      }
    }
    return PASS;
  } finally {
    span?.end();
  }
}

export interface CompiledResource {
  /** the OpenAPI template, as analytics reports the resource */
  readonly template: string;
  readonly chain: Chain;
  /** where a product's resource is proxied to; null: the API the request routed to */
  readonly target: CompiledApi | null;
}

interface PatternRow {
  readonly re: RegExp;
  readonly methods: Map<string, CompiledResource>;
}

/** Resources of one API: literal paths in a map, templated ones as anchored regexes. */
export interface ResourceTable {
  readonly exact: ReadonlyMap<string, ReadonlyMap<string, CompiledResource>>;
  readonly patterns: readonly PatternRow[];
}

export const NO_PATH = 0;
export const NO_METHOD = 1;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function templateRegex(template: string): RegExp {
  const source = template
    .split("/")
    .map((segment) => (/^\{[^}]+\}$/.test(segment) ? "[^/]+" : escapeRe(segment)))
    .join("/");
  return new RegExp(`^${source}$`);
}

export function compileResources<R extends BundleResource>(
  api: { readonly resources: readonly R[] },
  build: (resource: R) => Chain,
  targetOf: (resource: R) => CompiledApi | null = () => null,
): ResourceTable | null {
  if (api.resources.length === 0) {
    return null;
  }
  const exact = new Map<string, Map<string, CompiledResource>>();
  const patterns = new Map<string, PatternRow>();
  for (const resource of api.resources) {
    const compiled: CompiledResource = { template: resource.path, chain: build(resource), target: targetOf(resource) };
    let methods: Map<string, CompiledResource>;
    if (resource.path.includes("{")) {
      let row = patterns.get(resource.path);
      if (row === undefined) {
        row = { re: templateRegex(resource.path), methods: new Map() };
        patterns.set(resource.path, row);
      }
      methods = row.methods;
    } else {
      methods = exact.get(resource.path) ?? new Map();
      exact.set(resource.path, methods);
    }
    if (methods.has(resource.method)) {
      throw new Error(`resource ${resource.method} ${resource.path} is listed twice`);
    }
    methods.set(resource.method, compiled);
  }
  return { exact, patterns: [...patterns.values()] };
}

/** The resource a request path (below the API, without query) and method hit. */
export function matchResource(
  table: ResourceTable,
  path: string,
  method: string,
): CompiledResource | typeof NO_PATH | typeof NO_METHOD {
  let methods = table.exact.get(path);
  if (methods === undefined) {
    for (const row of table.patterns) {
      if (row.re.test(path)) {
        methods = row.methods;
        break;
      }
    }
  }
  if (methods === undefined) {
    return NO_PATH;
  }
  return methods.get(method) ?? (method === "HEAD" ? methods.get("GET") : undefined) ?? NO_METHOD;
}
