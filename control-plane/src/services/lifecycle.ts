import {
  type ApiStatus,
  allowedLifecycleActions,
  LIFECYCLE_TRANSITIONS,
  type LifecycleRequest,
  ok,
} from "@portico/shared";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { redeploy } from "../deployer/redeploy.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, notFound, type ServiceResult } from "./errors.js";

interface LifecycleRow {
  id: string;
  name: string;
  context: string;
  version: string;
  status: ApiStatus;
}

/** The columns a move sets; the deprecation dates travel to the gateways (Deprecation, Sunset). */
export interface StatusChange {
  status: ApiStatus;
  updatedAt: Date;
  deprecatedAt?: Date;
  sunsetAt?: Date | null;
}

/** What the lifecycle needs of a kind of entity that gateways serve (APIs, API products). */
export interface LifecycleSubject<Row extends LifecycleRow> {
  noun: "API" | "API product";
  /** audit target type, and the prefix of the audit action */
  type: "api" | "product";
  find(tx: Tx, id: string): Promise<Row | undefined>;
  /** environments where it is live now */
  liveEnvironments(tx: Tx, id: string): Promise<string[]>;
  /** ends every live deployment of it */
  undeployAll(tx: Tx, id: string): Promise<void>;
  update(tx: Tx, id: string, change: StatusChange): Promise<Row>;
  /** the other PUBLISHED versions of its context */
  publishedSiblings(tx: Tx, row: Row): Promise<Row[]>;
  /** Deletes it, or says what still needs it (refused with 409). */
  remove(tx: Tx, id: string): Promise<string | null>;
}

/** Deletes one entity; the environments it was live in get bundles without it. */
export async function deleteOf<Row extends LifecycleRow>(
  s: Services,
  actor: Actor,
  subject: LifecycleSubject<Row>,
  id: string,
): Promise<ServiceResult<null>> {
  const result = await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<null>> => {
    const row = await subject.find(tx, id);
    if (!row) {
      return notFound(subject.noun);
    }
    const envs = await subject.liveEnvironments(tx, id);
    const refused = await subject.remove(tx, id);
    if (refused) {
      return fail("conflict", refused);
    }
    await redeploy(tx, s.deploy, actor.tenantId, envs);
    await audit(tx, actor, {
      action: `${subject.type}.delete`,
      target: { type: subject.type, id },
      summary: { before: { name: row.name, context: row.context, version: row.version, status: row.status } },
    });
    return ok(null);
  });
  if (result.ok) {
    s.publishBundles();
  }
  return result;
}

/** Moves one entity to `next`, with what that means for its deployments and gateways. */
async function transition<Row extends LifecycleRow>(
  tx: Tx,
  s: Services,
  actor: Actor,
  subject: LifecycleSubject<Row>,
  row: Row,
  action: string,
  next: ApiStatus,
  sunsetAt?: string,
): Promise<Row> {
  const envs = await subject.liveEnvironments(tx, row.id);
  if (next === "RETIRED") {
    // Retiring undeploys: the gateways answer 404 from the next bundle on.
    await subject.undeployAll(tx, row.id);
  }
  const after = await subject.update(tx, row.id, {
    status: next,
    updatedAt: new Date(),
    ...(next === "DEPRECATED" ? { deprecatedAt: new Date(), sunsetAt: sunsetAt ? new Date(sunsetAt) : null } : {}),
  });
  await redeploy(tx, s.deploy, actor.tenantId, envs);
  await audit(tx, actor, {
    action: `${subject.type}.lifecycle`,
    target: { type: subject.type, id: row.id },
    summary: { action, status: [row.status, next] },
  });
  return after;
}

/** A lifecycle action on one entity (409 when the state machine forbids it). */
export async function changeLifecycleOf<Row extends LifecycleRow>(
  s: Services,
  actor: Actor,
  subject: LifecycleSubject<Row>,
  id: string,
  request: z.infer<typeof LifecycleRequest>,
): Promise<ServiceResult<Row>> {
  const { action } = request;
  const result = await s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<Row>> => {
    const row = await subject.find(tx, id);
    if (!row) {
      return notFound(subject.noun);
    }
    const next = LIFECYCLE_TRANSITIONS[row.status][action];
    if (!next) {
      const allowed = allowedLifecycleActions(row.status);
      return fail(
        "invalid-transition",
        `cannot ${action} an ${subject.noun} that is ${row.status}; allowed: ${allowed.length ? allowed.join(", ") : "none"}`,
      );
    }
    const after = await transition(tx, s, actor, subject, row, action, next, request.sunsetAt);
    if (next === "PUBLISHED" && request.deprecatePreviousVersions) {
      for (const other of await subject.publishedSiblings(tx, row)) {
        await transition(tx, s, actor, subject, other, "deprecate", "DEPRECATED");
      }
    }
    return ok(after);
  });
  if (result.ok) {
    s.publishBundles();
  }
  return result;
}
