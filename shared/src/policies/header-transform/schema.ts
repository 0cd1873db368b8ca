import { z } from "zod";
import { HeaderName, policyBase } from "../base.js";

const HeaderValue = z
  .string()
  .max(8192)
  .regex(/^[\t\x20-\x7e\x80-\xff]*$/, "no control characters");

const Edits = z.object({
  add: z
    .record(HeaderName, HeaderValue)
    .default({})
    .meta({ description: "Set these headers (replacing any with the same name)." }),
  remove: z.array(HeaderName).default([]).meta({ description: "Drop these headers." }),
  rename: z.record(HeaderName, HeaderName).default({}).meta({ description: "from → to" }),
});

export const HeaderTransformConfig = z.object({
  request: Edits.prefault({}).meta({ description: "Headers sent to the upstream (after the gateway's own)." }),
  response: Edits.prefault({}).meta({ description: "Headers sent back to the client." }),
});

/** Adds, removes and renames request and response headers; remove, then rename, then add. */
export const HeaderTransformPolicy = z.object({
  kind: z.literal("header-transform"),
  ...policyBase,
  config: HeaderTransformConfig,
});
