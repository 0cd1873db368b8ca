import type { Role } from "@portico/shared";
import type { MiddlewareHandler } from "hono";
import { currentMember } from "../services/users.js";
import type { AppEnv } from "./env.js";
import { sendProblem } from "./problem.js";

/** What each role may do: one table, enforced on every route through `requirePermission`. */
export const PERMISSIONS = {
  "apis:read": ["admin", "publisher", "creator", "developer"],
  "apis:write": ["admin", "publisher", "creator"],
  "apis:publish": ["admin", "publisher"],
  "apis:deploy": ["admin", "publisher"],
  "products:read": ["admin", "publisher", "creator", "developer"],
  "products:manage": ["admin", "publisher"],
  "environments:write": ["admin"],
  "gateways:read": ["admin", "publisher"],
  "applications:write": ["admin", "publisher", "creator", "developer"],
  "subscriptions:write": ["admin", "publisher", "creator", "developer"],
  "subscriptions:manage": ["admin", "publisher"],
  "tiers:write": ["admin"],
  "key-managers:write": ["admin"],
  "analytics:read": ["admin", "publisher", "creator", "developer"],
  /** Ratings and comments: consumer feedback; admins also moderate comments. */
  "feedback:write": ["admin", "developer"],
  "audit:read": ["admin"],
  "users:manage": ["admin"],
  "webhooks:manage": ["admin"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const can = (role: Role, permission: Permission) => (PERMISSIONS[permission] as readonly Role[]).includes(role);

/**
 * Authenticates the console token (it fixes tenant and user) and checks the role's
 * permission. Every /api/v1 route but signup and login goes through it.
 */
export function requirePermission(permission: Permission): MiddlewareHandler<AppEnv> {
  return async function authorize(c, next) {
    const header = c.req.header("authorization") ?? "";
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header)?.[1];
    const claimed = token ? await c.var.services.tokens.verify(token) : null;
    const actor = claimed ? await currentMember(c.var.services, claimed) : null;
    if (!actor) {
      c.header("WWW-Authenticate", 'Bearer realm="portico"');
      return sendProblem(c, "unauthorized", "a valid console token is required");
    }
    if (!can(actor.role, permission)) {
      return sendProblem(c, "forbidden", `the ${actor.role} role may not do this`);
    }
    c.set("actor", actor);
    return next();
  };
}
