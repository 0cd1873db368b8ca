import { BlockList, isIP } from "node:net";
import { err, ok, type Result } from "@portico/shared";
import type { DeploymentBundle } from "@portico/shared/bundle";
import { sha256Hex } from "@portico/shared/bundle";

interface ApiKeyEntry {
  applicationId: string;
  /** epoch seconds, null for no expiry */
  expiresAt: number | null;
  /** null: any client address */
  allowedIps: BlockList | null;
  /** null: no referrer check */
  allowedReferrers: readonly ((referrer: URL) => boolean)[] | null;
}

/** hex SHA-256 of the key → its application; bundles never carry the keys themselves. */
export type ApiKeyIndex = ReadonlyMap<string, ApiKeyEntry>;

/** The request facts a key's restrictions look at. */
export interface ApiKeyClient {
  /** The TCP peer address as the gateway sees it. */
  ip?: string | undefined;
  referer?: string | undefined;
}

/** Strips the IPv4-mapped IPv6 prefix node reports on dual-stack sockets. */
const plainIp = (ip: string) => (ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip);

function compileCidrs(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of cidrs) {
    const [address, bits] = raw.split("/");
    const family = isIP(address ?? "");
    if (family === 0) {
      throw new Error(`"${raw}" is not an IP address or CIDR`);
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) {
      list.addAddress(address!, type);
    } else {
      const prefix = Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new Error(`"${raw}" has a bad prefix length`);
      }
      list.addSubnet(address!, prefix, type);
    }
  }
  return list;
}

/**
 * `https://app.example.com/*` matches that URL prefix, a full URL without `*` only itself;
 * `app.example.com` matches that host, `*.example.com` any subdomain of it.
 */
function compileReferrer(pattern: string): (referrer: URL) => boolean {
  if (pattern.includes("://")) {
    const prefix = pattern.endsWith("*") ? pattern.slice(0, -1) : null;
    return (r) => (prefix === null ? r.href === pattern : r.href.startsWith(prefix));
  }
  const host = pattern.toLowerCase();
  if (host.startsWith("*.")) {
    const suffix = host.slice(1);
    return (r) => r.hostname.endsWith(suffix) && r.hostname.length > suffix.length;
  }
  return (r) => r.hostname === host;
}

/** A restriction it cannot compile rejects the bundle (fail closed). */
export function indexApiKeys(keys: DeploymentBundle["apiKeys"]): Result<ApiKeyIndex, string> {
  const index = new Map<string, ApiKeyEntry>();
  for (const k of keys) {
    try {
      index.set(k.hash, {
        applicationId: k.applicationId,
        expiresAt: k.expiresAt,
        allowedIps: k.allowedIps ? compileCidrs(k.allowedIps) : null,
        allowedReferrers: k.allowedReferrers ? k.allowedReferrers.map(compileReferrer) : null,
      });
    } catch (error) {
      return err(`API key ${k.id}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return ok(index);
}

function parseReferrer(value: string | undefined): URL | null {
  try {
    return value ? new URL(value) : null;
  } catch {
    return null;
  }
}

/** The application the key belongs to, if the key is live and allowed from this client. */
export function authenticateApiKey(
  index: ApiKeyIndex,
  presented: string,
  nowS: number,
  client: ApiKeyClient = {},
): Result<string, "invalid-api-key" | "api-key-not-allowed"> {
  const entry = index.get(sha256Hex(presented));
  if (entry === undefined || (entry.expiresAt !== null && entry.expiresAt <= nowS)) {
    return err("invalid-api-key");
  }
  if (entry.allowedIps !== null) {
    const ip = client.ip ? plainIp(client.ip) : "";
    const family = isIP(ip);
    if (family === 0 || !entry.allowedIps.check(ip, family === 4 ? "ipv4" : "ipv6")) {
      return err("api-key-not-allowed");
    }
  }
  if (entry.allowedReferrers !== null) {
    const referrer = parseReferrer(client.referer);
    if (referrer === null || !entry.allowedReferrers.some((matches) => matches(referrer))) {
      return err("api-key-not-allowed");
    }
  }
  return ok(entry.applicationId);
}
