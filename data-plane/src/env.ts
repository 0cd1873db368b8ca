import { createHash } from "node:crypto";
import { availableParallelism, hostname } from "node:os";
import { resolve } from "node:path";
import { invocationDir } from "@portico/shared";
import { z } from "zod";

const Env = z
  .object({
    PORTICO_GW_PORT: z.coerce.number().int().min(0).max(65535).default(8000),
    PORTICO_GW_HOST: z.string().min(1).default("0.0.0.0"),
    PORTICO_ENVIRONMENT: z
      .string()
      .regex(/^[a-zA-Z0-9_-]+$/)
      .default("default"),
    PORTICO_GATEWAY_ID: z.string().min(1).optional(),
    PORTICO_DATA_DIR: z.string().min(1).default("./.portico"),
    /** Processes serving the port (node:cluster): 1 (default) is no cluster, 0 one per core. */
    PORTICO_GW_WORKERS: z.coerce.number().int().min(0).max(256).default(1),
    NATS_URL: z.string().min(1).optional(),
    NATS_CREDS: z.string().min(1).optional(),
    PORTICO_NATS_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9_-]+$/)
      .default("portico"),
    PORTICO_BUNDLE_KEYS: z.string().min(1, "PORTICO_BUNDLE_KEYS is required: a JWKS file path or URL"),
    /** PEM files of the TLS listener; cert and key together or neither. */
    PORTICO_GW_TLS_CERT: z.string().min(1).optional(),
    PORTICO_GW_TLS_KEY: z.string().min(1).optional(),
    /** CA bundle client certificates are verified against (the mtls policy needs it). */
    PORTICO_GW_TLS_CLIENT_CA: z.string().min(1).optional(),
    PORTICO_GW_TLS_PORT: z.coerce.number().int().min(0).max(65535).default(8443),
    /** Memory each tenant's response cache may use (64 MiB). */
    PORTICO_GW_CACHE_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .default(64 * 1024 * 1024),
  })
  .refine((e) => (e.PORTICO_GW_TLS_CERT === undefined) === (e.PORTICO_GW_TLS_KEY === undefined), {
    message: "set PORTICO_GW_TLS_CERT and PORTICO_GW_TLS_KEY together",
    path: ["PORTICO_GW_TLS_KEY"],
  })
  .refine((e) => e.PORTICO_GW_TLS_CLIENT_CA === undefined || e.PORTICO_GW_TLS_CERT !== undefined, {
    message: "PORTICO_GW_TLS_CLIENT_CA needs PORTICO_GW_TLS_CERT and PORTICO_GW_TLS_KEY",
    path: ["PORTICO_GW_TLS_CLIENT_CA"],
  });

export interface GatewayEnv {
  port: number;
  host: string;
  environment: string;
  gatewayId: string;
  /** The data dir shared by every Portico process on the host; the gateway keeps to its own subfolder. */
  dataDir: string;
  natsUrl: string | undefined;
  natsCreds: string | undefined;
  natsPrefix: string;
  bundleKeys: string;
  /** gateway processes to run (1: this process serves) */
  workers: number;
  /** paths of the TLS listener's PEM files, when it runs */
  tls: { port: number; certFile: string; keyFile: string; clientCaFile: string | undefined } | undefined;
  responseCacheBytes: number;
}

/** NATS subject tokens allow only these characters, and the id ends up in subjects. */
const sanitizeId = (raw: string): string => raw.replace(/[^a-zA-Z0-9_-]/g, "-");

export function parseEnv(source: NodeJS.ProcessEnv): GatewayEnv {
  const env = Env.parse(source);
  const dataDir = resolve(invocationDir(), env.PORTICO_DATA_DIR);
  // Stable across restarts of the same install, distinct for two installs on one host.
  const fallbackId = `${hostname()}-${createHash("sha256").update(dataDir).digest("hex").slice(0, 8)}`;
  return {
    port: env.PORTICO_GW_PORT,
    host: env.PORTICO_GW_HOST,
    environment: env.PORTICO_ENVIRONMENT,
    gatewayId: sanitizeId(env.PORTICO_GATEWAY_ID ?? fallbackId),
    dataDir,
    natsUrl: env.NATS_URL,
    natsCreds: env.NATS_CREDS,
    natsPrefix: env.PORTICO_NATS_PREFIX,
    bundleKeys: env.PORTICO_BUNDLE_KEYS,
    workers: env.PORTICO_GW_WORKERS === 0 ? availableParallelism() : env.PORTICO_GW_WORKERS,
    tls:
      env.PORTICO_GW_TLS_CERT === undefined || env.PORTICO_GW_TLS_KEY === undefined
        ? undefined
        : {
            port: env.PORTICO_GW_TLS_PORT,
            certFile: env.PORTICO_GW_TLS_CERT,
            keyFile: env.PORTICO_GW_TLS_KEY,
            clientCaFile: env.PORTICO_GW_TLS_CLIENT_CA,
          },
    responseCacheBytes: env.PORTICO_GW_CACHE_BYTES,
  };
}
