import type { Role } from "@portico/shared";
import type { MiddlewareHandler } from "hono";
import { currentMember } from "../services/users.js";
import type { AppEnv } from "./env.js";
import { sendProblem } from "./problem.js";

/** What each role may do: one table, enforced on every route through `requirePermission`. */
export const PERMISSIONS = {
  /** Who am I: every member may read their own profile, role and permissions. */
  "profile:read": ["admin", "publisher", "creator", "developer"],
  "apis:read": ["admin", "publisher", "creator", "developer"],
  "apis:write": ["admin", "publisher", "creator"],
  "apis:publish": ["admin", "publisher"],
  "apis:deploy": ["admin", "publisher"],
  "products:read": ["admin", "publisher", "creator", "developer"],
  "products:manage": ["admin", "publisher"],
  "environments:write": ["admin"],
  "gateways:read": ["admin", "publisher"],
  "gateways:resync": ["admin", "publisher"],
  "applications:write": ["admin", "publisher", "creator", "developer"],
  "subscriptions:write": ["admin", "publisher", "creator", "developer"],
  "subscriptions:manage": ["admin", "publisher"],
  "tiers:write": ["admin"],
  "key-managers:write": ["admin"],
  "analytics:read": ["admin", "publisher", "creator", "developer"],
  /** Exporters send every event of the tenant elsewhere, with a secret of its own. */
  "analytics:export": ["admin"],
  /** Ratings and comments: consumer feedback; admins also moderate comments. */
  "feedback:write": ["admin", "developer"],
  "audit:read": ["admin"],
  "users:manage": ["admin"],
  "webhooks:manage": ["admin"],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export const can = (role: Role, permission: Permission) => (PERMISSIONS[permission] as readonly Role[]).includes(role);

/** The permissions a role holds, for the console to hide what the control plane would refuse. */
export const permissionsOf = (role: Role) => (Object.keys(PERMISSIONS) as Permission[]).filter((p) => can(role, p));

/**
 * Console areas by the permission that opens them. Creators design APIs (publisher area); the
 * analytics area shows tenant-wide traffic, so it follows `gateways:read`, not `analytics:read`,
 * which developers hold for their own applications.
 */
const AREA_PERMISSION = { publisher: "apis:write", admin: "users:manage", analytics: "gateways:read" } as const;
export const areasOf = (role: Role) =>
  (Object.keys(AREA_PERMISSION) as (keyof typeof AREA_PERMISSION)[]).filter((a) => can(role, AREA_PERMISSION[a]));

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
