import { z } from "zod";
import { ApiStatus, CircuitBreaker, HealthCheck, TierKind, TierUnit, UpstreamEndpoint } from "../bundle/schema.js";
import { Policy } from "../policies/index.js";
import { Scope } from "../policies/scopes/schema.js";
import { Problem } from "../problem.js";

/**
 * REST contract of the control plane (ARCHITECTURE §8). The control plane's routes and its
 * OpenAPI document come from these schemas; the console parses responses with them.
 */

export const Slug = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "lowercase letters, digits and inner dashes only");

export const SignupRequest = z
  .object({
    tenant: z.object({ name: z.string().trim().min(1).max(100), slug: Slug }),
    admin: z.object({ email: z.email().max(254), password: z.string().min(8).max(200) }),
  })
  .meta({ id: "SignupRequest" });

export const SignupResponse = z
  .object({
    tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
    user: z.object({ id: z.string(), email: z.string() }),
    accessToken: z.string(),
  })
  .meta({ id: "SignupResponse" });

export const LoginRequest = z
  .object({ tenant: Slug, email: z.email(), password: z.string().min(1).max(200) })
  .meta({ id: "LoginRequest" });
export const LoginResponse = z.object({ accessToken: z.string() }).meta({ id: "LoginResponse" });

/** "/shop/pets/" and "shop/pets" are the same context; stored without outer slashes. */
export const Context = z
  .string()
  .trim()
  .transform((s) => s.replace(/^\/+|\/+$/g, ""))
  .pipe(
    z
      .string()
      .min(1, "context must not be empty")
      .max(200)
      .regex(/^[a-zA-Z0-9._~-]+(?:\/[a-zA-Z0-9._~-]+)*$/, "path segments of letters, digits and ._~- only")
      .refine((s) => !s.split("/").some((seg) => seg === "." || seg === ".."), "no dot segments"),
  );

export const ApiVersion = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[a-zA-Z0-9._-]+$/, "letters, digits and ._- only");

const HttpUrl = z.url({ protocol: /^https?$/ }).max(2000);

/**
 * Where the gateway sends an API's requests. `url` alone is one endpoint (unchanged contract);
 * `endpoints` balances over several (each with the path of `url`), with retries of idempotent
 * requests, per-try and total timeouts, active health checks and a circuit breaker.
 */
export const Upstream = z
  .object({
    url: HttpUrl,
    endpoints: z
      .array(UpstreamEndpoint.extend({ url: HttpUrl }))
      .min(1)
      .max(64)
      .optional()
      .meta({ description: "an upstream group: every endpoint shares the path of url" }),
    algorithm: z
      .enum(["round-robin", "weighted"])
      .optional()
      .meta({ description: "round-robin ignores the weights; weighted (default) honours them" }),
    retries: z
      .number()
      .int()
      .min(0)
      .max(5)
      .optional()
      .meta({ description: "extra attempts of idempotent requests, on another endpoint when there is one" }),
    perTryTimeoutMs: z.number().int().min(10).max(600_000).optional(),
    totalTimeoutMs: z.number().int().min(10).max(600_000).optional(),
    healthCheck: HealthCheck.optional().meta({ description: "active probes; unhealthy endpoints get no traffic" }),
    circuitBreaker: CircuitBreaker.optional().meta({
      description: "passive health: consecutive failures open the endpoint's breaker (default 5 failures, 30 s)",
    }),
  })
  .superRefine((u, ctx) => {
    const path = URL.canParse(u.url) ? new URL(u.url) : undefined;
    for (const [i, e] of (u.endpoints ?? []).entries()) {
      const ep = URL.canParse(e.url) ? new URL(e.url) : undefined;
      if (path && ep && (ep.pathname !== path.pathname || ep.search || ep.hash)) {
        ctx.addIssue({
          code: "custom",
          path: ["endpoints", i, "url"],
          message: `every endpoint needs the path of url (${path.pathname}) and no query`,
        });
      }
    }
    if (u.perTryTimeoutMs !== undefined && u.totalTimeoutMs !== undefined && u.perTryTimeoutMs > u.totalTimeoutMs) {
      ctx.addIssue({ code: "custom", path: ["perTryTimeoutMs"], message: "longer than totalTimeoutMs" });
    }
  })
  .meta({ id: "Upstream" });
