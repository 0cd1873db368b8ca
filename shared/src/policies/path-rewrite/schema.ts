import { z } from "zod";
import { policyBase } from "../base.js";

const PathPrefix = z
  .string()
  .max(500)
  .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/, "a path starting with /")
  .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), "no dot segments");

export const PathRewriteConfig = z.object({
  prefix: PathPrefix.meta({ description: "Path below the API to match, e.g. /v1/orders." }),
  replacement: PathPrefix.meta({ description: "What replaces the prefix on the way to the upstream." }),
});

/** Rewrites the start of the path sent upstream (prefix match: no regular expressions, no ReDoS). */
export const PathRewritePolicy = z.object({
  kind: z.literal("path-rewrite"),
  ...policyBase,
  config: PathRewriteConfig,
});
