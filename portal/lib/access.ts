import "server-only";

import { type ConsoleArea, Me } from "@portico/shared";
import { redirect } from "next/navigation";
import { cache } from "react";
import { type CpResult, call, isUnauthorized } from "./cp-client";
import { requireSession, SESSION_EXPIRED_PATH, type Session } from "./session";

export type Member = ReturnType<typeof Me.parse>;

/** `GET /api/v1/me`, once per server render however many components ask. */
const fetchMember = cache(
  (token: string): Promise<CpResult<Member>> => call("GET", "/api/v1/me", { token, schema: Me }),
);

/**
 * The signed-in member as the control plane sees them now: role changes and removals take
 * effect on the next page, not when the token expires.
 */
export async function requireMember(): Promise<{ session: Session; member: Member }> {
  const session = await requireSession();
  const member = await fetchMember(session.token);
  if (!member.ok) {
    if (isUnauthorized(member.error)) {
      redirect(SESSION_EXPIRED_PATH);
    }
    throw new Error(`the control plane did not say who is signed in: ${member.error.title}`);
  }
  return { session, member: member.value };
}

/**
 * Every console page and action calls this first. The check runs on the server for the page
 * itself; the control plane still refuses each call the role may not make. Developers belong
 * in their tenant's portal; other members without the area get the refusal page.
 */
export async function requireArea(area: ConsoleArea): Promise<{ session: Session; member: Member }> {
  const found = await requireMember();
  if (!found.member.areas.includes(area)) {
    redirect(found.member.areas.length === 0 ? `/portal/${found.member.tenant.slug}` : `/forbidden?area=${area}`);
  }
  return found;
}