export type Upstream = z.infer<typeof Upstream>;

const TierName = z
  .string()
  .trim()
  .min(1)
  .max(60)
  .regex(/^[A-Za-z0-9 _-]+$/);

export const Resource = z.object({
  method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
  path: z.string().min(1).max(500),
  summary: z.string().optional(),
  authRequired: z.boolean().optional().meta({ description: "false opens this operation to anonymous callers" }),
  scopes: z.array(Scope).optional().meta({ description: "OAuth scopes the access token must all carry" }),
  tier: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .meta({ description: "A tier limiting each application on this operation" }),
  policies: z.array(Policy).optional().meta({ description: "Policies of this operation, after the API's" }),
});

/** Catalog tags: lowercase words the developer portal filters by. */
export const Tag = z
  .string()
  .trim()
  .toLowerCase()
  .min(1)
  .max(30)
  .regex(/^[a-z0-9][a-z0-9 ._-]*$/, "letters, digits, spaces and ._- only");
export const Tags = z.array(Tag).max(20).meta({ description: "catalog tags, stored lowercased and de-duplicated" });

export const CreateApiRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    context: Context,
    version: ApiVersion,
    upstream: Upstream,
    description: z.string().max(5000).optional(),
    openapi: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    subscriptionApproval: z
      .boolean()
      .optional()
      .meta({ description: "new subscriptions wait (PENDING) until a publisher approves them" }),
    policies: z.array(Policy).max(50).optional().meta({ description: "Policies applied to every request" }),
    resources: z.array(Resource).max(1000).optional(),
    tier: TierName.nullable()
      .optional()
      .meta({ description: "an API tier (kind api) capping all of the API's traffic; null: none" }),
    tags: Tags.optional(),
  })
  .meta({ id: "CreateApiRequest" });

export const UpdateApiRequest = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    description: z.string().max(5000).optional(),
    upstream: Upstream.optional(),
    subscriptionApproval: z.boolean().optional(),
    policies: z.array(Policy).max(50).optional(),
    resources: z.array(Resource).max(1000).optional(),
    tier: TierName.nullable().optional(),
    tags: Tags.optional(),
  })
  .strict()
  .meta({ id: "UpdateApiRequest" });

