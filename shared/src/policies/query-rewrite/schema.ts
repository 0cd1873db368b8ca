import { z } from "zod";
import { policyBase } from "../base.js";

const Param = z.string().min(1).max(200);

export const QueryRewriteConfig = z
  .object({
    add: z.record(Param, z.string().max(2000)).default({}).meta({ description: "Set these parameters (replacing)." }),
    remove: z.array(Param).default([]),
    rename: z.record(Param, Param).default({}).meta({ description: "from → to" }),
  })
  .refine((c) => Object.keys(c.add).length + c.remove.length + Object.keys(c.rename).length > 0, "nothing to rewrite");

/** Edits the query string sent upstream: remove, rename, then add. */
export const QueryRewritePolicy = z.object({
  kind: z.literal("query-rewrite"),
  ...policyBase,
  config: QueryRewriteConfig,
});
