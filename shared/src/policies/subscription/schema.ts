import { z } from "zod";
import { policyBase } from "../base.js";

export const SubscriptionConfig = z.object({});

/** Lets through only applications with an ACTIVE subscription to the API; its tier sets the limit. */
export const SubscriptionPolicy = z.object({
  kind: z.literal("subscription"),
  ...policyBase,
  config: SubscriptionConfig.prefault({}),
});
