import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadDotEnv } from "@portico/shared";
import type { Bus } from "@portico/shared/bus";
import { NatsBus } from "@portico/shared/bus/nats";
import { startTelemetry } from "@portico/shared/telemetry";
import { pino } from "pino";
import { DetachedBus } from "./bus/detached.js";
import { ensureIdentity } from "./config/identity.js";
import { loadBundleKeys } from "./config/keys.js";
import { parseEnv, withIdentity } from "./env.js";
import { softwareVersion, startGateway } from "./gateway.js";
import { missingNodeFlags } from "./node-flags.js";

const logger = pino({ name: "portico-gateway" });
const BUS_CLOSE_TIMEOUT_MS = 3000;

/**
 * Several workers (PORTICO_GW_WORKERS): the primary only forks and restarts them; each
 * worker is a full gateway with its own id (`<id>-w<n>`), state dir, NATS connection and
 * heartbeat, and the kernel spreads connections over them (SCHED_NONE, as nginx does).
 */
function runPrimary(workers: number): void {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  let stopping = false;
  const fork = (index: number) => {
    const worker = cluster.fork({ PORTICO_GW_WORKER_INDEX: String(index) });
    worker.on("exit", (code, signal) => {
      if (!stopping) {
        logger.warn({ index, code, signal }, "gateway worker exited; starting another");
        setTimeout(() => fork(index), 500);
      }
    });
  };
  for (let i = 0; i < workers; i++) {
    fork(i);
  }
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    logger.info({ signal, workers }, "stopping gateway workers");
    for (const worker of Object.values(cluster.workers ?? {})) {
      worker?.process.kill(signal);
    }
    const wait = setInterval(() => {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        clearInterval(wait);
        process.exit(0);
      }
    }, 50);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

async function main(): Promise<void> {
  loadDotEnv();
  const missing = missingNodeFlags(process.execArgv, process.env.NODE_OPTIONS);
  if (missing.length > 0 && cluster.isPrimary) {
    logger.warn(
      { missing },
      "node was started without the gateway's flags (data-plane/README.md, Performance): it serves, but slower",
    );
  }
  const fromEnv = parseEnv(process.env);
  const identity = await ensureIdentity({
    dataDir: fromEnv.dataDir,
    controlPlaneUrl: fromEnv.controlPlaneUrl,
    token: fromEnv.registrationToken,
  });
  const resolved = identity.ok ? withIdentity(fromEnv, identity.value) : identity;
  if (!resolved.ok) {
    logger.fatal(resolved.error);
    process.exit(1);
  }
  const parsed = resolved.value;
  if (parsed.workers > 1 && cluster.isPrimary) {
    runPrimary(parsed.workers);
    return;
  }
  const index = process.env.PORTICO_GW_WORKER_INDEX;
  const env = index === undefined ? parsed : { ...parsed, gatewayId: `${parsed.gatewayId}-w${index}` };
  // Before the gateway starts: it asks once, at start, whether to trace.
  const telemetry = await startTelemetry({ serviceName: "portico-gateway", serviceVersion: softwareVersion });
  const keys = await loadBundleKeys({
    location: env.bundleKeys,
    cachePath: join(env.dataDir, "gateway", env.gatewayId, "bundle-keys.json"),
  });
  if (!keys.ok) {
    logger.fatal(`cannot load bundle keys: ${keys.error}`);
    process.exit(1);
  }
  let bus: Bus;
  if (env.natsUrl) {
    bus = new NatsBus({
      servers: env.natsUrl,
      credsFile: env.natsCreds,
      inboxPrefix: env.inboxPrefix,
      domain: env.natsDomain,
      name: `portico-gateway-${env.gatewayId}`,
      onError: (error) => logger.warn({ err: error }, "NATS"),
    });
  } else {
    logger.warn("NATS_URL is not set: serving the bundles on disk only, analytics spool to disk");
    bus = new DetachedBus();
  }
  const gateway = await startGateway({
    bus,
    environment: env.environment,
    gatewayId: env.gatewayId,
    tenant: env.tenant,
    dataDir: env.dataDir,
    port: env.port,
    host: env.host,
    bundleKeys: keys.value,
    natsPrefix: env.natsPrefix,
    responseCacheBytes: env.responseCacheBytes,
    accessLog: env.accessLog,
    ...(env.tls === undefined
      ? {}
      : {
          tls: {
            port: env.tls.port,
            cert: readFileSync(env.tls.certFile, "utf8"),
            key: readFileSync(env.tls.keyFile, "utf8"),
            clientCa: env.tls.clientCaFile === undefined ? undefined : readFileSync(env.tls.clientCaFile, "utf8"),
          },
        }),
    logger,
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    try {
      await gateway.close();
      // Draining NATS needs the server; when it is down, do not hang the shutdown on it.
      await Promise.race([bus.close(), new Promise((r) => setTimeout(r, BUS_CLOSE_TIMEOUT_MS))]);
      await telemetry?.shutdown();
    } finally {
      process.exit(0);
    }
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, "gateway failed to start");
  process.exit(1);
});
