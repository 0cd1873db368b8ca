import type { ScopesConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

/** 403 unless the caller's access token carries every configured scope (API keys carry none). */
export function createScopesHandler(config: z.infer<typeof ScopesConfig>, _deps: PolicyDeps): PolicyHandler {
  const required = [...config.scopes];
  const missing = reject("insufficient-scope", `Requires scope ${required.join(" ")}`);
  return {
    onRequest(ex) {
      const have = ex.scopes;
      if (have === null) {
        return missing;
      }
      for (const scope of required) {
        if (!have.includes(scope)) {
          return missing;
        }
      }
      return PASS;
    },
  };
}
