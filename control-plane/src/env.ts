import { z } from "zod";

const optionalUrl = z.preprocess((v) => (v === "" ? undefined : v), z.url().optional());

/** Configuration from the environment, checked at boot (ARCHITECTURE §7). */
export const ControlPlaneEnv = z.object({
  PORTICO_CP_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  PORTICO_CP_HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: optionalUrl,
  NATS_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
  NATS_CREDS: z.string().optional(),
  /** JetStream domain of the NATS cluster (jetstream.domain in infra/nats/cluster.conf). */
  PORTICO_NATS_DOMAIN: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .regex(/^[a-zA-Z0-9_-]+$/)
      .optional(),
  ),
  /** Replicas of the bundle buckets and the analytics stream: 3 on a 3-node JetStream cluster. */
  PORTICO_NATS_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** NATS URLs handed to registering gateways, comma-separated (default: NATS_URL). */
  PORTICO_NATS_PUBLIC_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
  /** Seed file of the NATS account signing key: registering gateways get credentials signed with it. */
  PORTICO_NATS_SIGNER: z.preprocess((v) => (v === "" ? undefined : v), z.string().optional()),
  PORTICO_NATS_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+$/)
    .default("portico"),
  PORTICO_DATA_DIR: z.string().default("./.portico"),
  PORTICO_PUBLIC_URL: optionalUrl,
  PORTICO_GATEWAY_URL: optionalUrl,
  /** Platform-wide environments: `name` or `name=https://gateway.url`, comma-separated. */
  PORTICO_SHARED_ENVIRONMENTS: z.string().optional(),
  PORTICO_WEBHOOK_ALLOW_PRIVATE: z.enum(["true", "false"]).default("false"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});
export type ControlPlaneEnv = z.infer<typeof ControlPlaneEnv>;

export function readEnv(env: NodeJS.ProcessEnv = process.env): ControlPlaneEnv {
  const parsed = ControlPlaneEnv.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`invalid configuration:\n${lines}`);
  }
  return parsed.data;
}
