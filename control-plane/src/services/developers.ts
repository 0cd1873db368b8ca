import {
  ok,
  type PortalSettings,
  type RegisterDeveloperRequest,
  type UpdatePortalSettingsRequest,
} from "@portico/shared";
import { eq } from "drizzle-orm";
import type { z } from "zod";
import { tenants, users } from "../db/schema/index.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { etagOf, preconditionFailed } from "./etag.js";
import { FixedWindow } from "./fixed-window.js";
import { hashPassword } from "./tenants.js";

/** A tenant's portal as anyone may see it; read before any tenant is fixed. */
export async function findPortal(s: Services, slug: string) {
  const [t] = await s.db.system
    .select({ id: tenants.id, slug: tenants.slug, name: tenants.name, openRegistration: tenants.openRegistration })
    .from(tenants)
    .where(eq(tenants.slug, slug));
  return t;
}

export async function portalInfo(s: Services, slug: string) {
  const t = await findPortal(s, slug);
  return t ? ok({ tenant: { slug: t.slug, name: t.name }, openRegistration: t.openRegistration }) : notFound("portal");
}

/**
 * Registrations per tenant and minute, counted before any password is hashed, so a flood
 * costs the control plane a map lookup, not argon2 work. Per tenant rather than per address:
 * the console registers on behalf of every browser, so all its calls share one address.
 */
const registrations = new FixedWindow(60_000, 20);

/** Self-registration on the portal: a new user with the developer role, signed in at once. */
export async function registerDeveloper(
  s: Services,
  input: z.infer<typeof RegisterDeveloperRequest>,
): Promise<ServiceResult<{ user: { id: string; email: string; role: "developer" }; accessToken: string }>> {
  const retryAfter = registrations.take(input.tenant);
  if (retryAfter) {
    return fail("rate-limited", `too many registrations on this portal; try again in ${retryAfter} s`);
  }
  const portal = await findPortal(s, input.tenant);
  if (!portal) {
    return notFound("portal");
  }
  if (!portal.openRegistration) {
    return fail("forbidden", "this portal does not take registrations; ask its administrators for an invitation");
  }
  const email = input.email.toLowerCase();
  const passwordHash = await hashPassword(input.password);
  try {
    const user = await s.db.withTenant(portal.id, async (tx) => {
      const [u] = await tx
        .insert(users)
        .values({ tenantId: portal.id, email, passwordHash, role: "developer" })
        .returning();
      await audit(
        tx,
        { tenantId: portal.id, userId: u!.id, role: "developer" },
        { action: "developer.register", target: { type: "user", id: u!.id }, summary: { email } },
      );
      return u!;
    });
    const accessToken = await s.tokens.issue({
      userId: user.id,
      tenantId: portal.id,
      tenantSlug: portal.slug,
      role: "developer",
    });
    return ok({ user: { id: user.id, email, role: "developer" }, accessToken });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", "that email is already registered; sign in instead");
    }
    throw e;
  }
}

type Settings = z.infer<typeof PortalSettings>;

export async function getPortalSettings(s: Services, actor: Actor): Promise<ServiceResult<Settings>> {
  const [row] = await s.db.withTenant(actor.tenantId, (tx) =>
    tx.select({ openRegistration: tenants.openRegistration }).from(tenants).where(eq(tenants.id, actor.tenantId)),
  );
  return row ? ok(row) : notFound("tenant");
}

export async function updatePortalSettings(
  s: Services,
  actor: Actor,
  input: z.infer<typeof UpdatePortalSettingsRequest>,
  ifMatch?: string,
): Promise<ServiceResult<Settings>> {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const [before] = await tx
      .select({ openRegistration: tenants.openRegistration })
      .from(tenants)
      .where(eq(tenants.id, actor.tenantId))
      .for("update");
    if (!before) {
      return notFound("tenant");
    }
    const stale = preconditionFailed(ifMatch, before);
    if (stale) {
      return stale;
    }
    const after = { ...before, ...input };
    await tx.update(tenants).set(after).where(eq(tenants.id, actor.tenantId));
    if (etagOf(after) !== etagOf(before)) {
      await audit(tx, actor, {
        action: "portal.settings",
        target: { type: "tenant", id: actor.tenantId },
        summary: { openRegistration: [before.openRegistration, after.openRegistration] },
      });
    }
    return ok(after);
  });
}