export const Api = z
  .object({
    id: z.string(),
    name: z.string(),
    context: z.string(),
    version: z.string(),
    status: ApiStatus,
    description: z.string().nullable(),
    upstream: Upstream,
    resources: z.array(Resource),
    tags: z.array(z.string()),
    subscriptionApproval: z.boolean(),
    deprecatedAt: z.string().nullable(),
    sunsetAt: z.string().nullable(),
    endpoints: z
      .array(z.object({ environment: z.string(), url: z.string() }))
      .optional()
      .meta({ description: "where the API is live: its gateway URL per environment (on single reads)" }),
    policies: z.array(Policy).optional(),
    tier: z.string().nullable().optional().meta({ description: "the API tier, null when none" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Api" });
export type Api = z.infer<typeof Api>;

export const ImportApiRequest = z
  .object({
    openapi: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
    upstream: Upstream.optional(),
    context: Context.optional(),
    version: ApiVersion.optional(),
  })
  .meta({ id: "ImportApiRequest" });

export const LifecycleAction = z.enum(["pre-release", "publish", "block", "deprecate", "retire", "demote"]);
export const LifecycleRequest = z
  .object({
    action: LifecycleAction,
    deprecatePreviousVersions: z
      .boolean()
      .optional()
      .meta({ description: "with publish: deprecate the other PUBLISHED versions of this context" }),
    sunsetAt: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: "with deprecate: when the API goes away, sent by gateways as the Sunset header" }),
  })
  .meta({ id: "LifecycleRequest" });

export const Revision = z
  .object({
    id: z.string(),
    apiId: z.string(),
    number: z.number().int(),
    createdAt: z.string(),
    deployedTo: z.array(z.string()).meta({ description: "environments where this revision is live" }),
  })
  .meta({ id: "Revision" });

export const CreateDeploymentRequest = z
  .object({
    revisionId: z.string(),
    environment: z.string().min(1).max(100).optional(),
    environments: z
      .array(z.string().min(1).max(100))
      .min(1)
      .max(20)
      .optional()
      .meta({ description: "deploy to several environments at once (answers with an array)" }),
  })
  .refine((v) => (v.environment === undefined) !== (v.environments === undefined), {
    message: "give environment or environments",
    path: ["environment"],
  })
  .meta({ id: "CreateDeploymentRequest" });

export const UndeployParams = z.object({ id: z.string(), environment: z.string().min(1).max(100) });

export const NewVersionRequest = z.object({ version: ApiVersion }).meta({ id: "NewVersionRequest" });

export const Deployment = z
  .object({
    id: z.string(),
    apiId: z.string(),
    revisionId: z.string(),
    revisionNumber: z.number().int(),
    environment: z.string(),
    bundleVersion: z.number().int(),
    createdAt: z.string(),
    gateways: z.object({
      total: z.number().int().meta({ description: "live gateways of the environment" }),
      acked: z.number().int().meta({ description: "gateways running this bundle version or newer" }),
      ackMs: z
        .object({ p50: z.number(), p99: z.number(), max: z.number() })
        .nullable()
        .meta({ description: "deployment → gateway ack, in ms" }),
      publishedAt: z
        .string()
        .nullable()
        .meta({ description: "when the bundle was put on the bus (null while it waits in the outbox)" }),
      firstAckMs: z.number().nullable().meta({ description: "bus publish → first gateway ack, in ms" }),
      lastAckMs: z.number().nullable().meta({
        description: "bus publish → latest first ack of a gateway, in ms: time to all acked once acked = total",
      }),
    }),
  })
  .meta({ id: "Deployment" });

export const DeploymentPreviewRequest = z
  .object({ revisionId: z.string(), environment: z.string().min(1).max(100) })
  .meta({ id: "DeploymentPreviewRequest" });

const GatewayCompatibility = z.object({
  id: z.string(),
  softwareVersion: z.string(),
  missing: z.array(z.string()).meta({ description: "policy kinds the revision uses that this gateway lacks" }),
});

/** The gateways a deployment would not reach: the `gateways` member of an incompatible-gateways problem. */
export const IncompatibleGateway = GatewayCompatibility.extend({ environment: z.string() }).meta({
  id: "IncompatibleGateway",
});

/** The 409 of a deploy: `gateways` when the cause is incompatible gateways. */
export const DeploymentConflict = Problem.extend({
  gateways: z
    .array(IncompatibleGateway)
    .optional()
    .meta({ description: "incompatible-gateways: each live gateway lacking a policy kind the revision uses" }),
}).meta({ id: "DeploymentConflict" });

export const DeploymentPreview = z
  .object({
    environment: z.string(),
    revisionId: z.string(),
    revisionNumber: z.number().int(),
    policyKinds: z.array(z.string()).meta({ description: "policy kinds the revision uses" }),
    gateways: z
      .array(
        GatewayCompatibility.extend({
          compatible: z.boolean(),
          capabilitiesKnown: z
            .boolean()
            .meta({ description: "false for gateways too old to report their policy kinds" }),
        }),
      )
      .meta({ description: "live gateways of the environment, which would receive the bundle" }),
    incompatible: z.array(IncompatibleGateway),
    deployable: z.boolean().meta({ description: "whether POST /deployments would accept it now" }),
  })
  .meta({ id: "DeploymentPreview" });

export const Environment = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.enum(["shared", "self-hosted"]),
    gatewayUrl: z.string().nullable(),
  })
  .meta({ id: "Environment" });
