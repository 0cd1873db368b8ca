import { z } from "zod";
import { HeaderName, policyBase } from "../base.js";

export const KeyAuthConfig = z.object({
  header: HeaderName.default("x-api-key").meta({ description: "Request header carrying the API key." }),
});

/** Authenticates the caller by an API key; the application it belongs to becomes the principal. */
export const KeyAuthPolicy = z.object({
  kind: z.literal("key-auth"),
  ...policyBase,
  config: KeyAuthConfig.prefault({}),
});
