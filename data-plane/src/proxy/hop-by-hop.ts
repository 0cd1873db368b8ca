/** RFC 9110 §7.6.1: meaningful for one connection only, never forwarded. */
export const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/**
 * Request headers the gateway sets itself or must not pass on: Host comes from the upstream
 * origin, Expect is answered by node already, the X-Forwarded-* and request id are rebuilt
 * from what the gateway saw, and X-API-Key is a Portico credential.
 */
const REQUEST_DROP = new Set([
  ...HOP_BY_HOP,
  "host",
  "expect",
  "x-api-key",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-forwarded-prefix",
  "x-request-id",
]);

const isKeepAlive = (value: string) => value.length === 10 && value.toLowerCase() === "keep-alive";

/**
 * Header names a Connection header lists, which are hop-by-hop for that message too. The usual
 * `keep-alive` names only a header that is dropped anyway: no set for it.
 */
function connectionTokens(connection: string | string[] | undefined): Set<string> | undefined {
  if (connection === undefined || (typeof connection === "string" && isKeepAlive(connection))) {
    return undefined;
  }
  const tokens = new Set<string>();
  for (const t of (Array.isArray(connection) ? connection.join(",") : connection).split(",")) {
    const name = t.trim().toLowerCase();
    if (name) {
      tokens.add(name);
    }
  }
  return tokens;
}

/**
 * The client's headers as a flat [name, value, …] list, without hop-by-hop ones and
 * without the bearer token the gateway consumed.
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  connection: string | undefined,
  dropAuthorization: boolean,
): string[] {
  const extra = connectionTokens(connection);
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    const lower = name.toLowerCase();
    if (
      REQUEST_DROP.has(lower) ||
      lower.startsWith("proxy-") ||
      (dropAuthorization && lower === "authorization") ||
      extra?.has(lower)
    ) {
      continue;
    }
    out.push(name, rawHeaders[i + 1] as string);
  }
  return out;
}

/**
 * The upstream response's [name, value, …] list for `writeHead`, without hop-by-hop headers;
 * names keep their case, values stay latin1 as sent.
 */
export function clientResponseHeaders(raw: readonly string[]): string[] {
  const out: string[] = [];
  let extra: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || lower.startsWith("proxy-")) {
      if (lower === "connection") {
        extra = connectionTokens(raw[i + 1]);
      }
      continue;
    }
    out.push(name, raw[i + 1] as string);
  }
  if (extra === undefined || extra.size === 0) {
    return out;
  }
  const kept: string[] = [];
  for (let i = 0; i < out.length; i += 2) {
    if (!extra.has((out[i] as string).toLowerCase())) {
      kept.push(out[i] as string, out[i + 1] as string);
    }
  }
  return kept;
}
