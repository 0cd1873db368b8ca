import type { HeaderTransformConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { PASS, type PolicyDeps, type PolicyHandler } from "../types.js";

type Edits = z.infer<typeof HeaderTransformConfig>["request"];
export type HeaderEdit = (headers: string[]) => string[];

/** One pass over a flat [name, value, …] list: remove, rename, then add (replacing). */
export function compileEdits(edits: Edits): HeaderEdit | null {
  const remove = new Set(edits.remove);
  const rename = new Map(Object.entries(edits.rename));
  const add = Object.entries(edits.add);
  if (remove.size === 0 && rename.size === 0 && add.length === 0) {
    return null;
  }
  const added = new Set(add.map(([name]) => name));
  return (headers) => {
    const out: string[] = [];
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i] as string;
      const lower = name.toLowerCase();
      if (remove.has(lower)) {
        continue;
      }
      const to = rename.get(lower) ?? name;
      if (added.has(to.toLowerCase())) {
        continue;
      }
      out.push(to, headers[i + 1] as string);
    }
    for (const [name, value] of add) {
      out.push(name, value);
    }
    return out;
  };
}

export function createHeaderTransformHandler(
  config: z.infer<typeof HeaderTransformConfig>,
  _deps: PolicyDeps,
): PolicyHandler {
  const request = compileEdits(config.request);
  const response = compileEdits(config.response);
  return {
    onRequest(ex) {
      if (request !== null) {
        ex.requestEdits = ex.requestEdits === null ? [request] : [...ex.requestEdits, request];
      }
      if (response !== null) {
        ex.responseEdits = ex.responseEdits === null ? [response] : [...ex.responseEdits, response];
      }
      return PASS;
    },
  };
}
