#!/usr/bin/env node
// All-in-one: control plane and one gateway in this process (sharing an in-process bus unless
// NATS_URL is set), the console as a child process. Same code as the split deployment.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { startControlPlane } from "@portico/control-plane";
import { startGateway } from "@portico/data-plane";
import { invocationDir, loadDotEnv } from "@portico/shared";
import { MemoryBus } from "@portico/shared/bus";
import { NatsBus } from "@portico/shared/bus/nats";
import { startTelemetry } from "@portico/shared/telemetry";
import pino from "pino";

const started = performance.now();
loadDotEnv();
const env = process.env;
const log = pino({ name: "portico", level: env.LOG_LEVEL ?? "info" });
// Before the control plane and the gateway start: each asks once, at start, whether to trace.
const telemetry = await startTelemetry({ serviceName: "portico" });
const dataDir = resolve(invocationDir(), env.PORTICO_DATA_DIR ?? "./.portico");
const cpPort = Number(env.PORTICO_CP_PORT ?? 4000);
const gwPort = Number(env.PORTICO_GW_PORT ?? 8000);
const consolePort = Number(env.PORTICO_CONSOLE_PORT ?? 3000);
const publicUrl = env.PORTICO_PUBLIC_URL ?? `http://127.0.0.1:${cpPort}`;
const gatewayUrl = env.PORTICO_GATEWAY_URL ?? `http://127.0.0.1:${gwPort}`;
const environment = env.PORTICO_ENVIRONMENT ?? "default";
const gatewayId =
  env.PORTICO_GATEWAY_ID ??
  `${hostname().replace(/[^a-zA-Z0-9_-]/g, "-")}-${createHash("sha256").update(dataDir).digest("hex").slice(0, 8)}`;

const bus = env.NATS_URL
  ? new NatsBus({
      servers: env.NATS_URL,
      credsFile: env.NATS_CREDS,
      name: "portico-all-in-one",
      onError: (e) => log.warn({ err: e }, "nats"),
    })
  : new MemoryBus();

const cp = await startControlPlane({
  databaseUrl: env.DATABASE_URL || undefined,
  dataDir,
  bus,
  natsPrefix: env.PORTICO_NATS_PREFIX,
  port: cpPort,
  host: env.PORTICO_CP_HOST ?? "127.0.0.1",
  publicUrl,
  gatewayUrl,
  logger: log.child({ component: "control-plane" }),
  // A local installation: webhooks to localhost are what a developer wants to try.
  webhookAllowPrivate: env.PORTICO_WEBHOOK_ALLOW_PRIVATE !== "false",
});
// The gateway gets the public bundle keys only, exactly as a remote one fetches them.
const bundleKeys = await (await fetch(`${cp.url}/.well-known/portico/bundle-keys`)).json();
const gateway = await startGateway({
  bus,
  environment,
  gatewayId,
  dataDir,
  port: gwPort,
  host: env.PORTICO_GW_HOST ?? "127.0.0.1",
  bundleKeys,
  natsPrefix: env.PORTICO_NATS_PREFIX,
  logger: log.child({ component: "gateway" }),
});

// Its own process group, so stopping reaches next-server behind npm too.
const portal = spawn("npm", ["run", "start", "-w", "portal"], {
  detached: true,
  stdio: ["ignore", "inherit", "inherit"],
  env: {
    ...env,
    PORTICO_CP_URL: cp.url,
    PORTICO_GATEWAY_URL: gatewayUrl,
    PORTICO_CONSOLE_PORT: String(consolePort),
    NEXT_TELEMETRY_DISABLED: "1",
  },
});
const consoleUrl = `http://127.0.0.1:${consolePort}`;
for (let i = 0; i < 600; i++) {
  const ready = await fetch(`${consoleUrl}/readyz`).then(
    (r) => r.ok,
    () => false,
  );
  if (ready) {
    break;
  }
  await new Promise((r) => setTimeout(r, 100));
}
const readyMs = Math.round(performance.now() - started);
log.info({ readyMs }, "Portico is ready");
process.stdout.write(
  `\n  Portico is ready in ${(readyMs / 1000).toFixed(1)} s\n` +
    `  console        ${consoleUrl}\n` +
    `  control plane  ${publicUrl}   (REST: ${publicUrl}/api/v1, OpenAPI: ${publicUrl}/api/v1/openapi.json)\n` +
    `  gateway        ${gatewayUrl}   (${gatewayUrl}/t/{tenant}/{context}/{version}/...)\n` +
    `  data           ${dataDir}\n\n`,
);

let stopping = false;
async function stop(signal) {
  if (stopping) {
    return;
  }
  stopping = true;
  log.info({ signal }, "shutting down");
  try {
    process.kill(-portal.pid, "SIGTERM");
  } catch {
    // already gone
  }
  await gateway.close();
  await cp.close();
  await bus.close();
  await telemetry?.shutdown();
  process.exit(0);
}
process.on("SIGINT", () => void stop("SIGINT"));
process.on("SIGTERM", () => void stop("SIGTERM"));
portal.on("exit", (code) => {
  if (!stopping) {
    log.error({ code }, "the console exited");
    void stop("console-exit");
  }
});