export const CreateEnvironmentRequest = z
  .object({ name: Slug, gatewayUrl: z.url().optional() })
  .meta({ id: "CreateEnvironmentRequest" });
export const UpdateEnvironmentRequest = z
  .object({ name: Slug.optional(), gatewayUrl: z.url().nullable().optional() })
  .strict()
  .refine((v) => v.name !== undefined || v.gatewayUrl !== undefined, "give name or gatewayUrl")
  .meta({ id: "UpdateEnvironmentRequest" });

export const CreateRegistrationTokenRequest = z
  .object({
    /** Lifetime of the unused token (default one day, at most 30 days). */
    expiresInSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
    description: z.string().trim().max(200).optional(),
  })
  .meta({ id: "CreateRegistrationTokenRequest" });
export const RegistrationToken = z
  .object({
    id: z.string(),
    environmentId: z.string(),
    prefix: z.string(),
    description: z.string().nullable(),
    createdAt: z.string(),
    expiresAt: z.string(),
    usedAt: z.string().nullable().meta({ description: "when a gateway registered with it" }),
    gatewayId: z.string().nullable().meta({ description: "the gateway that registered with it" }),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: "RegistrationToken" });
export const CreatedRegistrationToken = RegistrationToken.extend({
  token: z.string().meta({ description: "shown only here; a gateway exchanges it once" }),
}).meta({ id: "CreatedRegistrationToken" });

export const GatewayRegistrationRequest = z
  .object({
    token: z.string().min(10).max(200),
    /** A hint for the gateway id, e.g. the host name. */
    name: z
      .string()
      .regex(/^[a-zA-Z0-9_-]{1,40}$/)
      .optional(),
  })
  .meta({ id: "GatewayRegistrationRequest" });
/** What a self-hosted gateway keeps in its data dir: it never needs its token again. */
export const GatewayRegistration = z
  .object({
    gatewayId: z.string(),
    tenant: z.object({ id: z.string(), slug: z.string() }),
    environment: z.object({
      id: z.string(),
      name: z.string(),
      busKey: z.string().meta({ description: "the environment's name on NATS (PORTICO_ENVIRONMENT)" }),
    }),
    bundleKeys: z
      .object({ keys: z.array(z.record(z.string(), z.unknown())) })
      .meta({ description: "bundle-verification public keys (JWKS)" }),
    nats: z.object({
      servers: z.array(z.string()),
      prefix: z.string(),
      domain: z.string().nullable().meta({ description: "JetStream domain of the cluster (PORTICO_NATS_DOMAIN)" }),
      creds: z
        .string()
        .nullable()
        .meta({ description: "NATS credentials file limited to this gateway; null when NATS runs without auth" }),
    }),
  })
  .meta({ id: "GatewayRegistration" });

export const Gateway = z
  .object({
    id: z.string(),
    environment: z.string(),
    softwareVersion: z.string(),
    bundle: z.object({ version: z.number().int(), hash: z.string() }).nullable(),
    expectedBundle: z.object({ version: z.number().int(), hash: z.string() }).nullable(),
    inSync: z.boolean(),
    lastHeartbeat: z.string(),
    live: z.boolean(),
    lastError: z.object({ reason: z.string(), detail: z.string(), at: z.number() }).nullable(),
    capabilities: z.object({
      schemaVersions: z.array(z.number().int()),
      policyKinds: z
        .array(z.string())
        .nullable()
        .meta({ description: "policy kinds it can run; null for gateways too old to say" }),
    }),
    drift: z
      .object({
        status: z.enum(["in-sync", "drifted", "unknown"]),
        expected: z.object({ version: z.number().int(), hash: z.string() }).nullable(),
        actual: z.object({ version: z.number().int(), hash: z.string() }).nullable(),
        reason: z
          .enum(["stale", "hash-mismatch", "missing", "rejected", "propagating", "not-live", "no-bundle"])
          .nullable()
          .meta({
            description:
              "drifted: stale (older version), hash-mismatch (same version, other content), missing (runs none), rejected (refused the expected one, see lastError); unknown: propagating (a change is on its way), not-live (no recent heartbeat), no-bundle (nothing deployed here)",
          }),
      })
      .meta({ description: "the bundle it runs for this tenant against the one the control plane expects" }),
  })
  .meta({ id: "Gateway" });

