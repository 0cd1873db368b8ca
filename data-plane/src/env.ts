import { createHash } from "node:crypto";
import { availableParallelism, hostname } from "node:os";
import { resolve } from "node:path";
import { err, gatewayInboxPrefix, invocationDir, ok, type Result } from "@portico/shared";
import { z } from "zod";
import type { GatewayIdentity } from "./config/identity.js";

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
    /** JetStream domain of the NATS cluster, when the gateway reaches it through a leaf node. */
    PORTICO_NATS_DOMAIN: z
      .string()
      .regex(/^[a-zA-Z0-9_-]+$/)
      .optional(),
    PORTICO_NATS_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9_-]+$/)
      .default("portico"),
    /** Required unless the gateway is registered (its identity brings the keys). */
    PORTICO_BUNDLE_KEYS: z.string().min(1).optional(),
    /** Self-hosted: the control plane to register with, and the one-time token (first start only). */
    PORTICO_CP_URL: z.url().optional(),
    PORTICO_REGISTRATION_TOKEN: z.string().min(1).optional(),
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
    /** One JSON log line per request (1); off by default, as it costs the request path a serialization. */
    PORTICO_ACCESS_LOG: z.enum(["0", "1"]).default("0"),
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
  natsDomain: string | undefined;
  bundleKeys: string | undefined;
  /** gateway processes to run (1: this process serves) */
  workers: number;
  /** paths of the TLS listener's PEM files, when it runs */
  tls: { port: number; certFile: string; keyFile: string; clientCaFile: string | undefined } | undefined;
  responseCacheBytes: number;
  accessLog: boolean;
  controlPlaneUrl: string | undefined;
  registrationToken: string | undefined;
  /** Set for a registered self-hosted gateway: the one tenant it serves. */
  tenant?: string;
  /** Prefix of its NATS reply inboxes (its credentials allow only those). */
  inboxPrefix?: string;
}

export type ResolvedGatewayEnv = GatewayEnv & { bundleKeys: string };

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
    natsDomain: env.PORTICO_NATS_DOMAIN,
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
    accessLog: env.PORTICO_ACCESS_LOG === "1",
    controlPlaneUrl: env.PORTICO_CP_URL,
    registrationToken: env.PORTICO_REGISTRATION_TOKEN,
  };
}

/**
 * A registered gateway is who its identity says (id, environment, tenant, NATS prefix); the
 * environment may still point it at another NATS URL (a local leaf node), credentials file or
 * key location.
 */
export function withIdentity(
  env: GatewayEnv,
  identity: GatewayIdentity | undefined,
): Result<ResolvedGatewayEnv, string> {
  if (!identity) {
    return env.bundleKeys
      ? ok({ ...env, bundleKeys: env.bundleKeys })
      : err("PORTICO_BUNDLE_KEYS is required (a JWKS file path or URL), or register with PORTICO_REGISTRATION_TOKEN");
  }
  if (env.workers > 1) {
    return err("a registered gateway runs one process: its NATS credentials name one gateway id");
  }
  return ok({
    ...env,
    gatewayId: identity.gatewayId,
    environment: identity.environment.busKey,
    natsPrefix: identity.nats.prefix,
    natsDomain: env.natsDomain ?? identity.nats.domain ?? undefined,
    natsUrl: env.natsUrl ?? (identity.nats.servers.join(",") || undefined),
    natsCreds: env.natsCreds ?? identity.credsPath,
    bundleKeys: env.bundleKeys ?? identity.bundleKeysPath,
    tenant: identity.tenant.id,
    inboxPrefix: gatewayInboxPrefix(identity.gatewayId),
  });
}
