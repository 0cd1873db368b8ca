import { z } from "zod";
import { policyBase } from "../base.js";

export const JwtAuthConfig = z.object({});

/** Authenticates a `Bearer` access token against the bundle's issuers (validated locally). */
export const JwtAuthPolicy = z.object({
  kind: z.literal("jwt-auth"),
  ...policyBase,
  config: JwtAuthConfig.prefault({}),
});
