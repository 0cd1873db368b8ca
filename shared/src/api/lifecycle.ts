import type { z } from "zod";
import type { ApiStatus } from "../bundle/schema.js";
import type { LifecycleAction } from "./index.js";

type Action = z.infer<typeof LifecycleAction>;
type Status = z.infer<typeof ApiStatus>;

/**
 * The lifecycle of APIs and API products as a state machine: a move missing here is refused.
 * The control plane enforces it; the console offers only the moves it lists.
 */
export const LIFECYCLE_TRANSITIONS: Record<Status, Partial<Record<Action, Status>>> = {
  CREATED: { "pre-release": "PRE-RELEASED", publish: "PUBLISHED" },
  "PRE-RELEASED": { publish: "PUBLISHED", demote: "CREATED" },
  PUBLISHED: { block: "BLOCKED", deprecate: "DEPRECATED", demote: "CREATED" },
  BLOCKED: { publish: "PUBLISHED", deprecate: "DEPRECATED" },
  DEPRECATED: { retire: "RETIRED" },
  RETIRED: {},
};

/** The actions allowed from a status, in the table's order. */
export const allowedLifecycleActions = (status: Status): Action[] =>
  Object.keys(LIFECYCLE_TRANSITIONS[status]) as Action[];
