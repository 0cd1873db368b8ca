import "server-only";

import { getSession } from "../session";

export interface PortalSession {
  token: string;
  userId: string;
  role: string;
}

/**
 * The console token's claims, read without verifying: only to decide what to show (the
 * control plane verifies the token on every call). `tsl` is the tenant slug, `sub` the user.
 */
export function tokenClaims(token: string): { sub?: string; tsl?: string; role?: string } {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as unknown;
    return typeof claims === "object" && claims !== null ? (claims as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/**
 * The session on this tenant's portal: a token of another tenant counts as signed out here,
 * since the control plane would refuse it on every call of this portal.
 */
export async function portalSession(tenant: string): Promise<PortalSession | null> {
  const session = await getSession();
  if (!session) {
    return null;
  }
  const claims = tokenClaims(session.token);
  if (claims.tsl !== tenant || !claims.sub) {
    return null;
  }
  return { token: session.token, userId: claims.sub, role: claims.role ?? "developer" };
}

/** Where a user lands after signing in: developers in their portal, everyone else in the console. */
export function homeOf(token: string, tenant: string): string {
  return tokenClaims(token).role === "developer" ? `/portal/${tenant}` : "/apis";
}
