import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { natsNames } from "@portico/shared";
import type { Bus, Stoppable } from "@portico/shared/bus";
import { tracerOrNull } from "@portico/shared/telemetry";
import { sql } from "drizzle-orm";
import pino, { type Logger } from "pino";
import { newApp } from "./app.js";
import { connectDatabase, type Database } from "./db/client.js";
import { startEmbeddedPostgres } from "./db/embedded.js";
import { migrateDatabase } from "./db/migrate.js";
import { environments } from "./db/schema/index.js";
import { OutboxRelay } from "./deployer/relay.js";
import { createMetrics } from "./http/metrics.js";
import { loadConsoleTokens } from "./keys/console-tokens.js";
import { rotateBundleKey, sweepKeys } from "./keys/rotation.js";
import { loadSecretBox } from "./keys/secret-box.js";
import { loadBundleSigner } from "./keys/signing-keys.js";
import { drainAnalyticsExports, EXPORT_POLL_MS } from "./services/analytics/export-dispatcher.js";
import { ingestBatch } from "./services/analytics/ingest.js";
import { pruneAnalytics } from "./services/analytics/retention.js";
import type { AnalyticsRetention, GatewayRegistrationConfig, Services } from "./services/context.js";
import { ensureSharedEnvironment, type SharedEnvironmentSpec } from "./services/environments.js";
import { recordAck, recordStatus } from "./services/gateways.js";
import { ensureDefaultEnvironment } from "./services/tenants.js";
import { WebhookDispatcher } from "./services/webhook-dispatcher.js";
import { LeaderLock } from "./workers/leader.js";
import { PollingLoop } from "./workers/polling-loop.js";

const OUTBOX_RELAY_JOB = 1;
const DAY_MS = 86_400_000;
export const DEFAULT_ANALYTICS_RETENTION: AnalyticsRetention = {
  rawMs: 7 * DAY_MS,
  minuteMs: 31 * DAY_MS,
  hourMs: 400 * DAY_MS,
};

export interface ControlPlaneOptions {
  /** PostgreSQL URL; absent: embedded PGlite under `<dataDir>/postgres`. */
  databaseUrl?: string;
  dataDir: string;
  bus: Bus;
  natsPrefix?: string;
  port: number;
  host?: string;
  /** External base URL, prefix of every issuer (default http://127.0.0.1:{port}). */
  publicUrl?: string;
  /** External base URL of the default environment's gateways. */
  gatewayUrl?: string;
  logger?: Logger;
  gatewayLiveMs?: number;
  /** Let webhooks call loopback and private addresses (default false: a SaaS must not). */
  webhookAllowPrivate?: boolean;
  /** First retry delay of failed webhook deliveries (doubles per attempt). */
  webhookBackoffMs?: number;
  /** What registering self-hosted gateways receive (default: no NATS servers, no credentials). */
  gatewayRegistration?: Partial<GatewayRegistrationConfig>;
  /** How often key rotations are advanced (announced bundle keys activated, issuer keys retired). */
  keySweepMs?: number;
  /** How long events and rollups are kept (PORTICO_ANALYTICS_*_RETENTION). */
  analyticsRetention?: AnalyticsRetention;
  /** How often expired analytics are pruned (default every 10 minutes). */
  analyticsPruneMs?: number;
  /** First retry delay of failed analytics exports (doubles per attempt). */
  analyticsExportBackoffMs?: number;
  /** PORTICO_SECRETS_KEY: base64 of 32 bytes sealing exporter secrets (default: one kept in the database). */
  secretsKey?: string;
  /** Platform-wide shared environments besides `default` (PORTICO_SHARED_ENVIRONMENTS). */
  sharedEnvironments?: SharedEnvironmentSpec[];
}

export interface ControlPlane {
  url: string;
  port: number;
  services: Services;
  database: Database;
  /** Platform operation: announce a new bundle-signing key that signs from `activateInS` on. */
  rotateBundleKey(activateInS: number): Promise<string>;
  /** Advances key rotations now (the timer does it every `keySweepMs`). */
  sweepKeys(): Promise<void>;
  /** Whether this instance runs the outbox relay (one of several sharing a database does). */
  leadsRelay(): boolean;
  close(): Promise<void>;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const log = opts.logger ?? pino({ name: "control-plane" });
  const names = natsNames(opts.natsPrefix);
  const embedded = opts.databaseUrl ? undefined : await startEmbeddedPostgres(join(opts.dataDir, "postgres"));
  // PGlite is one session: a second pooled connection would interleave transactions.
  const database = connectDatabase(opts.databaseUrl ?? embedded!.url, embedded ? { max: 1 } : {});
  await migrateDatabase(database.system);

