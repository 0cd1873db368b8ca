import { z } from "zod";

const DURATION_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** `90m`, `36h`, `7d` in milliseconds. */
const duration = (fallback: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,5}[mhd]$/, "a duration like 90m, 36h or 7d")
    .default(fallback)
    .transform((v) => Number(v.slice(0, -1)) * DURATION_MS[v.slice(-1) as keyof typeof DURATION_MS]);

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
  /** How long request events are kept; analytics queries within it are exact. */
  PORTICO_ANALYTICS_RAW_RETENTION: duration("7d"),
  /** How long per-minute rollups are kept. */
  PORTICO_ANALYTICS_MINUTE_RETENTION: duration("31d"),
  /** How long per-hour rollups are kept. */
  PORTICO_ANALYTICS_HOUR_RETENTION: duration("400d"),
  /**
   * 32 bytes, base64: the key that seals secrets the control plane must send on (analytics
   * exporters). Unset: a key generated once and kept in the database's platform secrets.
   */
  PORTICO_SECRETS_KEY: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z
      .string()
      .refine((v) => Buffer.from(v, "base64").length === 32, "32 bytes, base64-encoded")
      .optional(),
  ),
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
