import { type CreateEnvironmentRequest, newUuid, ok, Slug, type UpdateEnvironmentRequest } from "@portico/shared";
import { and, eq, isNull, or } from "drizzle-orm";
import { z } from "zod";
import type { Db, Tx } from "../db/client.js";
import { environments } from "../db/schema/index.js";
import { isId } from "./apis.js";
import { audit, changes } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { listPage, type PageQuery } from "./pagination.js";

type EnvRow = typeof environments.$inferSelect;

export const toEnvironment = (e: EnvRow) => ({
  id: e.id,
  name: e.name,
  type: e.tenantId ? ("self-hosted" as const) : ("shared" as const),
  gatewayUrl: e.gatewayUrl,
});

/** By id, or by name with the tenant's own environments before the shared ones. */
export async function resolveEnvironment(tx: Tx, ref: string): Promise<EnvRow | undefined> {
  const rows = await tx
    .select()
    .from(environments)
    .where(isId(ref) ? or(eq(environments.id, ref), eq(environments.name, ref)) : eq(environments.name, ref));
  return rows.find((r) => r.id === ref) ?? rows.find((r) => r.tenantId) ?? rows[0];
}

export const listEnvironments = (s: Services, actor: Actor, q: PageQuery) =>
  listPage(s.db, actor.tenantId, environments, q, environments.createdAt, [], toEnvironment);

/** A self-hosted environment of the tenant, keyed on the bus by its id. */
export async function createEnvironment(
  s: Services,
  actor: Actor,
  input: z.infer<typeof CreateEnvironmentRequest>,
): Promise<ServiceResult<ReturnType<typeof toEnvironment>>> {
  const id = newUuid();
  try {
    return await s.db.withTenant(actor.tenantId, async (tx) => {
      if (await resolveEnvironment(tx, input.name)) {
        return fail("conflict", `an environment named "${input.name}" exists`);
      }
      const [row] = await tx
        .insert(environments)
        .values({ id, tenantId: actor.tenantId, name: input.name, busKey: id, gatewayUrl: input.gatewayUrl ?? null })
        .returning();
      await audit(tx, actor, {
        action: "environment.create",
        target: { type: "environment", id },
        summary: { after: { name: input.name } },
      });
      return ok(toEnvironment(row!));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", `an environment named "${input.name}" exists`);
    }
    throw e;
  }
}

/**
 * A tenant renames its own self-hosted environment or changes its gateway URL. Shared
 * environments belong to the platform operator: 403, whatever the tenant's role.
 */
export async function updateEnvironment(
  s: Services,
  actor: Actor,
  ref: string,
  input: z.infer<typeof UpdateEnvironmentRequest>,
): Promise<ServiceResult<ReturnType<typeof toEnvironment>>> {
  try {
    return await s.db.withTenant(actor.tenantId, async (tx) => {
      const env = await resolveEnvironment(tx, ref);
      if (!env) {
        return notFound("environment");
      }
      if (env.tenantId === null) {
        return fail("forbidden", "shared environments are managed by the platform operator");
      }
      if (input.name !== undefined && input.name !== env.name) {
        const taken = await resolveEnvironment(tx, input.name);
        if (taken && taken.id !== env.id) {
          return fail("conflict", `an environment named "${input.name}" exists`);
        }
      }
      // The bus key (the id) stays: gateways installed for this environment keep receiving.
      const [after] = await tx
        .update(environments)
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.gatewayUrl !== undefined ? { gatewayUrl: input.gatewayUrl } : {}),
        })
        .where(eq(environments.id, env.id))
        .returning();
      await audit(tx, actor, {
        action: "environment.update",
        target: { type: "environment", id: env.id },
        summary: changes(env, after!, ["name", "gatewayUrl"]),
      });
      return ok(toEnvironment(after!));
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", `an environment named "${input.name}" exists`);
    }
    throw e;
  }
}

/** A shared environment as the operator declares it: `name` or `name=https://gateway.url`. */
export const SharedEnvironmentSpec = z.object({ name: Slug, gatewayUrl: z.url().optional() });
export type SharedEnvironmentSpec = z.infer<typeof SharedEnvironmentSpec>;

/** `PORTICO_SHARED_ENVIRONMENTS="default,eu-west=https://eu.gw.example"` → specs. */
export function parseSharedEnvironments(text: string | undefined): SharedEnvironmentSpec[] {
  return (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "")
    .map((item) => {
      const at = item.indexOf("=");
      const raw = at < 0 ? { name: item } : { name: item.slice(0, at).trim(), gatewayUrl: item.slice(at + 1).trim() };
      const parsed = SharedEnvironmentSpec.safeParse(raw);
      if (!parsed.success) {
        throw new Error(`shared environment "${item}": ${parsed.error.issues.map((i) => i.message).join("; ")}`);
      }
      return { name: parsed.data.name, gatewayUrl: parsed.data.gatewayUrl?.replace(/\/+$/, "") };
    });
}

/**
 * Platform operation (never a tenant's): creates a shared environment, platform-wide and keyed
 * on the bus by its name, or sets the gateway URL of an existing one. Runs as the platform
 * role, outside any tenant; the application role cannot write tenant-less rows.
 */
export async function ensureSharedEnvironment(db: Db, spec: SharedEnvironmentSpec): Promise<"created" | "updated"> {
  const [existing] = await db
    .select()
    .from(environments)
    .where(and(eq(environments.name, spec.name), isNull(environments.tenantId)));
  if (existing) {
    if (spec.gatewayUrl !== undefined && spec.gatewayUrl !== existing.gatewayUrl) {
      await db.update(environments).set({ gatewayUrl: spec.gatewayUrl }).where(eq(environments.id, existing.id));
    }
    return "updated";
  }
  await db
    .insert(environments)
    .values({ name: spec.name, busKey: spec.name, gatewayUrl: spec.gatewayUrl ?? null })
    .onConflictDoNothing();
  return "created";
}
