import { z } from "zod";

/** Stable name of one attached policy: used in logs, metrics and rate-limit bucket keys. */
export const PolicyId = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, "letters, digits, '_', '.' and '-' only (at most 64)");

/** Fields every policy has besides its `kind` and `config`. */
export const policyBase = {
  id: PolicyId.optional().meta({ description: "Stable name; defaults to the policy's position." }),
  enabled: z
    .boolean()
    .default(true)
    .meta({ description: "Switch off during an incident without deleting the config." }),
};

/** An HTTP header name as node reports it (lower case). */
export const HeaderName = z.string().regex(/^[a-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "a lower-case HTTP header name");
