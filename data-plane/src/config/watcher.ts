import { type GatewayAck, NAME_TOKEN, type NatsNames } from "@portico/shared";
import { type BundleKeySet, verifyBundle } from "@portico/shared/bundle";
import type { Bus, KvEntry, Stoppable } from "@portico/shared/bus";
import { tracedConsume, tracerOrNull } from "@portico/shared/telemetry";
import type { Logger } from "pino";
import { forgetRequestSchemas } from "../policies/request-validation/handler.js";
import type { LastError } from "../status/heartbeat.js";
import { type CompileDeps, compileTenant } from "./compile.js";
import type { BundleDisk } from "./disk.js";
import type { TenantStore } from "./store.js";

export interface ConfigWatcherOptions {
  bus: Bus;
  names: NatsNames;
  environment: string;
  gatewayId: string;
  /** A self-hosted gateway serves one tenant: it watches that key only (its credentials allow no more). */
  tenant?: string;
  keys: BundleKeySet;
  store: TenantStore;
  disk: BundleDisk;
  compile: CompileDeps;
  logger: Logger;
  /** After the served config changed (apply, removal, boot). */
  onChange(): void;
  /** A bundle passed verification and was installed (e.g. to learn announced bundle keys). */
  onInstalled?(bundle: Parameters<typeof compileTenant>[0]): Promise<void>;
}

type Applied =
  | { ok: true; version: number; hash: string }
  | { ok: false; reason: string; detail: string; version?: number };

/**
 * Keeps the store in step with the environment's bundle bucket: verify → compile → swap →
 * persist → ack, one entry at a time, all off the request path.
 */
export class ConfigWatcher {
  readonly #o: ConfigWatcherOptions;
  #queue: Promise<void> = Promise.resolve();
  #watch: Promise<Stoppable> | undefined;
  #lastError: LastError | null = null;
  /** Tenants whose next bundle from the bus is applied even when it is the one running. */
  readonly #forced = new Set<string>();
  #reopening = false;

  constructor(options: ConfigWatcherOptions) {
    this.#o = options;
  }

  lastError(): LastError | null {
    return this.#lastError;
  }

  /** Serves the last good bundles from disk, so the gateway works before (or without) the bus. */
  async boot(): Promise<void> {
    const { disk, keys, environment, logger } = this.#o;
    for (const { tenantId, jws } of await disk.loadAll()) {
      if (!NAME_TOKEN.test(tenantId)) {
        continue;
      }
      const verified = await verifyBundle(jws, keys, { environment, tenantId });
      const result = verified.ok
        ? this.#install(verified.value, jws)
        : ({ ok: false, reason: verified.error.code, detail: verified.error.detail } as const);
      if (!result.ok) {
        this.#recordError(result.reason, `on-disk bundle of ${tenantId}: ${result.detail}`, tenantId);
        logger.error({ tenant: tenantId, reason: result.reason, detail: result.detail }, "on-disk bundle not loaded");
      }
    }
    this.#o.onChange();
  }

  /** Returns at once; the watch connects and reconnects in the background. */
  start(): void {
    this.#watch = this.#openWatch();
  }

