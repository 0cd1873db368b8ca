import type { QueryRewriteConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { PASS, type PolicyDeps, type PolicyHandler } from "../types.js";

/** The query string (without "?") edited: remove, rename, then add (replacing). */
export function compileQueryRewrite(config: z.infer<typeof QueryRewriteConfig>): (query: string) => string {
  const add = Object.entries(config.add);
  const rename = Object.entries(config.rename);
  return (query) => {
    const params = new URLSearchParams(query);
    for (const name of config.remove) {
      params.delete(name);
    }
    for (const [from, to] of rename) {
      const values = params.getAll(from);
      if (values.length > 0) {
        params.delete(from);
        for (const v of values) {
          params.append(to, v);
        }
      }
    }
    for (const [name, value] of add) {
      params.set(name, value);
    }
    return params.toString();
  };
}

export function createQueryRewriteHandler(
  config: z.infer<typeof QueryRewriteConfig>,
  _deps: PolicyDeps,
): PolicyHandler {
  const rewrite = compileQueryRewrite(config);
  return {
    onRequest(ex) {
      ex.queryEdits = ex.queryEdits === null ? [rewrite] : [...ex.queryEdits, rewrite];
      return PASS;
    },
  };
}