export const GatewayResync = z
  .object({
    gateway: z.string(),
    environment: z.string(),
    expected: z
      .object({ version: z.number().int(), hash: z.string() })
      .meta({ description: "the bundle put on the bus again, which the gateway re-fetches and re-applies" }),
    requestedAt: z.string(),
  })
  .meta({ id: "GatewayResync" });

export const CreateApplicationRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(2000).optional(),
    tier: TierName.optional().meta({
      description: "an application tier (kind application) limiting the application across all its subscriptions",
    }),
  })
  .meta({ id: "CreateApplicationRequest" });
export const UpdateApplicationRequest = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    description: z.string().max(2000).nullable().optional(),
    tier: TierName.optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, "give name, description or tier")
  .meta({ id: "UpdateApplicationRequest" });
export const Application = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    tier: z.string().optional().meta({ description: "the application tier (Unlimited by default)" }),
    createdAt: z.string(),
  })
  .meta({ id: "Application" });

/** A redirect URI for authorization_code: absolute https, or http on a loopback host; no fragment. */
export const RedirectUri = z
  .url()
  .max(2000)
  .refine((u) => {
    const url = new URL(u);
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
    return !url.hash && (url.protocol === "https:" || (url.protocol === "http:" && loopback));
  }, "https, or http on a loopback host, without a fragment");

export const CreateCredentialsRequest = z
  .object({
    type: z
      .enum(["confidential", "public"])
      .default("confidential")
      .meta({ description: "public: an SPA or native app without a secret (authorization_code with PKCE only)" }),
    redirectUris: z
      .array(RedirectUri)
      .max(20)
      .default([])
      .meta({ description: "exact redirect URIs for authorization_code" }),
  })
  .refine((r) => r.type === "confidential" || r.redirectUris.length > 0, {
    message: "a public client needs at least one redirect URI",
    path: ["redirectUris"],
  })
  .meta({ id: "CreateCredentialsRequest" });
export const Credentials = z
  .object({
    clientId: z.string(),
    clientSecret: z.string().optional().meta({ description: "absent for a public client" }),
    type: z.enum(["confidential", "public"]).optional(),
    redirectUris: z.array(z.string()).optional(),
  })
  .meta({ id: "Credentials" });
export const CreatedApiKey = z
  .object({ id: z.string(), key: z.string(), expiresAt: z.string().nullable() })
  .meta({ id: "CreatedApiKey" });
const IpOrCidr = z.union([z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()], {
  error: "an IPv4/IPv6 address or CIDR",
});
/** `https://app.example.com/*` (URL prefix), a full URL, `app.example.com` or `*.example.com`. */
const ReferrerPattern = z
  .string()
  .min(1)
  .max(500)
  .refine((p) => {
    if (p.includes("://")) {
      return URL.canParse(p.replace(/\*$/, "")) && /^https?:\/\//.test(p) && !p.slice(0, -1).includes("*");
    }
    return /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*$/i.test(p);
  }, "a URL (optionally ending in *) or a host name (optionally *.domain)");

export const CreateApiKeyRequest = z
  .object({
    expiresInSeconds: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 86400)
      .optional(),
    allowedIps: z
      .array(IpOrCidr)
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "client addresses (IP or CIDR) the key works from; absent: anywhere" }),
    allowedReferrers: z
      .array(ReferrerPattern)
      .min(1)
      .max(100)
      .optional()
      .meta({ description: "Referer patterns the request must match; absent: no check" }),
  })
  .meta({ id: "CreateApiKeyRequest" });