  /**
   * The control plane saw this gateway drift from the tenant's expected bundle: watch the
   * bucket afresh (it replays the latest value of every key, which needs no more NATS
   * permissions than watching does) and apply, persist and ack the tenant's bundle even if it
   * is the one in memory, since what is on disk or reported may be what differs.
   */
  resync(tenant: string): void {
    if (!NAME_TOKEN.test(tenant) || (this.#o.tenant !== undefined && tenant !== this.#o.tenant)) {
      return;
    }
    this.#forced.add(tenant);
    // Requests arriving while the watch is being reopened ride on that reopening.
    if (this.#reopening) {
      return;
    }
    this.#reopening = true;
    const previous = this.#watch;
    this.#watch = (async () => {
      await (await previous?.catch(() => undefined))?.stop();
      this.#reopening = false;
      return this.#openWatch();
    })();
  }

  #openWatch(): Promise<Stoppable> {
    const bucket = this.#o.names.bundleBucket(this.#o.environment);
    const watch = this.#o.bus.kvWatch(
      bucket,
      (entry) => {
        this.#queue = this.#queue.then(() => this.#handle(entry));
      },
      { key: this.#o.tenant },
    );
    watch.catch((error: unknown) => this.#o.logger.error({ err: error }, "bundle watch failed"));
    return watch;
  }

  async stop(): Promise<void> {
    const watch = await this.#watch?.catch(() => undefined);
    await watch?.stop();
    await this.#queue;
  }

  async #handle(entry: KvEntry): Promise<void> {
    try {
      // A child of the control plane's publish span, when it traced one.
      await tracedConsume(tracerOrNull("@portico/gateway"), "apply bundle", entry.headers, () => this.#apply(entry));
    } catch (error) {
      // Nothing a bundle contains should get here; keep the watcher alive if it does.
      this.#recordError("internal", error instanceof Error ? error.message : String(error));
      this.#o.logger.error({ err: error, tenant: entry.key }, "bundle apply crashed");
    }
  }

  async #apply(entry: KvEntry): Promise<void> {
    const { store, disk, keys, environment, logger } = this.#o;
    const tenantId = entry.key;
    if (!NAME_TOKEN.test(tenantId)) {
      this.#reject(undefined, { ok: false, reason: "wrong_tenant", detail: `key "${tenantId}" is not a tenant id` });
      return;
    }
    const running = store.byId(tenantId);
    if (entry.value === null) {
      if (running) {
        store.remove(tenantId);
        this.#o.compile.metrics.forgetTenant(tenantId);
        this.#o.compile.caches.forget(tenantId);
        forgetRequestSchemas(tenantId);
        await disk.remove(tenantId);
        logger.info({ tenant: tenantId }, "tenant removed");
        this.#o.onChange();
      }
      return;
    }
    const forced = this.#forced.delete(tenantId);
    const started = performance.now();
    const jws = entry.value;
    // The watch replays the latest value of every key after a reconnect.
    if (running?.jws === jws) {
      if (forced) {
        await this.#reaffirm(tenantId, running, started);
      }
      return;
    }
    const verified = await verifyBundle(jws, keys, { environment, tenantId, currentVersion: running?.version });
    if (!verified.ok) {
      if (verified.error.code === "stale_version" && running && (await this.#isRunning(jws, running))) {
        if (forced) {
          await this.#reaffirm(tenantId, running, started);
        }
        return;
      }
      this.#reject(tenantId, { ok: false, reason: verified.error.code, detail: verified.error.detail });
      return;
    }
    const result = this.#install(verified.value, jws);
    if (!result.ok) {
      this.#reject(tenantId, result);
      return;
    }
    await this.#persist(tenantId, jws);
    const applyMs = performance.now() - started;
    logger.info({ tenant: tenantId, version: result.version, applyMs }, "bundle applied");
    this.#ackApplied(tenantId, result, applyMs);
  }

  /** A resync of the bundle already served: the copy on disk is rewritten and the ack sent again. */
  async #reaffirm(tenantId: string, running: { version: number; hash: string; jws: string }, started: number) {
    await this.#persist(tenantId, running.jws);
    this.#o.logger.info({ tenant: tenantId, version: running.version }, "bundle resynced");
    this.#ackApplied(tenantId, running, performance.now() - started);
  }

  async #persist(tenantId: string, jws: string): Promise<void> {
    try {
      await this.#o.disk.save(tenantId, jws);
    } catch (error) {
      // Still serving it; only a restart without the bus would fall back to the older file.
      this.#recordError("persist_failed", error instanceof Error ? error.message : String(error));
      this.#o.logger.error({ err: error, tenant: tenantId }, "bundle applied but not persisted");
    }
  }

  #ackApplied(tenantId: string, bundle: { version: number; hash: string }, applyMs: number): void {
    this.#ack({
      ok: true,
      gateway: this.#o.gatewayId,
      environment: this.#o.environment,
      tenant: tenantId,
      version: bundle.version,
      hash: bundle.hash,
      applyMs,
    });
    this.#o.onChange();
  }

  /** The same version and content under another signature (say, re-signed after a key rotation). */
  async #isRunning(jws: string, running: { version: number; hash: string; id: string }): Promise<boolean> {
    const again = await verifyBundle(jws, this.#o.keys, { environment: this.#o.environment, tenantId: running.id });
    return again.ok && again.value.version === running.version && again.value.hash === running.hash;
  }

  #install(bundle: Parameters<typeof compileTenant>[0], jws: string): Applied {
    const owner = this.#o.store.slugOwner(bundle.tenant.slug);
    if (owner !== undefined && owner !== bundle.tenant.id) {
      return {
        ok: false,
        reason: "slug_conflict",
        detail: `slug "${bundle.tenant.slug}" is served for another tenant`,
        version: bundle.version,
      };
    }
    const compiled = compileTenant(bundle, jws, this.#o.compile);
    if (!compiled.ok) {
      return { ok: false, reason: "invalid_config", detail: compiled.error, version: bundle.version };
    }
    this.#o.store.install(compiled.value);
    this.#o.compile.metrics.setBundleVersion(bundle.tenant.id, bundle.version);
    const served = [...compiled.value.apis.values(), ...compiled.value.targets];
    this.#o.compile.metrics.retainApis(bundle.tenant.id, new Set(served.map((api) => api.id)));
    this.#o.onInstalled?.(bundle).catch((error: unknown) => {
      this.#o.logger.error({ err: error, tenant: bundle.tenant.id }, "after-install hook failed");
    });
    return { ok: true, version: bundle.version, hash: bundle.hash };
  }

  /** Published at once, so the control plane shows the refusal without waiting for a heartbeat. */
  #reject(tenantId: string | undefined, rejection: Extract<Applied, { ok: false }>): void {
    const error = this.#recordError(rejection.reason, rejection.detail, tenantId);
    this.#o.logger.warn({ tenant: tenantId, reason: rejection.reason, detail: rejection.detail }, "bundle rejected");
    this.#ack({
      ok: false,
      gateway: this.#o.gatewayId,
      environment: this.#o.environment,
      tenant: tenantId,
      version: rejection.version,
      reason: rejection.reason,
      detail: rejection.detail,
      at: error.at,
    });
    this.#o.onChange();
  }

  #recordError(reason: string, detail: string, tenant?: string): LastError {
    const error: LastError = { reason, detail, at: Date.now(), ...(tenant === undefined ? {} : { tenant }) };
    this.#lastError = error;
    return error;
  }

  #ack(ack: GatewayAck): void {
    this.#o.bus.publish(this.#o.names.ackSubject(this.#o.environment, this.#o.gatewayId), JSON.stringify(ack));
  }
}
