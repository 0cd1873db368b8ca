import "server-only";

/**
 * Runtime configuration of the console, read on the server at request time (never inlined
 * into the client bundle: none of these has the NEXT_PUBLIC_ prefix).
 */
export interface ConsoleEnv {
  /** Base URL of the control-plane REST API, without a trailing slash. */
  cpUrl: string;
  /** External base URL of the default environment's gateways, shown to users. */
  gatewayUrl: string;
}

const DEFAULT_CP_URL = "http://127.0.0.1:4000";
const DEFAULT_GATEWAY_URL = "http://127.0.0.1:8000";

function httpUrl(name: string, fallback: string): string {
  const raw = process.env[name]?.trim() || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return url.toString().replace(/\/+$/, "");
}

/** Throws a message naming the variable when one is malformed (readyz reports it). */
export function consoleEnv(): ConsoleEnv {
  return {
    cpUrl: httpUrl("PORTICO_CP_URL", DEFAULT_CP_URL),
    gatewayUrl: httpUrl("PORTICO_GATEWAY_URL", DEFAULT_GATEWAY_URL),
  };
}
