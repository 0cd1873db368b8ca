import type { IncomingHttpHeaders } from "node:http";

/** How node:http folds a repeated request header; the gateway keeps its semantics. */
const FIRST_WINS = new Set([
  "content-type",
  "content-length",
  "user-agent",
  "referer",
  "host",
  "authorization",
  "proxy-authorization",
  "if-modified-since",
  "if-unmodified-since",
  "from",
  "location",
  "max-forwards",
  "retry-after",
  "etag",
  "last-modified",
  "server",
  "age",
  "expires",
]);

/**
 * The request's headers by lower-case name, folded as node:http folds them: the first of a
 * singleton (Host, Authorization, …) wins, Set-Cookie is a list, Cookie joins with "; " and
 * every other repeat with ", ".
 */
export function headersByName(raw: readonly string[]): IncomingHttpHeaders {
  // No prototype: a header named "constructor" must not find Object's.
  const out: Record<string, string | string[]> = Object.create(null);
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const seen = out[name];
    if (seen === undefined) {
      out[name] = name === "set-cookie" ? [value] : value;
    } else if (name === "set-cookie") {
      (seen as string[]).push(value);
    } else if (!FIRST_WINS.has(name)) {
      out[name] = `${seen}${name === "cookie" ? "; " : ", "}${value}`;
    }
  }
  return out as IncomingHttpHeaders;
}
