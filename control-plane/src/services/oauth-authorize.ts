import { randomBytes, randomUUID } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";
import type { Role } from "@portico/shared";
import { sha256Hex } from "@portico/shared/bundle";
import { eq } from "drizzle-orm";
import { authorizationCodes, oauthClients, users } from "../db/schema/index.js";
import { issuerUrl } from "../keys/issuer.js";
import { audit } from "./audit.js";
import type { Services } from "./context.js";
import { grantableScopes, parseScope } from "./oauth.js";
import { findTenantBySlug } from "./tenants.js";

export const AUTHORIZATION_CODE_TTL_S = 60;
const CODE_PREFIX = "pac_";
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

// Verified against when the user does not exist, so a missing account costs the same time.
const DUMMY_HASH = hash("portico-authorize-timing", { algorithm: 2 });

/** The query (GET) or form (POST) of an authorization request (RFC 6749 §4.1.1 + RFC 7636). */
export interface AuthorizeParams {
  response_type?: string;
  client_id?: string;
  redirect_uri?: string;
  scope?: string;
  state?: string;
  code_challenge?: string;
  code_challenge_method?: string;
}

export const AUTHORIZE_PARAMS = [
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
] as const;

/**
 * What to do with an authorization request: `fatal` errors are shown to the user (the
 * redirect URI cannot be trusted yet, RFC 6749 §4.1.2.1); `redirect` errors go back to the
 * client; `login` means the request is sound and the user may sign in.
 */
export type AuthorizeCheck =
  | { kind: "fatal"; status: 400 | 404; message: string }
  | { kind: "redirect"; to: string }
  | { kind: "login"; tenantId: string; issuer: string; clientId: string; redirectUri: string; scope: string };

export function errorRedirect(redirectUri: string, issuer: string, error: string, description: string, state?: string) {
  const url = new URL(redirectUri);
  url.searchParams.set("error", error);
  url.searchParams.set("error_description", description);
  if (state !== undefined) {
    url.searchParams.set("state", state);
  }
  url.searchParams.set("iss", issuer);
  return url.toString();
}

export async function checkAuthorizeRequest(
  s: Services,
  tenantSlug: string,
  p: AuthorizeParams,
): Promise<AuthorizeCheck> {
  const tenant = await findTenantBySlug(s, tenantSlug);
  if (!tenant) {
    return { kind: "fatal", status: 404, message: "No such tenant." };
  }
  if (!p.client_id || !p.redirect_uri) {
    return { kind: "fatal", status: 400, message: "client_id and redirect_uri are required." };
  }
  const clientId = p.client_id;
  const issuer = issuerUrl(s.publicUrl, tenant.slug);
  return s.db.withTenant(tenant.id, async (tx): Promise<AuthorizeCheck> => {
    const [client] = await tx.select().from(oauthClients).where(eq(oauthClients.clientId, clientId));
    if (!client) {
      return { kind: "fatal", status: 400, message: "Unknown client." };
    }
    // Exact string match against a registered URI: no prefixes, no wildcards (RFC 9700 §4.1.3).
    if (!client.redirectUris.includes(p.redirect_uri!)) {
      return { kind: "fatal", status: 400, message: "The redirect_uri is not registered for this client." };
    }
    const back = (error: string, description: string): AuthorizeCheck => ({
      kind: "redirect",
      to: errorRedirect(p.redirect_uri!, issuer, error, description, p.state),
    });
    if (p.response_type !== "code") {
      return back("unsupported_response_type", "only response_type=code is supported");
    }
    if (p.code_challenge_method !== "S256" || !p.code_challenge || !CHALLENGE.test(p.code_challenge)) {
      return back("invalid_request", "PKCE is required: code_challenge with code_challenge_method=S256");
    }
    const requested = parseScope(p.scope);
    if (requested === "malformed") {
      return back("invalid_scope", "scope is malformed");
    }
    const allowed = await grantableScopes(tx, client.applicationId);
    const refused = requested.filter((sc) => !allowed.has(sc));
    if (refused.length > 0) {
      return back("invalid_scope", `not granted by the application's subscriptions: ${refused.join(" ")}`);
    }
    return {
      kind: "login",
      tenantId: tenant.id,
      issuer,
      clientId,
      redirectUri: p.redirect_uri!,
      scope: requested.join(" "),
    };
  });
}

/** Failed sign-ins per (tenant, email) before the page refuses more for a while (this process). */
export const MAX_FAILED_LOGINS = 10;
export const FAILED_LOGIN_WINDOW_MS = 15 * 60_000;
const failures = new Map<string, { count: number; until: number }>();

function throttled(key: string, now: number): boolean {
  const f = failures.get(key);
  if (f !== undefined && f.until <= now) {
    failures.delete(key);
    return false;
  }
  return f !== undefined && f.count >= MAX_FAILED_LOGINS;
}

function recordFailure(key: string, now: number): void {
  const f = failures.get(key);
  if (f === undefined || f.until <= now) {
    if (failures.size > 100_000) {
      failures.clear(); // bounded memory under a spray of addresses; the window simply restarts
    }
    failures.set(key, { count: 1, until: now + FAILED_LOGIN_WINDOW_MS });
  } else {
    f.count++;
  }
}

/**
 * The user signed in on the login page: checks the password (argon2) and issues a single-use
 * code bound to the client, the redirect URI and the PKCE challenge; null on bad credentials,
 * "throttled" after too many failures for that account (password guessing).
 */
export async function authorizeUser(
  s: Services,
  grant: Extract<AuthorizeCheck, { kind: "login" }>,
  p: AuthorizeParams,
  login: { email: string; password: string },
): Promise<string | null | "throttled"> {
  const email = login.email.trim().toLowerCase();
  const key = `${grant.tenantId}\n${email}`;
  if (throttled(key, Date.now())) {
    return "throttled";
  }
  return s.db.withTenant(grant.tenantId, async (tx) => {
    const [user] = await tx.select().from(users).where(eq(users.email, email));
    const valid = await verify(user?.passwordHash ?? (await DUMMY_HASH), login.password);
    if (!user || !valid) {
      recordFailure(key, Date.now());
      return null;
    }
    failures.delete(key);
    const code = CODE_PREFIX + randomBytes(32).toString("base64url");
    await tx.insert(authorizationCodes).values({
      codeHash: sha256Hex(code),
      tenantId: grant.tenantId,
      clientId: grant.clientId,
      userId: user.id,
      redirectUri: grant.redirectUri,
      scope: grant.scope,
      codeChallenge: p.code_challenge!,
      familyId: randomUUID(),
      expiresAt: new Date(Date.now() + AUTHORIZATION_CODE_TTL_S * 1000),
    });
    // The user's consent: which client may act for them, with which scopes.
    await audit(
      tx,
      { tenantId: grant.tenantId, userId: user.id, role: user.role as Role },
      {
        action: "oauth.authorize",
        target: { type: "oauth-client", id: grant.clientId },
        summary: { scope: grant.scope, redirectUri: grant.redirectUri },
      },
    );
    const url = new URL(grant.redirectUri);
    url.searchParams.set("code", code);
    if (p.state !== undefined) {
      url.searchParams.set("state", p.state);
    }
    url.searchParams.set("iss", grant.issuer);
    return url.toString();
  });
}
