import { z } from "zod";
import { Policy } from "../policies/index.js";
import { RequestSchema } from "../policies/request-validation/schema.js";
import { Scope } from "../policies/scopes/schema.js";
import { HttpMethod } from "./methods.js";

export const BUNDLE_SCHEMA_VERSION = 1;

export const ApiStatus = z.enum(["CREATED", "PRE-RELEASED", "PUBLISHED", "BLOCKED", "DEPRECATED", "RETIRED"]);
export type ApiStatus = z.infer<typeof ApiStatus>;

/** Subscription tiers limit one application on one API; application tiers one application across every API; API tiers one API for everyone. */
export const TierKind = z.enum(["subscription", "application", "api"]);
export type TierKind = z.infer<typeof TierKind>;
export const TierUnit = z.enum(["second", "minute", "hour", "day"]);
export type TierUnit = z.infer<typeof TierUnit>;
export const TIER_UNIT_MS: Record<TierUnit, number> = {
  second: 1_000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};

/** Bundles written before tiers had units said `requestsPerMinute`; they read as `requests` per minute. */
const withUnit = (v: unknown) => {
  if (v !== null && typeof v === "object" && !("requests" in v) && "requestsPerMinute" in v) {
    const { requestsPerMinute, ...rest } = v as Record<string, unknown>;
    return { ...rest, requests: requestsPerMinute, unit: "minute" };
  }
  return v;
};

export const Tier = z.preprocess(
  withUnit,
  z.object({
    name: z.string().min(1),
    kind: TierKind.default("subscription"),
    /** Requests per `unit`; null means no rate limit. */
    requests: z.number().int().positive().nullable(),
    unit: TierUnit.default("minute"),
    /** Bucket size; defaults to one unit's worth of requests. */
    burst: z.number().int().positive().nullable(),
    /** Requests per calendar month (UTC), counted across the environment's gateways; null: none. */
    quotaPerMonth: z.number().int().positive().nullable().default(null),
    /** false: the quota is a billing figure only, traffic past it passes. */
    stopOnQuota: z.boolean().default(true),
  }),
);
export type Tier = z.infer<typeof Tier>;

export const UpstreamEndpoint = z.object({
  url: z.url(),
  /** Share of requests relative to the other endpoints (smooth weighted round-robin). */
  weight: z.number().int().min(1).max(1000).default(1),
});

export const HealthCheck = z.object({
  /** Below the endpoint's URL path; a 2xx or 3xx answer is healthy. */
  path: z.string().startsWith("/").max(500).default("/"),
  intervalMs: z.number().int().min(200).max(3_600_000).default(5_000),
  timeoutMs: z.number().int().min(50).max(60_000).default(2_000),
  unhealthyThreshold: z.number().int().min(1).max(100).default(2),
  healthyThreshold: z.number().int().min(1).max(100).default(2),
});

export const CircuitBreaker = z.object({
  /** Consecutive failures (connection errors, timeouts, 502/503/504) that open it. */
  failureThreshold: z.number().int().min(1).max(1000).default(5),
  /** How long it stays open before one trial request may pass. */
  openMs: z.number().int().min(100).max(3_600_000).default(30_000),
});

/**
 * Where an API's requests go. `url` alone is one endpoint (older bundles; every other field is
 * optional without a default, so such a bundle parses to exactly `{url}`); `endpoints` lists
 * several (all with the same path as `url`), balanced by weight, with retries of idempotent
 * requests on another endpoint, per-try and total timeouts, passive (circuit breaker) and
 * optional active health checks.
 */
