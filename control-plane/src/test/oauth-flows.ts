import { createHash, randomBytes } from "node:crypto";

/** A PKCE pair (S256). */
export function pkce() {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/**
 * authorization_code with PKCE as a browser and an SPA do it: GET the login page, POST the
 * user's credentials with the page's hidden fields, take the code from the redirect, exchange it.
 */
export async function authorizationCodeTokens(opts: {
  issuer: string;
  clientId: string;
  redirectUri: string;
  email: string;
  password: string;
  scope?: string;
}): Promise<{ access_token: string; refresh_token: string; scope?: string }> {
  const { verifier, challenge } = pkce();
  const query = new URLSearchParams({
    response_type: "code",
    client_id: opts.clientId,
    redirect_uri: opts.redirectUri,
    state: randomBytes(8).toString("hex"),
    code_challenge: challenge,
    code_challenge_method: "S256",
    ...(opts.scope ? { scope: opts.scope } : {}),
  });
  const page = await fetch(`${opts.issuer}/oauth2/authorize?${query}`, { redirect: "manual" });
  if (page.status !== 200) {
    throw new Error(`authorize page: ${page.status}`);
  }
  const fields = new URLSearchParams();
  for (const m of (await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    fields.set(m[1]!, m[2]!.replace(/&amp;/g, "&").replace(/&quot;/g, '"'));
  }
  fields.set("email", opts.email);
  fields.set("password", opts.password);
  const login = await fetch(`${opts.issuer}/oauth2/authorize`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: fields.toString(),
    redirect: "manual",
  });
  const code = new URL(login.headers.get("location") ?? "http://x/").searchParams.get("code");
  if (login.status !== 302 || !code) {
    throw new Error(`login: ${login.status}`);
  }
  const res = await fetch(`${opts.issuer}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: opts.clientId,
      code,
      redirect_uri: opts.redirectUri,
      code_verifier: verifier,
    }),
  });
  if (res.status !== 200) {
    throw new Error(`token: ${res.status} ${await res.text()}`);
  }
  return (await res.json()) as { access_token: string; refresh_token: string; scope?: string };
}

/** A form POST to one of the issuer's endpoints, answered as JSON (or null for an empty body). */
export async function oauthPost(url: string, fields: Record<string, string>) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
