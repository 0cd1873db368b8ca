import { readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { GatewayCommand, natsNames, parseJson } from "@portico/shared";
import type { Bus } from "@portico/shared/bus";
import { tracerOrNull } from "@portico/shared/telemetry";
import type { JSONWebKeySet } from "jose";
import { type Logger, pino } from "pino";
import { AnalyticsShipper } from "./analytics/buffer.js";
import { AnalyticsSpool } from "./analytics/spool.js";
import { BundleDisk } from "./config/disk.js";
import { TrustedBundleKeys } from "./config/keys.js";
import { TenantStore } from "./config/store.js";
import { ConfigWatcher } from "./config/watcher.js";
import { GatewayMetrics } from "./metrics.js";
import { RequestPipeline } from "./pipeline.js";
import { policyModules } from "./policies/registry.js";
import { HealthChecker } from "./proxy/health.js";
import { UpstreamPools } from "./proxy/pools.js";
import { EndpointStates } from "./proxy/upstream.js";
import { createGatewayServer, type GatewayTls } from "./server.js";
import { Heartbeat } from "./status/heartbeat.js";
import { RateLimiter } from "./traffic/rate-limit.js";
import { ResponseCaches } from "./traffic/response-cache.js";
import { SharedCounters } from "./traffic/shared-counter.js";

export interface GatewayOptions {
  bus: Bus;
  /** The environment whose bundles this gateway serves. */
  environment: string;
  /** Stable id, used in NATS subjects: letters, digits, `_` and `-`. */
  gatewayId: string;
  /** Set for a registered self-hosted gateway: the one tenant whose bundles it serves. */
  tenant?: string;
  /** Portico's data dir; the gateway keeps its state in `<dataDir>/gateway/<gatewayId>/`. */
  dataDir: string;
  /** 0 picks a free port. */
  port: number;
  host?: string;
  /** Public Ed25519 keys bundles must be signed with. */
  bundleKeys: JSONWebKeySet;
  natsPrefix?: string;
  heartbeatMs?: number;
  analyticsFlushMs?: number;
  maxBodyBytes?: number;
  /** How long to wait for an upstream's response headers before answering 504. */
  upstreamTimeoutMs?: number;
  /** How often shared rate-limit counts go to the other gateways (100 ms). */
  rateLimitSyncMs?: number;
  /** Analytics batches kept on disk while the bus is down; past it new ones are dropped and counted. */
  maxSpoolBatches?: number;
  /** Memory each tenant's response cache may use, in bytes (64 MiB). */
  responseCacheBytes?: number;
  /** A second, TLS listener (0 picks a free port), asking for client certificates when it has a client CA. */
  tls?: GatewayTls & { port: number };
  logger?: Logger;
  /** One info log line per request, with its request id (off: the request path logs only failures). */
  accessLog?: boolean;
}

export interface Gateway {
  port: number;
  url: string;
  /** the TLS listener's, when there is one */
  tlsPort?: number;
  tlsUrl?: string;
  /** Stops serving, flushes analytics to the bus or the spool. Leaves the bus open: the caller owns it. */
  close(): Promise<void>;
  /** What is served now (for tests and tooling). */
  tenants(): { tenant: string; version: number; hash: string }[];
}

const POOL_SWEEP_DELAY_MS = 60_000;
const BUCKET_SWEEP_MS = 60_000;
const CLOSE_GRACE_MS = 10_000;

export const softwareVersion: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;
const policyKinds = Object.keys(policyModules);

/**
 * Starts a gateway: serves the last good bundles from disk at once, then follows the bus in
 * the background. Never waits for the bus, so it serves with NATS down.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { bus, environment, gatewayId } = options;
  const logger = options.logger ?? pino({ name: "portico-gateway" });
  const names = natsNames(options.natsPrefix ?? "portico");
  // Spelling the subjects up front rejects an environment or id NATS cannot carry.
  const statusSubject = names.statusSubject(environment, gatewayId);
  names.ackSubject(environment, gatewayId);
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;

  const dir = join(options.dataDir, "gateway", gatewayId);
  await mkdir(dir, { recursive: true });
  const metrics = new GatewayMetrics({ reconnects: () => bus.reconnects() });
  const pools = new UpstreamPools({
    headersTimeoutMs: options.upstreamTimeoutMs ?? 30_000,
    bodyTimeoutMs: 300_000,
    connectTimeoutMs: 10_000,
  });
  const store = new TenantStore();
  const limiter = new RateLimiter();
  const endpoints = new EndpointStates();
  const caches = new ResponseCaches(options.responseCacheBytes ?? 64 * 1024 * 1024);
  const shared = new SharedCounters(bus, names.rateLimitSubject(environment), gatewayId, logger);
  const health = new HealthChecker(store, logger);
  const spool = new AnalyticsSpool(dir, options.maxSpoolBatches ?? 20_000);
  await spool.init();
  const analytics = new AnalyticsShipper({
    bus,
    names,
    environment,
    gatewayId,
    spool,
    metrics,
    flushMs: options.analyticsFlushMs ?? 1000,
    logger,
  });
  const tenants = () => store.all().map((t) => ({ tenant: t.id, version: t.version, hash: t.hash }));

  // Installed keys plus those announced by earlier bundles (a signing-key rotation).
  const trustedKeys = await TrustedBundleKeys.load(options.bundleKeys, join(dir, "announced-bundle-keys.json"));
  let poolSweep: NodeJS.Timeout | undefined;
  const watcher: ConfigWatcher = new ConfigWatcher({
    bus,
    names,
    environment,
    gatewayId,
    tenant: options.tenant,
    keys: trustedKeys.keySet,
    onInstalled: async (bundle) => {
      if (await trustedKeys.announce(bundle.nextBundleKeys)) {
        logger.info({ kids: trustedKeys.kids }, "trusting announced bundle keys");
      }
    },
    store,
    disk: new BundleDisk(dir),
    compile: { pools, metrics, limiter, endpoints, shared, caches },
    logger,
    onChange: () => {
      heartbeat.beat();
      clearTimeout(poolSweep);
      poolSweep = setTimeout(() => {
        pools.retainOnly(new Set(store.all().flatMap((t) => [...t.origins])));
        endpoints.retainOnly(
          new Set(store.all().flatMap((t) => t.targets.flatMap((a) => a.upstream.endpoints.map((e) => e.key)))),
        );
      }, POOL_SWEEP_DELAY_MS).unref();
    },
  });
  const heartbeat = new Heartbeat({
    bus,
    subject: statusSubject,
    gatewayId,
    environment,
    softwareVersion,
    policyKinds,
    intervalMs: options.heartbeatMs ?? 5000,
    source: { tenants, lastError: () => watcher.lastError() },
  });

  let ready = false;
  const pipeline = new RequestPipeline({
    store,
    analytics,
    metrics,
    maxBodyBytes,
    logger,
    tracer: tracerOrNull("@portico/gateway"),
    accessLog: options.accessLog ? logger.child({ log: "access" }) : null,
  });
  const serverDeps = { pipeline, registry: metrics.registry, isReady: () => ready, logger };
  const servers = [createGatewayServer(serverDeps)];
  if (options.tls !== undefined) {
    servers.push(createGatewayServer(serverDeps, options.tls));
  }
  const ports: number[] = [];
  for (const [i, server] of servers.entries()) {
    ports.push(await server.listen((i === 0 ? options.port : options.tls?.port) ?? 0, options.host ?? "0.0.0.0"));
  }
  const port = ports[0] as number;
  const tlsPort = ports[1];
  const host = options.host && options.host !== "0.0.0.0" ? options.host : "127.0.0.1";

  await watcher.boot();
  ready = true;
  heartbeat.start();
  watcher.start();
  const commands = bus.subscribe(names.controlSubject(environment, gatewayId), (m) => {
    const command = GatewayCommand.safeParse(parseJson(m.data));
    if (!command.success) {
      logger.warn({ subject: m.subject }, "malformed control-plane command dropped");
      return;
    }
    logger.info({ tenant: command.data.tenant, requestedAt: command.data.requestedAt }, "resync requested");
    watcher.resync(command.data.tenant);
  });
  analytics.start();
  health.start();
  shared.start(options.rateLimitSyncMs ?? 100);
  bus.ensureStream(names.analyticsStream, [names.analyticsFilter]).catch((error: unknown) => {
    logger.warn({ err: error }, "could not ensure the analytics stream; batches will spool");
  });
  const bucketSweep = setInterval(() => limiter.sweep(performance.now()), BUCKET_SWEEP_MS).unref();
  logger.info({ port, tlsPort, environment, gatewayId, tenants: store.all().length }, "gateway serving");

  return {
    port,
    url: `http://${host}:${port}`,
    ...(tlsPort === undefined ? {} : { tlsPort, tlsUrl: `https://${host}:${tlsPort}` }),
    tenants,
    close: async () => {
      ready = false;
      heartbeat.stop();
      await commands.stop();
      clearInterval(bucketSweep);
      health.stop();
      await shared.stop();
      clearTimeout(poolSweep);
      await watcher.stop();
      const closed = Promise.all(servers.map((s) => s.close()));
      // Let requests in progress finish (up to a grace period), then drop every connection,
      // including keep-alive ones node still counts as active because they never sent a request.
      const graceEnd = Date.now() + CLOSE_GRACE_MS;
      while (pipeline.inflight > 0 && Date.now() < graceEnd) {
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const s of servers) {
        s.closeAllConnections();
      }
      await closed;
      await analytics.close();
      await pools.close();
      logger.info({ gatewayId }, "gateway stopped");
    },
  };
}
