import { z } from "zod";

/** Acknowledgement of an applied bundle, or the reason one was refused. */
export const GatewayAck = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    gateway: z.string(),
    environment: z.string(),
    tenant: z.string(),
    version: z.number().int(),
    hash: z.string(),
    applyMs: z.number().nonnegative(),
  }),
  z.object({
    ok: z.literal(false),
    gateway: z.string(),
    environment: z.string(),
    /** Absent when the bundle was too broken to tell. */
    tenant: z.string().optional(),
    version: z.number().int().optional(),
    reason: z.string(),
    detail: z.string(),
    /** epoch ms on the gateway's clock, the same as the heartbeat's lastError.at */
    at: z.number().int().optional(),
  }),
]);
export type GatewayAck = z.infer<typeof GatewayAck>;

export const GatewayStatus = z.object({
  id: z.string(),
  environment: z.string(),
  softwareVersion: z.string(),
  capabilities: z.object({
    schemaVersions: z.array(z.number().int()),
    /** Policy kinds this build can compile; absent from gateways older than the field. */
    policyKinds: z.array(z.string()).optional(),
  }),
  startedAt: z.number().int(),
  uptimeS: z.number().nonnegative(),
  tenants: z.array(z.object({ tenant: z.string(), version: z.number().int(), hash: z.string() })),
  lastError: z
    .object({
      reason: z.string(),
      detail: z.string(),
      at: z.number().int(),
      /** the tenant whose bundle was refused, when it could be told */
      tenant: z.string().optional(),
    })
    .nullable(),
});
export type GatewayStatus = z.infer<typeof GatewayStatus>;

/**
 * What the control plane asks of one gateway on its control subject. `resync`: read the
 * tenant's bundle from the bus again and apply it, even when it thinks it runs it already.
 */
export const GatewayCommand = z.object({
  action: z.literal("resync"),
  tenant: z.string(),
  /** epoch ms on the control plane's clock, echoed in logs */
  requestedAt: z.number().int(),
});
export type GatewayCommand = z.infer<typeof GatewayCommand>;

/** A bus message's JSON, or undefined when it is not JSON (the schema then refuses it). */
export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
