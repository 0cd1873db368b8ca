import { z } from "zod";
import { policyBase } from "../base.js";

/** `scrypt$<salt base64url>$<64-byte key base64url>` (N=16384, r=8, p=1): never the password itself. */
export const PasswordHash = z
  .string()
  .regex(/^scrypt\$[A-Za-z0-9_-]{16,64}\$[A-Za-z0-9_-]{86}$/, "scrypt$<salt>$<key>, base64url");

export const BasicAuthConfig = z.object({
  credentials: z
    .array(
      z.object({
        username: z
          .string()
          .min(1)
          .max(200)
          .regex(/^[^:]+$/, "no colon"),
        passwordHash: PasswordHash,
        applicationId: z.string().min(1).meta({ description: "The application these credentials act as." }),
      }),
    )
    .min(1)
    .max(1000),
});

/** HTTP Basic credentials to the gateway, each bound to an application. */
export const BasicAuthPolicy = z.object({
  kind: z.literal("basic-auth"),
  ...policyBase,
  config: BasicAuthConfig,
});