/** The longest grace period a rotated key may keep working. */
export const MAX_API_KEY_GRACE_S = 30 * 86400;
export const RotateApiKeyRequest = z
  .object({
    gracePeriodSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_API_KEY_GRACE_S)
      .default(86400)
      .meta({ description: "how long the old key keeps working (0 to 30 days; default 1 day)" }),
    expiresInSeconds: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 86400)
      .optional()
      .meta({ description: "expiry of the new key; absent: none" }),
  })
  .meta({ id: "RotateApiKeyRequest" });
export const RotatedApiKey = z
  .object({
    id: z.string(),
    key: z.string(),
    expiresAt: z.string().nullable(),
    previous: z.object({ id: z.string(), expiresAt: z.string() }),
  })
  .meta({ id: "RotatedApiKey" });

export const CreateSubscriptionRequest = z
  .object({
    applicationId: z.string(),
    apiId: z.string().optional().meta({ description: "the API to subscribe to (or productId)" }),
    productId: z.string().optional().meta({ description: "the API product to subscribe to (or apiId)" }),
    tier: z.string().min(1).default("Unlimited"),
  })
  .refine((v) => (v.apiId === undefined) !== (v.productId === undefined), {
    message: "give apiId or productId, not both",
    path: ["apiId"],
  })
  .meta({ id: "CreateSubscriptionRequest" });
export const UpdateSubscriptionRequest = z
  .object({
    status: z
      .enum(["ACTIVE", "BLOCKED"])
      .optional()
      .meta({ description: "block or unblock; gateways refuse a blocked one from the next bundle" }),
    tier: z.string().min(1).optional(),
  })
  .strict()
  .refine((v) => v.status !== undefined || v.tier !== undefined, "give status or tier")
  .meta({ id: "UpdateSubscriptionRequest" });

export const Subscription = z
  .object({
    id: z.string(),
    applicationId: z.string(),
    apiId: z.string().optional().meta({ description: "set on a subscription to an API" }),
    productId: z.string().optional().meta({ description: "set on a subscription to an API product" }),
    tier: z.string(),
    status: z.enum(["ACTIVE", "BLOCKED", "PENDING", "REJECTED"]),
    createdAt: z.string(),
  })
  .meta({ id: "Subscription" });

export const TierDto = z
  .object({
    name: z.string(),
    kind: TierKind,
    requests: z.number().int().nullable().meta({ description: "requests per unit; null: no rate limit" }),
    unit: TierUnit,
    requestsPerMinute: z
      .number()
      .nullable()
      .meta({ description: "the rate as requests per minute (fractional for hour and day units)" }),
    burst: z.number().int().nullable(),
    quotaPerMonth: z.number().int().nullable().meta({ description: "requests per calendar month (UTC); null: none" }),
    stopOnQuota: z.boolean().meta({ description: "false: traffic past the quota passes (billed as overage)" }),
    description: z.string().nullable(),
  })
  .meta({ id: "Tier" });
export type TierDto = z.infer<typeof TierDto>;

const TierLimits = {
  requests: z.number().int().positive().nullable().optional(),
  unit: TierUnit.optional(),
  requestsPerMinute: z
    .number()
    .int()
    .positive()
    .nullable()
    .optional()
    .meta({ description: "shorthand for requests with unit minute" }),
  burst: z.number().int().positive().nullable().optional(),
  quotaPerMonth: z.number().int().positive().nullable().optional(),
  stopOnQuota: z.boolean().optional(),
  description: z.string().max(1000).nullable().optional(),
};

const oneRate = (v: { requests?: number | null; requestsPerMinute?: number | null; unit?: string }) =>
  !(v.requestsPerMinute !== undefined && (v.requests !== undefined || (v.unit !== undefined && v.unit !== "minute")));
const oneRateIssue = {
  message: "give requests (with unit) or requestsPerMinute, not both",
  path: ["requestsPerMinute"],
};

