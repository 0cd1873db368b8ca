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

export const CreateApiRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    context: Context,
    version: ApiVersion,
    upstream: Upstream,
    description: z.string().max(5000).optional(),
    openapi: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    policies: z.array(Policy).max(50).optional().meta({ description: "Policies applied to every request" }),
    resources: z.array(Resource).max(1000).optional(),
  })
  .meta({ id: "CreateApiRequest" });

export const UpdateApiRequest = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    description: z.string().max(5000).optional(),
    upstream: Upstream.optional(),
    policies: z.array(Policy).max(50).optional(),
    resources: z.array(Resource).max(1000).optional(),
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
export const LifecycleRequest = z.object({ action: LifecycleAction }).meta({ id: "LifecycleRequest" });

export const Revision = z
  .object({ id: z.string(), apiId: z.string(), number: z.number().int(), createdAt: z.string() })
  .meta({ id: "Revision" });

export const CreateDeploymentRequest = z
  .object({ revisionId: z.string(), environment: z.string().min(1).max(100) })
  .meta({ id: "CreateDeploymentRequest" });

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

export const Credentials = z.object({ clientId: z.string(), clientSecret: z.string() }).meta({ id: "Credentials" });
export const CreatedApiKey = z
  .object({ id: z.string(), key: z.string(), expiresAt: z.string().nullable() })
  .meta({ id: "CreatedApiKey" });
export const CreateApiKeyRequest = z
  .object({
    expiresInSeconds: z
      .number()
      .int()
      .positive()
      .max(10 * 365 * 86400)
      .optional(),
  })
  .meta({ id: "CreateApiKeyRequest" });

export const CreateSubscriptionRequest = z
  .object({ applicationId: z.string(), apiId: z.string(), tier: z.string().min(1).default("Unlimited") })
  .meta({ id: "CreateSubscriptionRequest" });
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

export const CreateKeyManagerRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    issuer: z.url(),
    jwksUri: z.url().optional(),
    audience: z.string().min(1).optional(),
    clientIdClaim: z.string().min(1).max(100).optional(),
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
  })
  .meta({ id: "KeyManager" });
export const CreateExternalClientRequest = z
  .object({ keyManagerId: z.string(), clientId: z.string().min(1).max(200) })
  .meta({ id: "CreateExternalClientRequest" });
export const ExternalClient = z
  .object({ id: z.string(), keyManagerId: z.string(), clientId: z.string(), applicationId: z.string() })
  .meta({ id: "ExternalClient" });
