import { z } from "zod";

/**
 * RFC 9457 problem details. `type` URIs are part of the external contract: clients switch on
 * them, so a code once shipped keeps its URI and status.
 */
export const PROBLEM_TYPE_BASE = "https://portico.dev/problems/";

export const problemCatalog = {
  "validation-failed": { status: 400, title: "The request is not valid" },
  "invalid-openapi": { status: 400, title: "The OpenAPI document is not valid" },
  unauthorized: { status: 401, title: "Authentication is required" },
  "invalid-credentials": { status: 401, title: "The credentials are not valid" },
  "invalid-token": { status: 401, title: "The access token is not valid" },
  "invalid-api-key": { status: 401, title: "The API key is not valid" },
  forbidden: { status: 403, title: "The operation is not allowed" },
  "not-subscribed": { status: 403, title: "The application is not subscribed to this API" },
  "api-key-not-allowed": { status: 403, title: "The API key may not be used from this address or referrer" },
  "insufficient-scope": { status: 403, title: "The access token lacks a required scope" },
  "not-found": { status: 404, title: "The resource does not exist" },
  "api-not-found": { status: 404, title: "No API matches this path" },
  "method-not-allowed": { status: 405, title: "The method is not allowed" },
  "resource-not-found": { status: 404, title: "The API has no such resource" },
  conflict: { status: 409, title: "The resource conflicts with an existing one" },
  "slug-taken": { status: 409, title: "The tenant slug is already taken" },
  "invalid-transition": { status: 409, title: "The lifecycle does not allow this transition" },
  "incompatible-gateways": {
    status: 409,
    title: "Gateways of the environment do not support a policy kind the revision uses",
  },
  "precondition-failed": { status: 412, title: "The resource changed since it was read" },
  "payload-too-large": { status: 413, title: "The request body is too large" },
  "unsupported-media-type": { status: 415, title: "The content type is not supported" },
  "rate-limited": { status: 429, title: "Too many requests" },
  "quota-exceeded": { status: 429, title: "The quota for this period is used up" },
  internal: { status: 500, title: "Internal error" },
  "bad-gateway": { status: 502, title: "The upstream service failed" },
  "api-blocked": { status: 503, title: "The API is blocked" },
  "upstream-unavailable": { status: 503, title: "The upstream service is unavailable" },
  "not-ready": { status: 503, title: "The service is not ready" },
  "gateway-timeout": { status: 504, title: "The upstream service timed out" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof problemCatalog;

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "Each invalid field, for validation problems" }),
  })
  .catchall(z.unknown())
  .meta({ id: "Problem" });
export type Problem = z.infer<typeof Problem>;

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export function problem(code: ProblemCode, detail?: string, extra?: Record<string, unknown>): Problem {
  const { status, title } = problemCatalog[code];
  return { type: PROBLEM_TYPE_BASE + code, title, status, ...(detail ? { detail } : {}), ...extra };
}

/** Flattens zod issues into `errors[]`, one entry per invalid field. */
export function zodIssues(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message }));
}
