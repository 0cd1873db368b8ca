import { hash, verify } from "@node-rs/argon2";
import { type LoginRequest, newUuid, ok, type SignupRequest } from "@portico/shared";
import { and, eq, isNull } from "drizzle-orm";
import type { z } from "zod";
import { environments, tenants, tiers, users } from "../db/schema/index.js";
import { redeploy } from "../deployer/redeploy.js";
import { createIssuerKey } from "../keys/issuer.js";
import { audit } from "./audit.js";
import type { Services } from "./context.js";
import { ensureSharedEnvironment } from "./environments.js";
import { fail, isUniqueViolation, type ServiceResult } from "./errors.js";
import { DEFAULT_TIERS } from "./tiers.js";

/** argon2id (algorithm 2) with the library's OWASP-grade defaults. */
export const hashPassword = (password: string) => hash(password, { algorithm: 2 });

// Verified against when the user does not exist, so a missing account costs the same time.
const DUMMY_HASH = hashPassword("portico-timing-equaliser");

export const DEFAULT_ENVIRONMENT = "default";

export async function signup(
  s: Services,
  input: z.infer<typeof SignupRequest>,
): Promise<
  ServiceResult<{
    tenant: { id: string; slug: string; name: string };
    user: { id: string; email: string };
    accessToken: string;
  }>
> {
  const passwordHash = await hashPassword(input.admin.password);
  const tenantId = newUuid();
  const email = input.admin.email.toLowerCase();
  try {
    const user = await s.db.withTenant(tenantId, async (tx) => {
      await tx.insert(tenants).values({ id: tenantId, slug: input.tenant.slug, name: input.tenant.name });
      const [u] = await tx.insert(users).values({ tenantId, email, passwordHash, role: "admin" }).returning();
      await createIssuerKey(tx, tenantId);
      // One millisecond apart, so the natural order (oldest first) lists them as declared.
      const seeded = Date.now();
      await tx.insert(tiers).values(DEFAULT_TIERS.map((t, i) => ({ ...t, tenantId, createdAt: new Date(seeded + i) })));
      const [env] = await tx
        .select({ id: environments.id })
        .from(environments)
        .where(and(eq(environments.name, DEFAULT_ENVIRONMENT), isNull(environments.tenantId)));
      // The tenant's first bundle: issuer keys on the default environment's gateways at once.
      await redeploy(tx, s.deploy, tenantId, env ? [env.id] : []);
      await audit(
        tx,
        { tenantId, userId: u!.id, role: "admin" },
        {
          action: "tenant.create",
          target: { type: "tenant", id: tenantId },
          summary: { after: { slug: input.tenant.slug, name: input.tenant.name, admin: email } },
        },
      );
      return u!;
    });
    s.publishBundles();
    const accessToken = await s.tokens.issue({
      userId: user.id,
      tenantId,
      tenantSlug: input.tenant.slug,
      role: "admin",
    });
    return ok({
      tenant: { id: tenantId, slug: input.tenant.slug, name: input.tenant.name },
      user: { id: user.id, email },
      accessToken,
    });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("slug-taken", `the slug "${input.tenant.slug}" is taken`);
    }
    throw e;
  }
}

export async function login(
  s: Services,
  input: z.infer<typeof LoginRequest>,
): Promise<ServiceResult<{ accessToken: string }>> {
  const tenant = await findTenantBySlug(s, input.tenant);
  const user = tenant
    ? await s.db.withTenant(tenant.id, async (tx) => {
        const [u] = await tx.select().from(users).where(eq(users.email, input.email.toLowerCase()));
        return u;
      })
    : undefined;
  const valid = await verify(user?.passwordHash ?? (await DUMMY_HASH), input.password);
  if (!tenant || !user || !valid) {
    return fail("invalid-credentials", "tenant, email or password is wrong");
  }
  const role = user.role as "admin" | "publisher" | "creator" | "developer";
  return ok({
    accessToken: await s.tokens.issue({ userId: user.id, tenantId: tenant.id, tenantSlug: tenant.slug, role }),
  });
}

/** Slug → tenant, before any tenant is fixed (login, OAuth endpoints). */
export async function findTenantBySlug(s: Services, slug: string): Promise<{ id: string; slug: string } | undefined> {
  const [t] = await s.db.system
    .select({ id: tenants.id, slug: tenants.slug })
    .from(tenants)
    .where(eq(tenants.slug, slug));
  return t;
}

/** The platform-wide shared environment every tenant can deploy to, with the configured gateway URL. */
export async function ensureDefaultEnvironment(s: Pick<Services, "db" | "gatewayUrl">): Promise<void> {
  await ensureSharedEnvironment(s.db.system, { name: DEFAULT_ENVIRONMENT, gatewayUrl: s.gatewayUrl });
}
