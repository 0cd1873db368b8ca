import { z } from "zod";
import { policyBase } from "../base.js";

export const QuotaConfig = z.object({
  limit: z.number().int().positive().meta({ description: "Requests allowed per period." }),
  period: z.enum(["day", "month"]).default("month").meta({ description: "Calendar period, UTC." }),
  by: z
    .enum(["application", "api"])
    .default("application")
    .meta({ description: "One quota per calling application, or one for the whole API." }),
});

/** A calendar quota counted across every gateway of the environment (429 quota-exceeded past it). */
export const QuotaPolicy = z.object({
  kind: z.literal("quota"),
  ...policyBase,
  config: QuotaConfig,
});
