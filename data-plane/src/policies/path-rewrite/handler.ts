import type { PathRewriteConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { PASS, type PolicyDeps, type PolicyHandler } from "../types.js";

/**
 * `prefix` → `replacement` at the start of the path below the API, on whole segments only
 * (/v1 matches /v1 and /v1/x, not /v1x), so the rest keeps its segments as the router
 * checked them; other paths pass untouched.
 */
export function compilePathRewrite(config: z.infer<typeof PathRewriteConfig>): (path: string) => string {
  const prefix = config.prefix.length > 1 ? config.prefix.replace(/\/+$/, "") : "";
  const replacement = config.replacement.replace(/\/+$/, "");
  return (path) => {
    if (path !== prefix && !path.startsWith(`${prefix}/`)) {
      return path;
    }
    return replacement + path.slice(prefix.length) || "/";
  };
}

export function createPathRewriteHandler(config: z.infer<typeof PathRewriteConfig>, _deps: PolicyDeps): PolicyHandler {
  const rewrite = compilePathRewrite(config);
  return {
    onRequest(ex) {
      ex.pathEdits = ex.pathEdits === null ? [rewrite] : [...ex.pathEdits, rewrite];
      return PASS;
    },
  };
}
