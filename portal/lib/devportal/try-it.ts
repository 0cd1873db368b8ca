import "server-only";

import { consoleEnv } from "../env";
import { catalogApi, gatewayEndpoint } from "./client";

/**
 * The try-it call, made by the console server: the browser sends the operation and the
 * developer's own credential, never a console token, and the target is always the API's own
 * gateway URL as the catalog states it, so this is no open proxy.
 */

export interface TryItRequest {
  tenant: string;
  apiId: string;
  method: string;
  /** Path below the API's gateway URL, with any query string. */
  path: string;
  body?: string;
  credential: { kind: "api-key"; key: string } | { kind: "oauth"; clientId: string; clientSecret: string };
}

export interface TryItResponse {
  url: string;
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
  truncated: boolean;
  /** Time to the full response from the gateway, in ms (token request excluded). */
  latencyMs: number;
}

export type TryItOutcome = { ok: true; response: TryItResponse } | { ok: false; error: string };

const METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);
const MAX_BODY_CHARS = 64 * 1024;
const TIMEOUT_MS = 15_000;

export async function tryIt(req: TryItRequest): Promise<TryItOutcome> {
  if (!METHODS.has(req.method)) {
    return { ok: false, error: "Choose an HTTP method." };
  }
  if (!req.path.startsWith("/") || req.path.length > 2000) {
    return { ok: false, error: "The path must start with /." };
  }
  if ((req.body?.length ?? 0) > MAX_BODY_CHARS) {
    return { ok: false, error: "The request body is limited to 64 KiB here." };
  }
  const api = await catalogApi(req.tenant, req.apiId);
  if (!api.ok) {
    return { ok: false, error: api.error.detail ?? api.error.title };
  }
  const endpoint = gatewayEndpoint(api.value, req.tenant);
  if (!endpoint) {
    return { ok: false, error: "This API is not deployed to any gateway yet." };
  }
  const base = new URL(`${endpoint}/`);
  const target = new URL(req.path.replace(/^\/+/, ""), base);
  if (target.origin !== base.origin || !target.pathname.startsWith(base.pathname)) {
    return { ok: false, error: "The path must stay below the API's gateway URL." };
  }

  const headers: Record<string, string> = {};
  if (req.credential.kind === "api-key") {
    if (!req.credential.key.trim()) {
      return { ok: false, error: "Paste an API key of an application subscribed to this API." };
    }
    headers["X-API-Key"] = req.credential.key.trim();
  } else {
    const token = await clientCredentialsToken(req.tenant, req.credential.clientId, req.credential.clientSecret);
    if (!token.ok) {
      return token;
    }
    headers.Authorization = `Bearer ${token.token}`;
  }
  const withBody = req.body?.trim() && req.method !== "GET" && req.method !== "HEAD";
  if (withBody) {
    headers["Content-Type"] = "application/json";
  }

  const started = performance.now();
  try {
    const res = await fetch(target, {
      method: req.method,
      headers,
      body: withBody ? req.body : undefined,
      redirect: "manual",
      cache: "no-store",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await res.text();
    const latencyMs = Math.round(performance.now() - started);
    return {
      ok: true,
      response: {
        url: target.toString(),
        status: res.status,
        statusText: res.statusText,
        headers: [...res.headers.entries()],
        body: text.slice(0, MAX_BODY_CHARS),
        truncated: text.length > MAX_BODY_CHARS,
        latencyMs,
      },
    };
  } catch (cause) {
    const timedOut = cause instanceof DOMException && cause.name === "TimeoutError";
    return { ok: false, error: timedOut ? "The gateway did not answer in 15 s." : "The gateway could not be reached." };
  }
}

/** client_credentials at the tenant's own issuer, as any OAuth client would do it. */
async function clientCredentialsToken(
  tenant: string,
  clientId: string,
  clientSecret: string,
): Promise<{ ok: true; token: string } | { ok: false; error: string }> {
  if (!clientId.trim() || !clientSecret.trim()) {
    return { ok: false, error: "Enter the client id and client secret of a subscribed application." };
  }
  const { cpUrl } = consoleEnv();
  try {
    const res = await fetch(`${cpUrl}/t/${encodeURIComponent(tenant)}/oauth2/token`, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId.trim())}:${encodeURIComponent(clientSecret.trim())}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "client_credentials" }),
      cache: "no-store",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; error_description?: string };
    if (!res.ok || !body.access_token) {
      return {
        ok: false,
        error: `No token: ${body.error_description ?? `the token endpoint answered ${res.status}`}.`,
      };
    }
    return { ok: true, token: body.access_token };
  } catch {
    return { ok: false, error: "The token endpoint could not be reached." };
  }
}
