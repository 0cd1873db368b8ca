import { canonicalJson, sha256Hex } from "@portico/shared/bundle";
import { fail } from "./errors.js";

/** A strong validator of a resource: the hash of its JSON representation. */
export const etagOf = (representation: unknown): string => `"${sha256Hex(canonicalJson(representation)).slice(0, 20)}"`;

/**
 * `If-Match` against the current representation (read under the row lock of the update):
 * a stale ETag is 412, so concurrent editors never overwrite each other unknowingly.
 */
export function preconditionFailed(ifMatch: string | undefined, current: unknown) {
  if (ifMatch === undefined || ifMatch.trim() === "*") {
    return undefined;
  }
  const tags = ifMatch.split(",").map((t) => t.trim());
  return tags.includes(etagOf(current))
    ? undefined
    : fail("precondition-failed", "the resource changed since it was read; fetch it again");
}
