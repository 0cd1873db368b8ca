import { z } from "zod";
import { policyBase } from "../base.js";

/** An IPv4 or IPv6 address, optionally with a /prefix (checked again by the gateway). */
export const Cidr = z
  .string()
  .regex(
    /^(?:(?:\d{1,3}\.){3}\d{1,3}(?:\/(?:3[0-2]|[12]?\d))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(?:\/(?:12[0-8]|1[01]\d|[1-9]?\d))?)$/,
    "an IPv4 or IPv6 address or CIDR block",
  );

export const IpFilterConfig = z
  .object({
    allow: z.array(Cidr).max(1000).default([]).meta({ description: "When not empty, only these addresses pass." }),
    deny: z.array(Cidr).max(1000).default([]).meta({ description: "Refused even when also allowed." }),
    trustXForwardedFor: z
      .boolean()
      .default(false)
      .meta({ description: "Take the client address from X-Forwarded-For (behind a trusted proxy)." }),
    trustedHops: z.number().int().min(1).max(10).default(1).meta({
      description:
        "Proxies of ours in front of the gateway: the address that many entries from the right is the client.",
    }),
  })
  .refine((c) => c.allow.length > 0 || c.deny.length > 0, "list at least one address in allow or deny");

/** 403 for client addresses outside `allow` or inside `deny` (IPv4 and IPv6, CIDR). */
export const IpFilterPolicy = z.object({
  kind: z.literal("ip-filter"),
  ...policyBase,
  config: IpFilterConfig,
});