export const UpdateTierRequest = z
  .object(TierLimits)
  .strict()
  .refine(oneRate, oneRateIssue)
  .meta({ id: "UpdateTierRequest" });

export const CreateTierRequest = z
  .object({ name: TierName, kind: TierKind.default("subscription"), ...TierLimits })
  .refine(oneRate, oneRateIssue)
  .refine((v) => v.requests !== undefined || v.requestsPerMinute !== undefined, {
    message: "give requests (null for no rate limit) or requestsPerMinute",
    path: ["requests"],
  })
  .meta({ id: "CreateTierRequest" });

/** How an external issuer's token claims map onto what Portico reads. */
export const ClaimMappings = z
  .object({
    scope: z
      .string()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z0-9_.:-]+$/)
      .optional()
      .meta({ description: "claim carrying the scopes (space-separated string or array); default `scope`" }),
  })
  .strict()
  .meta({ id: "ClaimMappings" });

export const CreateKeyManagerRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    issuer: z.url(),
    jwksUri: z.url().optional(),
    audience: z.string().min(1).optional(),
    clientIdClaim: z.string().min(1).max(100).optional(),
    claimMappings: ClaimMappings.optional(),
  })
  .meta({ id: "CreateKeyManagerRequest" });
export const KeyManager = z
  .object({
    id: z.string(),
    name: z.string(),
    issuer: z.string(),
    jwksUri: z.string(),
    audience: z.string().nullable(),
    clientIdClaim: z.string(),
    claimMappings: z.object({ scope: z.string() }),
  })
  .meta({ id: "KeyManager" });
export const CreateExternalClientRequest = z
  .object({ keyManagerId: z.string(), clientId: z.string().min(1).max(200) })
  .meta({ id: "CreateExternalClientRequest" });
export const ExternalClient = z
  .object({ id: z.string(), keyManagerId: z.string(), clientId: z.string(), applicationId: z.string() })
  .meta({ id: "ExternalClient" });

export const Role = z.enum(["admin", "publisher", "creator", "developer"]);
export type Role = z.infer<typeof Role>;

export const User = z
  .object({ id: z.string(), email: z.string(), role: Role, createdAt: z.string() })
  .meta({ id: "User" });
/** Console areas: which parts of the console a role may open (the control plane still checks every call). */
export const ConsoleArea = z.enum(["publisher", "admin", "analytics"]).meta({ id: "ConsoleArea" });
export type ConsoleArea = z.infer<typeof ConsoleArea>;
export const Me = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), role: Role }),
    tenant: z.object({ id: z.string(), slug: z.string() }),
    areas: z.array(ConsoleArea),
    permissions: z.array(z.string()),
  })
  .meta({ id: "Me" });
export const UpdateUserRequest = z.object({ role: Role }).strict().meta({ id: "UpdateUserRequest" });

export const CreateInvitationRequest = z
  .object({ email: z.email().max(254), role: Role })
  .meta({ id: "CreateInvitationRequest" });
export const Invitation = z
  .object({
    id: z.string(),
    email: z.string(),
    role: Role,
    expiresAt: z.string(),
    acceptedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "Invitation" });
export const CreatedInvitation = Invitation.extend({
  token: z.string().meta({ description: "shown only in this response; the invitee accepts with it" }),
}).meta({ id: "CreatedInvitation" });
export const AcceptInvitationRequest = z
  .object({ tenant: Slug, token: z.string().min(10).max(200), password: z.string().min(8).max(200) })
  .meta({ id: "AcceptInvitationRequest" });
export const AcceptInvitationResponse = z
  .object({ user: z.object({ id: z.string(), email: z.string(), role: Role }), accessToken: z.string() })
  .meta({ id: "AcceptInvitationResponse" });
export const IssuerKey = z
  .object({
    kid: z.string(),
    alg: z.string(),
    status: z.enum(["active", "retiring", "retired"]),
    retiresAt: z.string().nullable().meta({ description: "end of the overlap of a key no longer signing" }),
    createdAt: z.string(),
  })
  .meta({ id: "IssuerKey" });
