import { z } from "zod";
import { policyBase } from "../base.js";

export const RequestSizeConfig = z.object({
  maxBytes: z
    .number()
    .int()
    .positive()
    .max(1024 * 1024 * 1024)
    .meta({ description: "Largest request body accepted, in bytes; 413 beyond." }),
});

/** Refuses bodies over `maxBytes` by Content-Length before anything reaches the upstream. */
export const RequestSizePolicy = z.object({
  kind: z.literal("request-size"),
  ...policyBase,
  config: RequestSizeConfig,
});
