import "server-only";

import { Policy, type PolicyKind } from "@portico/shared/policies";
import { z } from "zod";
import type { JsonSchema } from "@/components/json-schema-form";

/**
 * The JSON Schema of each policy kind's `config`, from the same zod schemas the control plane
 * and the gateways validate with, so the console's forms can never drift from what is
 * accepted. Built once per server process; only the schemas travel to the browser, not zod.
 */
export const POLICY_CONFIG_SCHEMAS: Record<PolicyKind, JsonSchema> = Object.fromEntries(
  Policy.options.map((o) => [
    o.shape.kind.value,
    z.toJSONSchema(o.shape.config, { io: "input", unrepresentable: "any" }) as JsonSchema,
  ]),
) as Record<PolicyKind, JsonSchema>;

/** Checks a policy before it is sent, with messages by path inside the policy. */
export function parsePolicy(input: unknown): { ok: true; value: Policy } | { ok: false; errors: string[] } {
  const result = Policy.safeParse(input);
  if (result.success) {
    return { ok: true, value: result.data };
  }
  return {
    ok: false,
    errors: result.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)),
  };
}
