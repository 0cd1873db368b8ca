import { hash } from "@node-rs/argon2";
import type { Role } from "@portico/shared";
import {
  type AcceptInvitationRequest,
  type CreateInvitationRequest,
  newSecret,
  ok,
  SecretPrefix,
  type UpdateUserRequest,
} from "@portico/shared";
import { sha256Hex } from "@portico/shared/bundle";
import { and, count, eq, gt, isNull } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../db/client.js";
import { invitations, users } from "../db/schema/index.js";
import { isId } from "./apis.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { fail, isUniqueViolation, notFound, type ServiceResult } from "./errors.js";
import { listPage, type PageQuery } from "./pagination.js";
import { findTenantBySlug } from "./tenants.js";

const INVITATION_TTL_MS = 7 * 24 * 3600_000;

type UserRow = typeof users.$inferSelect;
const toUser = (u: UserRow) => ({
  id: u.id,
  email: u.email,
  role: u.role as Role,
  createdAt: u.createdAt.toISOString(),
});

type InvitationRow = typeof invitations.$inferSelect;
const toInvitation = (i: InvitationRow) => ({
  id: i.id,
  email: i.email,
  role: i.role as Role,
  expiresAt: i.expiresAt.toISOString(),
  acceptedAt: i.acceptedAt?.toISOString() ?? null,
  createdAt: i.createdAt.toISOString(),
});

export const listUsers = (s: Services, actor: Actor, q: PageQuery) =>
  listPage(s.db, actor.tenantId, users, q, users.createdAt, [], toUser);

async function adminCount(tx: Tx): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(users).where(eq(users.role, "admin"));
  return row?.n ?? 0;
}

/** Changes a user's role; the tenant always keeps at least one admin. */
export async function updateUser(s: Services, actor: Actor, id: string, input: z.infer<typeof UpdateUserRequest>) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<ReturnType<typeof toUser>>> => {
    const [before] = isId(id) ? await tx.select().from(users).where(eq(users.id, id)).for("update") : [];
    if (!before) {
      return notFound("user");
    }
    if (before.role === "admin" && input.role !== "admin" && (await adminCount(tx)) <= 1) {
      return fail("conflict", "the last admin cannot lose the admin role");
    }
    const [after] = await tx.update(users).set({ role: input.role }).where(eq(users.id, id)).returning();
    await audit(tx, actor, {
      action: "user.update",
      target: { type: "user", id },
      summary: { role: [before.role, input.role] },
    });
    return ok(toUser(after!));
  });
}

export async function deleteUser(s: Services, actor: Actor, id: string) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<null>> => {
    const [user] = isId(id) ? await tx.select().from(users).where(eq(users.id, id)).for("update") : [];
    if (!user) {
      return notFound("user");
    }
    if (user.role === "admin" && (await adminCount(tx)) <= 1) {
      return fail("conflict", "the last admin cannot be removed");
    }
    await tx.delete(users).where(eq(users.id, id));
    await audit(tx, actor, {
      action: "user.delete",
      target: { type: "user", id },
      summary: { before: { email: user.email, role: user.role } },
    });
    return ok(null);
  });
}

/** The token is returned once (for the invitation email) and stored as SHA-256. */
export async function createInvitation(s: Services, actor: Actor, input: z.infer<typeof CreateInvitationRequest>) {
  const token = newSecret(SecretPrefix.invitation, 24);
  const email = input.email.toLowerCase();
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
    if (existing) {
      return fail("conflict", `${email} is already a member`);
    }
    const [row] = await tx
      .insert(invitations)
      .values({
        tenantId: actor.tenantId,
        email,
        role: input.role,
        tokenHash: sha256Hex(token),
        invitedBy: actor.userId,
        expiresAt: new Date(Date.now() + INVITATION_TTL_MS),
      })
      .returning();
    await audit(tx, actor, {
      action: "invitation.create",
      target: { type: "invitation", id: row!.id },
      summary: { email, role: input.role },
    });
    return ok({ ...toInvitation(row!), token });
  });
}

export const listInvitations = (s: Services, actor: Actor, q: PageQuery) =>
  listPage(s.db, actor.tenantId, invitations, q, invitations.createdAt, [isNull(invitations.acceptedAt)], toInvitation);

export async function revokeInvitation(s: Services, actor: Actor, id: string) {
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<null>> => {
    const [row] = isId(id)
      ? await tx
          .delete(invitations)
          .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt)))
          .returning()
      : [];
    if (!row) {
      return notFound("invitation");
    }
    await audit(tx, actor, {
      action: "invitation.revoke",
      target: { type: "invitation", id },
      summary: { email: row.email },
    });
    return ok(null);
  });
}

/** The invitee sets a password and becomes a user with the invited role; the token is spent. */
export async function acceptInvitation(s: Services, input: z.infer<typeof AcceptInvitationRequest>) {
  const invalid = fail("invalid-credentials", "the invitation is not valid or has expired");
  const tenant = await findTenantBySlug(s, input.tenant);
  if (!tenant) {
    return invalid;
  }
  const passwordHash = await hash(input.password, { algorithm: 2 });
  try {
    const result = await s.db.withTenant(tenant.id, async (tx) => {
      const [inv] = await tx
        .update(invitations)
        .set({ acceptedAt: new Date() })
        .where(
          and(
            eq(invitations.tokenHash, sha256Hex(input.token)),
            isNull(invitations.acceptedAt),
            gt(invitations.expiresAt, new Date()),
          ),
        )
        .returning();
      if (!inv) {
        return null;
      }
      const [user] = await tx
        .insert(users)
        .values({ tenantId: tenant.id, email: inv.email, passwordHash, role: inv.role })
        .returning();
      await audit(
        tx,
        { tenantId: tenant.id, userId: user!.id, role: inv.role as Role },
        {
          action: "invitation.accept",
          target: { type: "user", id: user!.id },
          summary: { email: inv.email, role: inv.role, invitationId: inv.id },
        },
      );
      return user!;
    });
    if (!result) {
      return invalid;
    }
    const role = result.role as Role;
    const accessToken = await s.tokens.issue({ userId: result.id, tenantId: tenant.id, tenantSlug: tenant.slug, role });
    return ok({ user: { id: result.id, email: result.email, role }, accessToken });
  } catch (e) {
    if (isUniqueViolation(e)) {
      return fail("conflict", "that email is already a member");
    }
    throw e;
  }
}

/**
 * The token's member as the database knows them now: a role change or removal takes effect
 * on the next request, not when the token expires. null when the member is gone.
 */
export async function currentMember(s: Services, token: Actor): Promise<Actor | null> {
  const [row] = await s.db.withTenant(token.tenantId, (tx) =>
    tx.select({ role: users.role }).from(users).where(eq(users.id, token.userId)),
  );
  return row ? { ...token, role: row.role as Role } : null;
}
