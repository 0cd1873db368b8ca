import type { ProblemCode } from "@portico/shared";
import type { BundleApi, BundleProduct, BundleResource } from "@portico/shared/bundle";
import type { PolicyKind, PolicyOf } from "@portico/shared/policies";
import type { RequestError } from "@portico/shared/request-validation";
import type { ApiKeyIndex } from "../auth/api-key.js";
import type { TokenVerifier } from "../auth/jwt.js";
import type { Exchange } from "../http/exchange.js";
import type { RateLimit, RateLimiter } from "../traffic/rate-limit.js";
import type { ResponseCaches } from "../traffic/response-cache.js";
import type { SharedCounters } from "../traffic/shared-counter.js";
import type { SharedTierLimit } from "../traffic/tier-limit.js";

/**
 * Policies return values and never throw for a client error. `answered`: the policy wrote
 * the response itself (a CORS preflight), so nothing else runs.
 */
export type Outcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly code: ProblemCode;
      readonly detail?: string;
      /** each invalid part of the request (request validation) */
      readonly errors?: readonly RequestError[];
    }
  | { readonly ok: false; readonly answered: true };

export const ANSWERED: Outcome = { ok: false, answered: true };

export const PASS: Outcome = { ok: true };

export const reject = (code: ProblemCode, detail?: string, errors?: readonly RequestError[]): Outcome =>
  errors === undefined ? { ok: false, code, detail } : { ok: false, code, detail, errors };

export interface PolicyHandler {
  /** Before proxying. A rejection answers the client without calling the upstream. */
  onRequest(ex: Exchange): Outcome | Promise<Outcome>;
}

/** Phases, in the order they run; a module's `order` falls in its phase's hundred. */
export const Phase = {
  route: 0,
  authenticate: 100,
  authorise: 200,
  rateLimit: 300,
  transform: 400,
} as const;

/** What a policy may use of the tenant it is compiled for. */
export interface TenantPolicyContext {
  readonly id: string;
  readonly apiKeys: ApiKeyIndex;
  readonly tokens: TokenVerifier;
  /** `${applicationId}\n${apiId}` → the ACTIVE subscription */
  readonly subscriptions: ReadonlyMap<string, CompiledSubscription>;
}

/** An ACTIVE subscription with the limits its caller runs into, resolved once per bundle apply. */
export interface CompiledSubscription {
  readonly id: string;
  /** the subscription tier's rate (a token bucket on this gateway); null: none */
  readonly limit: RateLimit | null;
  /** the subscription tier's monthly quota; null: none */
  readonly quota: SharedTierLimit | null;
  /** the application tier, across every subscription of the application; null: unlimited */
  readonly application: SharedTierLimit | null;
}

export interface PolicyDeps {
  readonly tenant: TenantPolicyContext;
  readonly apiId: string;
  /** the API as the bundle carries it */
  readonly api: BundleApi | BundleProduct;
  /** the resource whose chain this is; null for the chain of an API without resources */
  readonly resource: BundleResource | null;
  /** Where the policy is attached: "" for the API, `METHOD path` for one resource. */
  readonly attachedTo: string;
  /** The policy's id, or its kind and position when it has none. */
  readonly policyId: string;
  readonly limiter: RateLimiter;
  /** counts shared by the gateways of the environment */
  readonly shared: SharedCounters;
  readonly caches: ResponseCaches;
}

export interface PolicyModule<K extends PolicyKind> {
  readonly kind: K;
  /** Fixed order by kind (Kong's PRIORITY); declaration order breaks ties. */
  readonly order: number;
  /** Once per bundle apply: precompute here, never per request. Throwing rejects the bundle. */
  create(config: PolicyOf<K>["config"], deps: PolicyDeps): PolicyHandler;
}

/** Identity helper that fixes the generic. */
export const definePolicy = <K extends PolicyKind>(module: PolicyModule<K>): PolicyModule<K> => module;
