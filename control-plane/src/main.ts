import { resolve } from "node:path";
import { invocationDir, loadDotEnv } from "@portico/shared";
import { MemoryBus } from "@portico/shared/bus";
import { NatsBus } from "@portico/shared/bus/nats";
import { startTelemetry } from "@portico/shared/telemetry";
import pino from "pino";
import { startControlPlane } from "./control-plane.js";
import { readEnv } from "./env.js";
import { loadNatsSigner, splitServers } from "./keys/nats-auth.js";
import { parseSharedEnvironments } from "./services/environments.js";

loadDotEnv();
const env = readEnv();
const log = pino({ name: "control-plane", level: env.LOG_LEVEL });
// Before anything that traces: the control plane asks once, at start, whether to.
const telemetry = await startTelemetry({ serviceName: "portico-control-plane" });
if (!env.NATS_URL) {
  log.warn("NATS_URL is not set: using an in-process bus, which no separate gateway can reach");
}
const bus = env.NATS_URL
  ? new NatsBus({
      servers: env.NATS_URL,
      credsFile: env.NATS_CREDS,
      replicas: env.PORTICO_NATS_REPLICAS,
      domain: env.PORTICO_NATS_DOMAIN,
      name: "portico-control-plane",
      onError: (e) => log.warn({ err: e }, "nats"),
    })
  : new MemoryBus();
const cp = await startControlPlane({
  databaseUrl: env.DATABASE_URL,
  dataDir: resolve(invocationDir(), env.PORTICO_DATA_DIR),
  bus,
  natsPrefix: env.PORTICO_NATS_PREFIX,
  port: env.PORTICO_CP_PORT,
  host: env.PORTICO_CP_HOST,
  publicUrl: env.PORTICO_PUBLIC_URL?.replace(/\/+$/, ""),
  gatewayUrl: env.PORTICO_GATEWAY_URL?.replace(/\/+$/, ""),
  logger: log,
  webhookAllowPrivate: env.PORTICO_WEBHOOK_ALLOW_PRIVATE === "true",
  analyticsRetention: {
    rawMs: env.PORTICO_ANALYTICS_RAW_RETENTION,
    minuteMs: env.PORTICO_ANALYTICS_MINUTE_RETENTION,
    hourMs: env.PORTICO_ANALYTICS_HOUR_RETENTION,
  },
  secretsKey: env.PORTICO_SECRETS_KEY,
  gatewayRegistration: {
    natsServers: splitServers(env.PORTICO_NATS_PUBLIC_URL ?? env.NATS_URL ?? ""),
    natsDomain: env.PORTICO_NATS_DOMAIN,
    natsSigner: env.PORTICO_NATS_SIGNER ? loadNatsSigner(env.PORTICO_NATS_SIGNER, env.NATS_CREDS) : undefined,
  },
  sharedEnvironments: parseSharedEnvironments(env.PORTICO_SHARED_ENVIRONMENTS),
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log.info({ signal }, "shutting down");
    void cp
      .close()
      .then(() => bus.close())
      .then(() => telemetry?.shutdown())
      .finally(() => process.exit(0));
  });
}