  const signer = await loadBundleSigner(database.system);
  const relay = new OutboxRelay(
    database,
    opts.bus,
    names,
    log,
    new LeaderLock(opts.databaseUrl, OUTBOX_RELAY_JOB, log),
  );
  const services: Services = {
    db: database,
    deploy: { signer, publicUrl: opts.publicUrl ?? "" },
    publishBundles: () => relay.kick(),
    commandGateway: (environment, gatewayId, command) =>
      opts.bus.publish(names.controlSubject(environment, gatewayId), JSON.stringify(command)),
    tokens: await loadConsoleTokens(database.system, "portico-console"),
    publicUrl: opts.publicUrl ?? "",
    gatewayUrl: opts.gatewayUrl ?? "http://127.0.0.1:8000",
    gatewayLiveMs: opts.gatewayLiveMs ?? 30_000,
    webhookAllowPrivate: opts.webhookAllowPrivate ?? false,
    analyticsRetention: opts.analyticsRetention ?? DEFAULT_ANALYTICS_RETENTION,
    secrets: await loadSecretBox(database.system, opts.secretsKey),
    gatewayRegistration: { natsServers: [], ...opts.gatewayRegistration, natsPrefix: names.prefix },
  };
  await ensureDefaultEnvironment(services);
  for (const spec of opts.sharedEnvironments ?? []) {
    log.info(
      { environment: spec.name, result: await ensureSharedEnvironment(database.system, spec) },
      "shared environment",
    );
  }

  const metrics = createMetrics({ reconnects: () => opts.bus.reconnects() });
  const app = newApp({
    services,
    log,
    metrics,
    bundleKeys: () => signer.jwks,
    tracer: tracerOrNull("@portico/control-plane"),
    ready: async () => {
      try {
        await database.system.execute(sql`select 1`);
        return opts.bus.isConnected();
      } catch {
        return false;
      }
    },
  });
  const server = serve({ fetch: app.fetch, port: opts.port, hostname: opts.host ?? "0.0.0.0" });
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const port = (server.address() as AddressInfo).port;
  const publicUrl = opts.publicUrl ?? `http://127.0.0.1:${port}`;
  services.publicUrl = publicUrl;
  services.deploy.publicUrl = publicUrl;

  // Bus wiring runs in the background: the API serves while NATS is still unreachable.
  const stoppables: Stoppable[] = [
    opts.bus.subscribe(
      names.statusFilter,
      (m) => void recordStatus(services, log, names, m).catch((e) => log.warn({ err: e }, "status")),
    ),
    opts.bus.subscribe(
      names.ackFilter,
      (m) => void recordAck(services, log, names, m).catch((e) => log.warn({ err: e }, "ack")),
    ),
  ];
  const busSetup = (async () => {
    const envs = await database.system.select({ busKey: environments.busKey }).from(environments);
    await Promise.all(envs.map((e) => opts.bus.ensureBucket(names.bundleBucket(e.busKey))));
    await opts.bus.ensureStream(names.analyticsStream, [names.analyticsFilter]);
    stoppables.push(
      await opts.bus.consume(
        names.analyticsStream,
        names.analyticsDurable,
        (m) => ingestBatch(services, log, names, m),
        // Batches are independent and ingest is idempotent; a few at once keep up with many gateways.
        { concurrency: 4 },
      ),
    );
  })().catch((e) => log.error({ err: e }, "bus setup failed"));
  relay.start();
  const webhooks = new WebhookDispatcher(database, log, opts.webhookBackoffMs);
  webhooks.start();
  const exportDeps = {
    db: database,
    secrets: services.secrets,
    log,
    baseBackoffMs: opts.analyticsExportBackoffMs ?? 1000,
  };
  const exports = new PollingLoop(
    () => drainAnalyticsExports(exportDeps),
    EXPORT_POLL_MS,
    (e) => log.warn({ err: e }, "analytics export failed, will retry"),
  );
  exports.start();
  const pruning = new PollingLoop(
    async () => {
      const removed = await pruneAnalytics(database, services.analyticsRetention);
      log.debug({ removed }, "analytics retention applied");
    },
    opts.analyticsPruneMs ?? 600_000,
    (e) => log.warn({ err: e }, "analytics pruning failed, will retry"),
  );
  pruning.start();
  let sweeping: Promise<void> = Promise.resolve();
  const sweep = () => {
    sweeping = sweeping.then(() => sweepKeys(services, log)).catch((e) => log.error({ err: e }, "key sweep failed"));
    return sweeping;
  };
  const keySweep = setInterval(() => void sweep(), opts.keySweepMs ?? 30_000);
  keySweep.unref();

  log.info({ port, publicUrl, embeddedDatabase: Boolean(embedded) }, "control plane listening");
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    services,
    database,
    rotateBundleKey: (activateInS) => rotateBundleKey(services, activateInS),
    sweepKeys: sweep,
    leadsRelay: () => relay.leading,
    close: async () => {
      clearInterval(keySweep);
      await sweeping;
      server.close();
      await relay.stop();
      await webhooks.stop();
      await exports.stop();
      await pruning.stop();
      await busSetup;
      await Promise.all(stoppables.map((s) => s.stop()));
      await database.close();
      await embedded?.stop();
    },
  };
}
