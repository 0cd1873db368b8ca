import { DeploymentConflict, Problem } from "@portico/shared";
import type { Context } from "hono";
import { z } from "zod";
import { type Permission, requirePermission } from "../http/authorize.js";
import { sendDomainError } from "../http/problem.js";
import type { ServiceResult } from "../services/errors.js";
import { etagOf } from "../services/etag.js";

/** Small builders so each route file reads as its contract. */
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: "Invalid input (problem+json listing the errors)",
  401: "Missing or invalid credentials",
  403: "Not allowed for this role",
  404: "Not found in this tenant",
  409: "Conflict",
  412: "If-Match does not match the current ETag",
  429: "Too many requests (see Retry-After)",
};

export const problems = (...statuses: (400 | 401 | 403 | 404 | 409 | 412 | 429)[]) =>
  Object.fromEntries(
    statuses.map((s) => [
      s,
      { content: { "application/problem+json": { schema: Problem } }, description: PROBLEM_DESCRIPTIONS[s]! },
    ]),
  ) as Record<
    400 | 401 | 403 | 404 | 409 | 429,
    { content: { "application/problem+json": { schema: typeof Problem } }; description: string }
  >;

/** A deploy's 409, whose incompatible-gateways problem lists the gateways in `gateways`. */
export const deployConflict = {
  409: {
    content: { "application/problem+json": { schema: DeploymentConflict } },
    description: "Retired (invalid-transition), or live gateways lacking a policy kind (incompatible-gateways)",
  },
};

export const IdParams = z.object({ id: z.string().meta({ description: "resource id" }) });

export const bearer = [{ bearerAuth: [] }];

/**
 * Service result → JSON with the success status, or the domain error as problem+json.
 * Typed `never` because @hono/zod-openapi's typed-response check cannot follow a Result;
 * the payload's shape is fixed by the service's return type and the route's schema instead.
 */
export function reply<T>(c: Context, r: ServiceResult<T>, status: 200 | 201 | 202 = 200): never {
  return (r.ok ? c.json(r.value as object, status) : sendDomainError(c, r.error)) as never;
}

/** 204 on success (deletes, revocations), the domain error as problem+json otherwise. */
export function replyNoContent(c: Context, r: ServiceResult<unknown>): never {
  return r.ok ? (c.body(null, 204) as never) : reply(c, r);
}

/** A page of a list: the items as the JSON array body, the next page in `Link` and `X-Next-Cursor`. */
export function replyPage<T>(c: Context, r: ServiceResult<{ items: T[]; nextCursor: string | null }>): never {
  if (r.ok && r.value.nextCursor) {
    const next = new URL(c.req.url);
    next.searchParams.set("cursor", r.value.nextCursor);
    c.header("Link", `<${next.pathname}${next.search}>; rel="next"`);
    c.header("X-Next-Cursor", r.value.nextCursor);
  }
  return reply(c, r.ok ? { ok: true, value: r.value.items } : r);
}

/** The headers a paginated list answers with, for the OpenAPI document. */
export const pageHeaders = {
  Link: {
    description: 'RFC 8288 link to the next page (rel="next"), absent on the last page',
    schema: { type: "string" as const },
  },
  "X-Next-Cursor": {
    description: "cursor of the next page, absent on the last page",
    schema: { type: "string" as const },
  },
};

/**
 * The route's one permission: installs the check and publishes it as `x-permission` in the
 * OpenAPI document, which the route × role test walks.
 */
export const guard = (permission: Permission) => ({
  middleware: [requirePermission(permission)],
  "x-permission": permission,
});

/** A single resource with its ETag (the hash of its representation), for If-Match on updates. */
export function replyWithEtag<T>(c: Context, r: ServiceResult<T>, status: 200 | 201 = 200): never {
  if (r.ok) {
    c.header("ETag", etagOf(r.value));
  }
  return reply(c, r, status);
}

export const etagHeaders = {
  ETag: { description: "validator for If-Match on updates", schema: { type: "string" as const } },
};
