import type { Context, Hono } from "hono";
import type { AppEnv } from "../http/env.js";
import {
  AUTHORIZE_PARAMS,
  type AuthorizeParams,
  authorizeUser,
  checkAuthorizeRequest,
} from "../services/oauth-authorize.js";

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);

/** The page may not be framed (clickjacking) nor run scripts; it posts only to itself. */
function page(c: Context<AppEnv>, status: 200 | 400 | 401 | 404 | 429, title: string, inner: string) {
  c.header("Cache-Control", "no-store");
  c.header("X-Frame-Options", "DENY");
  c.header(
    "Content-Security-Policy",
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  );
  c.header("Referrer-Policy", "no-referrer");
  return c.html(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">` +
      `<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto}` +
      `label,input,button{display:block;width:100%;margin:.4rem 0}input{padding:.4rem}.err{color:#b00}</style></head>` +
      `<body><h1>${escapeHtml(title)}</h1>${inner}</body></html>`,
    status,
  );
}

function loginForm(c: Context<AppEnv>, p: AuthorizeParams, clientId: string, error?: string) {
  const hidden = AUTHORIZE_PARAMS.filter((k) => p[k] !== undefined)
    .map((k) => `<input type="hidden" name="${k}" value="${escapeHtml(p[k]!)}">`)
    .join("");
  return page(
    c,
    error ? 401 : 200,
    "Sign in",
    `<p>Application <b>${escapeHtml(clientId)}</b> asks for access${p.scope ? ` to <b>${escapeHtml(p.scope)}</b>` : ""}.</p>` +
      (error ? `<p class="err">${escapeHtml(error)}</p>` : "") +
      `<form method="post">${hidden}<label>Email<input name="email" type="email" autocomplete="username" required></label>` +
      `<label>Password<input name="password" type="password" autocomplete="current-password" required></label>` +
      `<button type="submit">Sign in and allow</button></form>`,
  );
}

const pick = (get: (k: string) => string | undefined): AuthorizeParams =>
  Object.fromEntries(AUTHORIZE_PARAMS.flatMap((k) => (get(k) === undefined ? [] : [[k, get(k)]])));

/**
 * Authorization code with PKCE (S256) for SPA clients and tenant users: a minimal
 * server-rendered login page; the code goes back to the exactly registered redirect URI.
 */
export function registerAuthorizeRoutes(app: Hono<AppEnv>) {
  app.get("/t/:tenant/oauth2/authorize", async (c) => {
    const p = pick((k) => c.req.query(k));
    const check = await checkAuthorizeRequest(c.var.services, c.req.param("tenant"), p);
    if (check.kind === "fatal") {
      return page(c, check.status, "Authorization failed", `<p class="err">${escapeHtml(check.message)}</p>`);
    }
    if (check.kind === "redirect") {
      return c.redirect(check.to, 302);
    }
    return loginForm(c, p, check.clientId);
  });

  app.post("/t/:tenant/oauth2/authorize", async (c) => {
    if (!(c.req.header("content-type") ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded")) {
      return page(c, 400, "Authorization failed", `<p class="err">Submit the login form.</p>`);
    }
    const form = new URLSearchParams(await c.req.text());
    const p = pick((k) => form.get(k) ?? undefined);
    const check = await checkAuthorizeRequest(c.var.services, c.req.param("tenant"), p);
    if (check.kind === "fatal") {
      return page(c, check.status, "Authorization failed", `<p class="err">${escapeHtml(check.message)}</p>`);
    }
    if (check.kind === "redirect") {
      return c.redirect(check.to, 302);
    }
    const to = await authorizeUser(c.var.services, check, p, {
      email: form.get("email") ?? "",
      password: form.get("password") ?? "",
    });
    if (to === "throttled") {
      return page(c, 429, "Too many attempts", `<p class="err">Too many failed sign-ins; try again later.</p>`);
    }
    return to === null ? loginForm(c, p, check.clientId, "Email or password is wrong.") : c.redirect(to, 302);
  });
}
