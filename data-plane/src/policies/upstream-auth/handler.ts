import type { UpstreamAuthConfig } from "@portico/shared/policies";
import { request } from "undici";
import type { z } from "zod";
import type { Exchange } from "../../http/exchange.js";
import { type Outcome, PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

type Config = z.infer<typeof UpstreamAuthConfig>;

/** Replaces any header of that name the client sent with the gateway's own. */
function setHeader(ex: Exchange, name: string, value: string): Outcome {
  const edit = (headers: string[]) => {
    const out: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      if ((headers[i] as string).toLowerCase() !== name) {
        out.push(headers[i] as string, headers[i + 1] as string);
      }
    }
    out.push(name, value);
    return out;
  };
  ex.requestEdits = ex.requestEdits === null ? [edit] : [...ex.requestEdits, edit];
  return PASS;
}

const TOKEN_FAILED = reject("upstream-unavailable", "The upstream's credentials could not be obtained");

/** client_credentials token, cached until 30 s before it expires, one fetch at a time. */
function tokenSource(c: Extract<Config, { type: "oauth2" }>) {
  let token: { value: string; until: number } | undefined;
  let pending: Promise<string | undefined> | undefined;
  const fetchToken = async (): Promise<string | undefined> => {
    const body = new URLSearchParams({ grant_type: "client_credentials", ...(c.scope ? { scope: c.scope } : {}) });
    const res = await request(c.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString("base64")}`,
      },
      body: body.toString(),
      headersTimeout: 5000,
      bodyTimeout: 5000,
    });
    const json = (await res.body.json().catch(() => undefined)) as
      | { access_token?: unknown; expires_in?: unknown }
      | undefined;
    if (res.statusCode !== 200 || typeof json?.access_token !== "string") {
      return undefined;
    }
    const lifeS = typeof json.expires_in === "number" ? json.expires_in : 300;
    token = { value: json.access_token, until: Date.now() + Math.max(0, lifeS - 30) * 1000 };
    return token.value;
  };
  return {
    cached: () => (token !== undefined && token.until > Date.now() ? token.value : undefined),
    fetch: () => {
      pending ??= fetchToken()
        .catch(() => undefined)
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
  };
}

export function createUpstreamAuthHandler(config: Config, _deps: PolicyDeps): PolicyHandler {
  if (config.type === "header") {
    const { name, value } = config;
    return { onRequest: (ex) => setHeader(ex, name, value) };
  }
  if (config.type === "basic") {
    const value = `Basic ${Buffer.from(`${config.username}:${config.password}`).toString("base64")}`;
    return { onRequest: (ex) => setHeader(ex, "authorization", value) };
  }
  const tokens = tokenSource(config);
  return {
    onRequest(ex) {
      const cached = tokens.cached();
      if (cached !== undefined) {
        return setHeader(ex, "authorization", `Bearer ${cached}`);
      }
      return tokens
        .fetch()
        .then((t) => (t === undefined ? TOKEN_FAILED : setHeader(ex, "authorization", `Bearer ${t}`)));
    },
  };
}
