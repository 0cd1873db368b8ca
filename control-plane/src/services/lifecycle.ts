import { type ApiStatus, type LifecycleAction, ok } from "@portico/shared";
import type { z } from "zod";
import { fail, type ServiceResult } from "./errors.js";

/** The lifecycle of APIs and API products as a state machine: a move missing here is refused. */
const TRANSITIONS: Record<ApiStatus, Partial<Record<z.infer<typeof LifecycleAction>, ApiStatus>>> = {
  CREATED: { "pre-release": "PRE-RELEASED", publish: "PUBLISHED" },
  "PRE-RELEASED": { publish: "PUBLISHED", demote: "CREATED" },
  PUBLISHED: { block: "BLOCKED", deprecate: "DEPRECATED", demote: "CREATED" },
  BLOCKED: { publish: "PUBLISHED", deprecate: "DEPRECATED" },
  DEPRECATED: { retire: "RETIRED" },
  RETIRED: {},
};

const allowedActions = (status: ApiStatus) => Object.keys(TRANSITIONS[status]);

/** The status `action` leads to from `status`, or the refusal naming what is allowed. */
export function nextStatus(
  status: ApiStatus,
  action: z.infer<typeof LifecycleAction>,
  what: "API" | "API product",
): ServiceResult<ApiStatus> {
  const next = TRANSITIONS[status][action];
  if (next) {
    return ok(next);
  }
  const allowed = allowedActions(status);
  return fail(
    "invalid-transition",
    `cannot ${action} an ${what} that is ${status}; allowed: ${allowed.length ? allowed.join(", ") : "none"}`,
  );
}

/** The columns a move to `next` sets besides the status: deprecation dates travel to the gateways. */
export const lifecycleDates = (next: ApiStatus, sunsetAt?: string) =>
  next === "DEPRECATED" ? { deprecatedAt: new Date(), sunsetAt: sunsetAt ? new Date(sunsetAt) : null } : {};