export const BundleUpstream = z.object({
  url: z.url(),
  endpoints: z.array(UpstreamEndpoint).min(1).max(64).optional(),
  /** Extra attempts for GET/HEAD/OPTIONS/PUT/DELETE without a body, each on another endpoint when there is one. */
  retries: z.number().int().min(0).max(5).optional(),
  /** Until an attempt's response headers arrive. */
  perTryTimeoutMs: z.number().int().min(10).max(600_000).optional(),
  /** From the first attempt to the response headers, retries included: 504 past it. */
  totalTimeoutMs: z.number().int().min(10).max(600_000).optional(),
  healthCheck: HealthCheck.optional(),
  /** Absent: 5 failures open it for 30 s. */
  circuitBreaker: CircuitBreaker.optional(),
});
export type BundleUpstream = z.infer<typeof BundleUpstream>;

export { HttpMethod };

/** An OpenAPI path template: `/pets/{petId}`; each `{name}` matches one non-empty segment. */
export const PathTemplate = z
  .string()
  .max(500)
  .regex(
    /^\/(?:(?:[A-Za-z0-9._~!$&'()*+,;=:@-]+|\{[A-Za-z0-9_.-]+\})(?:\/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]+|\{[A-Za-z0-9_.-]+\}))*\/?)?$/,
    "an OpenAPI path template such as /pets/{petId}",
  )
  .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), "no dot segments");

/** One operation of an API. When an API lists resources, the gateway serves only those. */
export const BundleResource = z.object({
  method: HttpMethod,
  path: PathTemplate,
  /** false: no authentication or authorisation for this operation (later phases still run). */
  authRequired: z.boolean().default(true),
  /** OAuth scopes the access token must all carry (403 insufficient-scope otherwise). */
  scopes: z.array(Scope).default([]),
  /** A tier whose rate applies per application to this operation alone. */
  tier: z.string().min(1).optional(),
  policies: z.array(Policy).default([]),
  /** The operation's parameters and body from the API's OpenAPI document; only where a request-validation policy applies. */
  request: RequestSchema.optional(),
});
export type BundleResource = z.infer<typeof BundleResource>;

export const BundleApi = z.object({
  id: z.string(),
  name: z.string(),
  /** Without leading or trailing slash, e.g. "shop/pets". */
  context: z.string().min(1),
  version: z.string().min(1),
  status: ApiStatus,
  upstream: BundleUpstream,
  revision: z.object({ id: z.string(), number: z.number().int().positive() }),
  authRequired: z.boolean(),
  /** When the API was deprecated and when it goes away (ISO); gateways answer with Deprecation / Sunset. */
  deprecatedAt: z.string().nullable().default(null),
  sunsetAt: z.string().nullable().default(null),
  /** An API tier capping all of the API's traffic (every caller, every gateway of the environment). */
  tier: z.string().min(1).optional(),
  /** Attached to every request of the API, resources' own policies after these. */
  policies: z.array(Policy).default([]),
  resources: z.array(BundleResource).default([]),
});
export type BundleApi = z.infer<typeof BundleApi>;

/** An API whose resources a product serves: where they go and the API-wide policies they keep. */
export const BundleProductApi = z.object({
  id: z.string(),
  version: z.string().min(1),
  upstream: BundleUpstream,
  /** the API's own policies, run before each resource's */
  policies: z.array(Policy).default([]),
});

/** A resource of a product: one operation of one of its APIs, with that operation's settings. */
export const BundleProductResource = BundleResource.extend({ apiId: z.string() });
export type BundleProductResource = z.infer<typeof BundleProductResource>;

/**
 * An API product: routed like an API at its own context/version, serving only its resources,
 * each to the upstream of the API that owns it. Subscriptions name the product, not the APIs.
 */
export const BundleProduct = z.object({
  id: z.string(),
  name: z.string(),
  context: z.string().min(1),
  version: z.string().min(1),
  status: ApiStatus,
  revision: z.object({ id: z.string(), number: z.number().int().positive() }),
  deprecatedAt: z.string().nullable().default(null),
  sunsetAt: z.string().nullable().default(null),
  apis: z.array(BundleProductApi).min(1),
  resources: z.array(BundleProductResource).min(1),
});
export type BundleProduct = z.infer<typeof BundleProduct>;

export const SubscriptionStatus = z.enum(["ACTIVE", "BLOCKED", "PENDING", "REJECTED"]);

/** To an API (`apiId`) or to a product (`productId`), never both. */
export const BundleSubscription = z
  .object({
    id: z.string(),
    applicationId: z.string(),
    apiId: z.string().optional(),
    productId: z.string().optional(),
    tier: z.string(),
    status: SubscriptionStatus,
  })
  .refine((s) => (s.apiId === undefined) !== (s.productId === undefined), "apiId or productId, not both");

/** An application whose application tier limits it across all of its subscriptions. */
export const BundleApplication = z.object({
  id: z.string(),
  tier: z.string().min(1),
});

export const BundleApiKey = z.object({
  id: z.string(),
  /** hex SHA-256 of the key; the key itself never leaves the moment it is shown. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  applicationId: z.string(),
  /** epoch seconds, null for no expiry */
  expiresAt: z.number().int().nullable(),
  /** CIDRs the key may be used from (client address as the gateway sees it); null: anywhere. */
  allowedIps: z.array(z.string().min(1)).nullable().default(null),
  /**
   * Referrer patterns the `Referer` header must match: `https://app.example.com/*` (URL prefix)
   * or `*.example.com` / `app.example.com` (host). null: no referrer check.
   */
  allowedReferrers: z.array(z.string().min(1)).nullable().default(null),
});

export const Jwk = z.looseObject({ kty: z.string(), kid: z.string().optional() });

export const BundleIssuer = z.object({
  issuer: z.string().min(1),
  /** Absent: the issuer's tokens are accepted whatever their `aud` (some IdPs set none). */
  audience: z.string().min(1).optional(),
  /** The claim that names the OAuth client, mapped to an application by `clients`. */
  clientIdClaim: z.string().default("client_id"),
  /** The claim that carries the token's scopes: a space-separated string or an array of strings. */
  scopeClaim: z.string().default("scope"),
  /** Keys inline (Portico issuers) or a URI the gateway fetches and caches (external IdPs). */
  jwks: z.object({ keys: z.array(Jwk) }).optional(),
  jwksUri: z.url().optional(),
  algorithms: z.array(z.enum(["ES256", "EdDSA", "RS256", "PS256"])).min(1),
});

export const BundleClient = z.object({
  issuer: z.string(),
  clientId: z.string(),
  applicationId: z.string(),
});

export const DeploymentBundle = z.object({
  schemaVersion: z.literal(BUNDLE_SCHEMA_VERSION),
  tenant: z.object({ id: z.string(), slug: z.string() }),
  environment: z.string(),
  /** Monotonic per (tenant, environment); gateways refuse anything not newer than theirs. */
  version: z.number().int().positive(),
  issuedAt: z.string(),
  /** hex SHA-256 of the canonical JSON of every other field. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  apis: z.array(BundleApi),
  /** API products; absent in bundles of tenants without deployed products */
  products: z.array(BundleProduct).optional(),
  tiers: z.array(Tier),
  subscriptions: z.array(BundleSubscription),
  /** Applications on a tier of kind `application`; absent from older bundles. */
  applications: z.array(BundleApplication).default([]),
  apiKeys: z.array(BundleApiKey),
  clients: z.array(BundleClient),
  issuers: z.array(BundleIssuer),
  /** jti of revoked access tokens, kept until their own expiry (epoch seconds). */
  revokedTokens: z.array(z.object({ jti: z.string(), exp: z.number().int() })),
  /**
   * Public bundle-signing keys announced ahead of a rotation. A gateway that verified this bundle
   * with a key it trusts adds them to its trusted set (and keeps them on disk), so it accepts
   * the bundles the next key signs once the control plane switches.
   */
  nextBundleKeys: z.object({ keys: z.array(Jwk) }).optional(),
});
export type DeploymentBundle = z.infer<typeof DeploymentBundle>;
export type BundleContent = Omit<z.input<typeof DeploymentBundle>, "hash">;
