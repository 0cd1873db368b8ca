import "server-only";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";

/**
 * The console session is the control plane's console token, kept in an httpOnly cookie so
 * page scripts never see it. The tenant slug sits beside it in a readable cookie: it is only
 * shown (top bar, gateway URLs, the sign-in form), never trusted, since the token alone fixes
 * the tenant on the control plane.
 */
export const SESSION_COOKIE = "portico_session";
export const TENANT_COOKIE = "portico_tenant";

/** Used when the token carries no readable expiry (an opaque token). */
const DEFAULT_MAX_AGE_S = 12 * 60 * 60;
/** How long the sign-in form remembers the last tenant slug. */
const TENANT_MAX_AGE_S = 365 * 24 * 60 * 60;

export interface Session {
  token: string;
  /** From the readable cookie; empty when it was removed by hand. */
  tenant: string;
}

/** The current session, or null when there is no token cookie. */
export async function getSession(): Promise<Session | null> {
  const jar = await cookies();
  const token = jar.get(SESSION_COOKIE)?.value;
  if (!token) {
    return null;
  }
  return { token, tenant: jar.get(TENANT_COOKIE)?.value ?? "" };
}

/** The tenant slug of the last sign-in on this browser, to fill the sign-in form with. */
export async function rememberedTenant(): Promise<string> {
  return (await cookies()).get(TENANT_COOKIE)?.value ?? "";
}

/**
 * Every console page calls this first: authorisation is decided on the server while rendering
 * the page itself, never only in the proxy, which a direct request could skip.
 */
export async function requireSession(): Promise<Session> {
  const session = await getSession();
  if (!session) {
    redirect("/login");
  }
  return session;
}

/**
 * Where a page sends the user when the control plane refuses the token (401). A route handler,
 * because only handlers and actions may clear the stale cookies (a page may not), and a page
 * that merely redirected to /login would leave them in place.
 */
export const SESSION_EXPIRED_PATH = "/session/expired";

/** Stores a fresh session. Only callable from a Server Action or a Route Handler. */
export async function startSession(token: string, tenant: string): Promise<void> {
  const jar = await cookies();
  const secure = await isHttps();
  const expires = tokenExpiry(token);
  jar.set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    secure,
    path: "/",
    ...(expires ? { expires } : { maxAge: DEFAULT_MAX_AGE_S }),
  });
  jar.set(TENANT_COOKIE, tenant, {
    httpOnly: false,
    sameSite: "lax",
    secure,
    path: "/",
    maxAge: TENANT_MAX_AGE_S,
  });
}

/**
 * Drops the token. The tenant cookie stays so the sign-in form can offer the same tenant
 * again; it holds nothing secret.
 */
export async function endSession(): Promise<void> {
  const jar = await cookies();
  jar.delete({ name: SESSION_COOKIE, path: "/" });
}

/**
 * True when the browser reached the console over HTTPS, directly or through a TLS-terminating
 * proxy that sets X-Forwarded-Proto. Cookies are then marked Secure; on plain http (a local
 * all-in-one) a Secure cookie would never come back.
 */
async function isHttps(): Promise<boolean> {
  const h = await headers();
  const forwarded = h.get("x-forwarded-proto")?.split(",")[0]?.trim().toLowerCase();
  if (forwarded) {
    return forwarded === "https";
  }
  return h.get("origin")?.startsWith("https://") ?? false;
}

/**
 * The `exp` of a JWT console token, so the cookie does not outlive the token. The token is
 * not verified here (the control plane does that on every call); an unreadable or opaque
 * token gets the default lifetime.
 */
function tokenExpiry(token: string): Date | undefined {
  const payload = token.split(".")[1];
  if (!payload) {
    return undefined;
  }
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown;
    const exp = typeof claims === "object" && claims !== null ? (claims as { exp?: unknown }).exp : undefined;
    if (typeof exp === "number" && Number.isFinite(exp) && exp * 1000 > Date.now()) {
      return new Date(exp * 1000);
    }
  } catch {
    // not a JWT: fall through to the default lifetime
  }
  return undefined;
}