export const RotateIssuerKeyRequest = z
  .object({
    overlapSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86400)
      .optional()
      .meta({
        description:
          "how long the old keys stay published; default: the access-token lifetime plus skew, so every token they signed expires first. Shorter cuts those tokens off early (a compromised key).",
      }),
  })
  .meta({ id: "RotateIssuerKeyRequest" });
export const RotatedIssuerKey = z
  .object({ kid: z.string(), retiring: z.array(z.object({ kid: z.string(), retiresAt: z.string() })) })
  .meta({ id: "RotatedIssuerKey" });

/** One operation of an API, picked into a product: it must be a resource the API declares. */
export const ProductResourceRef = z.object({
  apiId: z.string(),
  method: Resource.shape.method,
  path: z.string().min(1).max(500),
});

export const CreateProductRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    context: Context,
    version: ApiVersion,
    description: z.string().max(5000).optional(),
    resources: z.array(ProductResourceRef).min(1).max(500),
    tiers: z
      .array(TierName)
      .min(1)
      .max(50)
      .optional()
      .meta({ description: "tiers subscriptions to the product may use; absent: every tier of the tenant" }),
    subscriptionApproval: z
      .boolean()
      .optional()
      .meta({ description: "new subscriptions wait (PENDING) until a publisher approves them" }),
  })
  .meta({ id: "CreateProductRequest" });

export const UpdateProductRequest = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    description: z.string().max(5000).optional(),
    resources: z.array(ProductResourceRef).min(1).max(500).optional(),
    tiers: z.array(TierName).min(1).max(50).nullable().optional(),
    subscriptionApproval: z.boolean().optional(),
  })
  .strict()
  .meta({ id: "UpdateProductRequest" });

export const Product = z
  .object({
    id: z.string(),
    name: z.string(),
    context: z.string(),
    version: z.string(),
    status: ApiStatus,
    description: z.string().nullable(),
    resources: z.array(ProductResourceRef),
    tiers: z.array(z.string()).nullable().meta({ description: "null: every tier of the tenant" }),
    subscriptionApproval: z.boolean(),
    deprecatedAt: z.string().nullable(),
    sunsetAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Product" });
export type Product = z.infer<typeof Product>;

export const ProductRevision = z
  .object({
    id: z.string(),
    productId: z.string(),
    number: z.number().int(),
    createdAt: z.string(),
    deployedTo: z.array(z.string()).meta({ description: "environments where this revision is live" }),
  })
  .meta({ id: "ProductRevision" });

export const ProductDeployment = Deployment.omit({ apiId: true })
  .extend({ productId: z.string() })
  .meta({ id: "ProductDeployment" });

/** One change to tenant state: who did what to which resource, with a before/after summary. */
export const AuditEvent = z
  .object({
    id: z.string(),
    actorId: z.string().nullable(),
    actorRole: z.string().nullable(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    summary: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .meta({ id: "AuditEvent" });

export const WebhookEvent = z
  .string()
  .regex(/^(\*|[a-z-]+\.(\*|[a-z-]+))$/, "an audit action like api.lifecycle, a prefix like subscription.*, or *");

export const CreateWebhookRequest = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(2000),
    events: z.array(WebhookEvent).min(1).max(50),
  })
  .meta({ id: "CreateWebhookRequest" });

export const Webhook = z
  .object({ id: z.string(), url: z.string(), events: z.array(z.string()), createdAt: z.string() })
  .meta({ id: "Webhook" });
export const CreatedWebhook = Webhook.extend({
  secret: z.string().meta({ description: "HMAC-SHA256 key of the X-Portico-Signature header; shown only here" }),
}).meta({ id: "CreatedWebhook" });

export const WebhookDelivery = z
  .object({
    id: z.string(),
    event: z.string(),
    status: z.enum(["pending", "delivered", "failed"]),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "WebhookDelivery" });
