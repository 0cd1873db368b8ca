import { z } from "zod";
import { policyBase } from "../base.js";

export const Scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/, "an OAuth scope token (RFC 6749 3.3)");

export const ScopesConfig = z.object({
  scopes: z
    .array(Scope)
    .min(1, "list at least one scope")
    .meta({ description: "Every one of these must be in the access token's `scope` claim." }),
});

/** 403 `insufficient-scope` unless the token carries every listed scope. */
export const ScopesPolicy = z.object({
  kind: z.literal("scopes"),
  ...policyBase,
  config: ScopesConfig,
});
