import { z } from "zod";
import { HeaderName, policyBase } from "../base.js";

const Secret = z
  .string()
  .min(1)
  .max(4096)
  .regex(/^[^\r\n\0]*$/, "no line breaks");

export const UpstreamAuthConfig = z.discriminatedUnion("type", [
  z.object({ type: z.literal("header"), name: HeaderName, value: Secret }),
  z.object({ type: z.literal("basic"), username: Secret.regex(/^[^:]*$/, "no colon"), password: Secret }),
  z.object({
    type: z.literal("oauth2"),
    tokenUrl: z.url({ protocol: /^https?$/ }),
    clientId: Secret,
    clientSecret: Secret,
    scope: z.string().max(1000).optional(),
  }),
]);

/**
 * Credentials the gateway presents to the upstream: a static header, HTTP Basic, or an OAuth
 * client_credentials token it fetches and caches. The bundle is signed, not encrypted: these
 * secrets are readable by whoever can read the environment's bundles.
 */
export const UpstreamAuthPolicy = z.object({
  kind: z.literal("upstream-auth"),
  ...policyBase,
  config: UpstreamAuthConfig,
});
