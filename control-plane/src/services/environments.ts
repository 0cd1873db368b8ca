import { type CreateEnvironmentRequest, newUuid, ok } from "@portico/shared";
import { eq, or } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { environments } from "../db/schema/index.js";
import { isId } from "./apis.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, type ServiceResult } from "./errors.js";

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

export async function listEnvironments(s: Services, actor: Actor) {
  const rows = await s.db.withTenant(actor.tenantId, (tx) =>
    tx.select().from(environments).orderBy(environments.createdAt),
  );
  return rows.map(toEnvironment);
}

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
