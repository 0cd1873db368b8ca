import { z } from "zod";
import { ApiStatus, Tier } from "../bundle/schema.js";
import { Policy } from "../policies/index.js";
import { Scope } from "../policies/scopes/schema.js";

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

export const Upstream = z.object({
  url: z.url({ protocol: /^https?$/ }).max(2000),
});

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
    }),
  })
  .meta({ id: "Deployment" });

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
  })
  .meta({ id: "Gateway" });

export const CreateApplicationRequest = z
  .object({ name: z.string().trim().min(1).max(100), description: z.string().max(2000).optional() })
  .meta({ id: "CreateApplicationRequest" });
export const Application = z
  .object({ id: z.string(), name: z.string(), description: z.string().nullable(), createdAt: z.string() })
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
  .object({ applicationId: z.string(), apiId: z.string(), tier: z.string().min(1).default("Unlimited") })
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
    apiId: z.string(),
    tier: z.string(),
    status: z.enum(["ACTIVE", "BLOCKED", "PENDING", "REJECTED"]),
    createdAt: z.string(),
  })
  .meta({ id: "Subscription" });

export const TierDto = Tier.meta({ id: "Tier" });
export const UpdateTierRequest = z
  .object({
    requestsPerMinute: z.number().int().positive().nullable().optional(),
    burst: z.number().int().positive().nullable().optional(),
  })
  .strict()
  .meta({ id: "UpdateTierRequest" });

export const CreateTierRequest = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(60)
      .regex(/^[A-Za-z0-9 _-]+$/),
    requestsPerMinute: z.number().int().positive().nullable(),
    burst: z.number().int().positive().nullable().optional(),
  })
  .meta({ id: "CreateTierRequest" });

export const AnalyticsQuery = z.object({
  apiId: z.string().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
const Stats = z.object({
  count: z.number().int(),
  errors: z.number().int(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
export const AnalyticsResponse = z
  .object({
    from: z.string(),
    to: z.string(),
    totals: Stats,
    series: z.array(Stats.extend({ minute: z.string() })),
  })
  .meta({ id: "AnalyticsRequests" });

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
