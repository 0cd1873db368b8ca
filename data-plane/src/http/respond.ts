import type { OutgoingHttpHeaders } from "node:http";
import { PROBLEM_CONTENT_TYPE, type ProblemCode, problem } from "@portico/shared";
import type { RequestError } from "@portico/shared/request-validation";
import type { RateDecision } from "../traffic/rate-limit.js";
import type { Exchange } from "./exchange.js";

const WWW_AUTHENTICATE: Partial<Record<ProblemCode, string>> = {
  unauthorized: 'Bearer realm="portico"',
  "invalid-api-key": 'Bearer realm="portico"',
  "invalid-token": 'Bearer realm="portico", error="invalid_token"',
};

export function rateLimitHeaders(headers: OutgoingHttpHeaders, rate: RateDecision): void {
  headers["ratelimit-limit"] = rate.limit;
  headers["ratelimit-remaining"] = rate.remaining;
  headers["ratelimit-reset"] = rate.resetS;
}

/** What the gateway adds to an upstream answer (fresh or cached): request id, policy headers, limits. */
export function gatewayHeaders(ex: Exchange, headers: string[]): void {
  headers.push("x-request-id", ex.requestId);
  if (ex.responseHeaders !== null) {
    headers.push(...ex.responseHeaders);
  }
  if (ex.api?.deprecationHeaders) {
    headers.push(...ex.api.deprecationHeaders);
  }
  const rate = ex.rate;
  if (rate !== undefined) {
    headers.push(
      "ratelimit-limit",
      String(rate.limit),
      "ratelimit-remaining",
      String(rate.remaining),
      "ratelimit-reset",
      String(rate.resetS),
    );
  }
}

/**
 * Answers with a problem+json body. Only the catalogue's public title and a fixed detail go
 * out; whatever went wrong inside stays in the logs.
 */
export function sendProblem(ex: Exchange, code: ProblemCode, detail?: string, errors?: readonly RequestError[]): void {
  const p = problem(
    code,
    detail,
    errors === undefined
      ? { requestId: ex.requestId }
      : { requestId: ex.requestId, errors: errors.map((e) => ({ path: e.pointer, ...e })) },
  );
  const body = JSON.stringify(p);
  ex.status = p.status;
  ex.errorType = code;
  const headers: OutgoingHttpHeaders = {
    "content-type": PROBLEM_CONTENT_TYPE,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
    "x-request-id": ex.requestId,
  };
  const challenge = WWW_AUTHENTICATE[code];
  if (challenge !== undefined) {
    headers["www-authenticate"] = challenge;
  }
  if (ex.rate !== undefined) {
    rateLimitHeaders(headers, ex.rate);
    if (!ex.rate.allowed) {
      headers["retry-after"] = String(ex.rate.retryAfterS);
    }
  }
  const extra = ex.responseHeaders;
  if (extra !== null) {
    for (let i = 0; i < extra.length; i += 2) {
      headers[extra[i] as string] = extra[i + 1] as string;
    }
  }
  if (code === "payload-too-large") {
    // The unread body would otherwise be drained to keep the connection: not worth it.
    headers.connection = "close";
  }
  ex.res.writeHead(p.status, headers);
  ex.res.end(ex.req.method === "HEAD" ? undefined : body);
}
