import { BlockList, isIP } from "node:net";
import type { IpFilterConfig } from "@portico/shared/policies";
import type { z } from "zod";
import type { Exchange } from "../../http/exchange.js";
import { PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

function blockList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = "", prefix] = cidr.split("/");
    const family = isIP(address);
    if (family === 0) {
      throw new Error(`"${cidr}" is not an IP address or CIDR block`);
    }
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) {
      list.addAddress(address, type);
    } else {
      list.addSubnet(address, Number(prefix), type);
    }
  }
  return list;
}

/** The client address: the socket's, or with a trusted proxy in front the XFF entry it added. */
export function clientAddress(ex: Exchange, trustXff: boolean, hops: number): string | undefined {
  let address = ex.req.socket.remoteAddress;
  if (trustXff) {
    const xff = ex.req.headers["x-forwarded-for"];
    if (typeof xff === "string") {
      const entries = xff.split(",");
      const entry = entries[entries.length - hops]?.trim();
      address = entry !== undefined && entry !== "" ? entry : undefined;
    }
  }
  if (address === undefined) {
    return undefined;
  }
  // IPv4 clients on a dual-stack socket appear as ::ffff:a.b.c.d.
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

const FORBIDDEN = reject("forbidden", "The client address is not allowed");

/** Deny wins over allow; a non-empty allow list lets only its addresses through; an unreadable address is refused. */
export function createIpFilterHandler(config: z.infer<typeof IpFilterConfig>, _deps: PolicyDeps): PolicyHandler {
  const allow = config.allow.length > 0 ? blockList(config.allow) : undefined;
  const deny = config.deny.length > 0 ? blockList(config.deny) : undefined;
  const { trustXForwardedFor, trustedHops } = config;
  return {
    onRequest(ex) {
      const address = clientAddress(ex, trustXForwardedFor, trustedHops);
      const family = address === undefined ? 0 : isIP(address);
      if (address === undefined || family === 0) {
        return FORBIDDEN;
      }
      const type = family === 4 ? "ipv4" : "ipv6";
      if (deny?.check(address, type) || (allow !== undefined && !allow.check(address, type))) {
        return FORBIDDEN;
      }
      return PASS;
    },
  };
}
