import { hash } from "node:crypto";

/** JSON with object keys sorted, so equal content always hashes equal. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map(canonicalJson).join(",")}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** One-shot: a third of createHash's cost, which the gateway pays on every API-key request. */
export const sha256Hex = (data: string): string => hash("sha256", data, "hex");

export function contentHash(bundle: Record<string, unknown>): string {
  const { hash: _ignored, ...content } = bundle;
  return sha256Hex(canonicalJson(content));
}
