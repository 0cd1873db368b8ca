import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { AnalyticsShipper } from "./analytics/buffer.js";
import type { TenantStore } from "./config/store.js";
import { Exchange } from "./http/exchange.js";
import { sendProblem } from "./http/respond.js";
import { type GatewayMetrics, type TenantMeters, UNATTRIBUTED } from "./metrics.js";
import { matchResource, NO_METHOD, NO_PATH, runChain } from "./policies/chain.js";
import { forward } from "./proxy/forward.js";
import { route } from "./routing/router.js";

export interface PipelineOptions {
  store: TenantStore;
  analytics: AnalyticsShipper;
  metrics: GatewayMetrics;
  environment: string;
  gatewayId: string;
  maxBodyBytes: number;
  logger: Logger;
}

/**
 * The request path for `/t/...`: route (API, blocked?, size, resource) → the API's or the
 * resource's policy chain (authenticate → authorise → rate-limit → transform) → proxy, then
 * one analytics event. Every step reads the tenant's compiled,
 * immutable config; nothing here parses config or calls out except the upstream (and an
 * external issuer's JWKS endpoint on a key-cache miss).
 */
export class RequestPipeline {
  readonly #o: PipelineOptions;
  readonly #unattributed: TenantMeters;
  #inflight = 0;

  constructor(options: PipelineOptions) {
    this.#o = options;
    this.#unattributed = options.metrics.meters(UNATTRIBUTED);
  }

  /** Requests between arrival and their analytics event, so shutdown can wait for them. */
  get inflight(): number {
    return this.#inflight;
  }

  /** Never rejects: a bug answers 500 and the process keeps serving. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#inflight++;
    try {
      await this.#handle(req, res);
    } finally {
      this.#inflight--;
    }
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let ex: Exchange | undefined;
    try {
      ex = new Exchange(req, res);
      await this.#run(ex);
    } catch (error) {
      this.#o.logger.error({ err: error, url: req.url }, "request failed inside the gateway");
      if (ex === undefined) {
        res.destroy();
        return;
      }
      if (res.headersSent) {
        res.destroy();
      } else {
        sendProblem(ex, "internal");
      }
    }
    try {
      this.#record(ex);
    } catch (error) {
      this.#o.logger.error({ err: error }, "recording a request failed");
    }
  }

  async #run(ex: Exchange): Promise<void> {
    const found = route(this.#o.store, ex.req.url ?? "/");
    if (found.kind === "invalid") {
      sendProblem(ex, "validation-failed", "The path contains dot segments or encoded separators");
      return;
    }
    if (found.kind === "unknown-tenant") {
      sendProblem(ex, "api-not-found");
      return;
    }
    ex.tenant = found.tenant;
    ex.resource = found.resource;
    if (found.kind === "unknown-api") {
      sendProblem(ex, "api-not-found");
      return;
    }
    const { api } = found;
    ex.api = api;
    if (api.status === "BLOCKED") {
      sendProblem(ex, "api-blocked");
      return;
    }
    if (ex.bytesIn > this.#o.maxBodyBytes) {
      sendProblem(ex, "payload-too-large", `The limit is ${this.#o.maxBodyBytes} bytes`);
      return;
    }
    let chain = api.chain;
    if (api.resources !== null) {
      const hit = matchResource(api.resources, found.resource, ex.req.method ?? "GET");
      if (hit === NO_PATH) {
        sendProblem(ex, "resource-not-found");
        return;
      }
      if (hit === NO_METHOD) {
        sendProblem(ex, "method-not-allowed");
        return;
      }
      ex.resource = hit.template;
      chain = hit.chain;
    }
    const pending = runChain(chain, ex);
    const outcome = pending instanceof Promise ? await pending : pending;
    if (!outcome.ok) {
      sendProblem(ex, outcome.code, outcome.detail);
      return;
    }
    await forward(ex, api, found.upstreamPath, Math.min(this.#o.maxBodyBytes, ex.bodyLimit));
  }

  #record(ex: Exchange | undefined): void {
    if (ex === undefined) {
      return;
    }
    const latencyMs = performance.now() - ex.start;
    const cls = Math.min(4, Math.max(0, Math.floor(ex.status / 100) - 1));
    const tenant = ex.tenant;
    const meters = tenant?.meters ?? this.#unattributed;
    meters.requests[cls]?.inc();
    meters.latency.observe(latencyMs / 1000);
    if (tenant === undefined) {
      return;
    }
    this.#o.analytics.push({
      id: randomUUID(),
      time: ex.time,
      tenant: tenant.id,
      environment: this.#o.environment,
      gateway: this.#o.gatewayId,
      api: ex.api?.id ?? null,
      apiVersion: ex.api?.version ?? null,
      resource: ex.resource,
      method: ex.req.method ?? "GET",
      status: ex.status,
      latencyMs,
      upstreamLatencyMs: ex.upstreamMs,
      application: ex.applicationId,
      bytesIn: ex.bytesIn,
      bytesOut: ex.bytesOut(),
      errorType: ex.errorType,
    });
  }
}
