import { randomUUID } from "node:crypto";
import { type IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { AnalyticsShipper } from "./analytics/buffer.js";
import type { CompiledApi } from "./config/compile.js";
import type { TenantStore } from "./config/store.js";
import { Exchange } from "./http/exchange.js";
import { sendProblem } from "./http/respond.js";
import { type GatewayMetrics, type TenantMeters, UNATTRIBUTED } from "./metrics.js";
import { matchResource, NO_METHOD, NO_PATH, runChain } from "./policies/chain.js";
import type { Outcome } from "./policies/types.js";
import { forward } from "./proxy/forward.js";
import { proxyWebSocket } from "./proxy/websocket.js";
import { route } from "./routing/router.js";

function refuse(ex: Exchange, outcome: Exclude<Outcome, { ok: true }>): void {
  if (!("answered" in outcome)) {
    sendProblem(ex, outcome.code, outcome.detail);
  }
}

/** The upstream path rebuilt from the path below the API and the query, after the rewrite policies. */
function rewritten(ex: Exchange, a: Admitted): string {
  const url = ex.req.url ?? "/";
  const q = url.indexOf("?");
  let rest = a.upstreamPath.slice(a.api.basePath.length);
  const rq = rest.indexOf("?");
  if (rq >= 0) {
    rest = rest.slice(0, rq);
  }
  for (const edit of ex.pathEdits ?? []) {
    rest = edit(rest === "" ? "/" : rest);
  }
  let query = q < 0 ? "" : url.slice(q + 1);
  for (const edit of ex.queryEdits ?? []) {
    query = edit(query);
  }
  const path = a.api.basePath + rest;
  return (path === "" ? "/" : path) + (query === "" ? "" : `?${query}`);
}

interface Admitted {
  api: CompiledApi;
  upstreamPath: string;
}

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

  /**
   * Never rejects: a bug answers 500 and the process keeps serving. Stays synchronous until
   * something has to wait (an uncached token, the upstream), so the common path allocates no
   * promise of its own besides the upstream's.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> | undefined {
    this.#inflight++;
    let ex: Exchange | undefined;
    try {
      ex = new Exchange(req, res);
      const pending = this.#run(ex);
      if (pending !== undefined) {
        const started = ex;
        return pending.then(
          () => this.#end(started),
          (error: unknown) => this.#end(started, error),
        );
      }
    } catch (error) {
      this.#fail(req, res, ex, error);
    }
    this.#end(ex);
    return undefined;
  }

  #end(ex: Exchange | undefined, error?: unknown): void {
    if (error !== undefined && ex !== undefined) {
      this.#fail(ex.req, ex.res, ex, error);
    }
    this.#inflight--;
    try {
      this.#record(ex);
    } catch (e) {
      this.#o.logger.error({ err: e }, "recording a request failed");
    }
  }

  #fail(req: IncomingMessage, res: ServerResponse, ex: Exchange | undefined, error: unknown): void {
    this.#o.logger.error({ err: error, url: req.url }, "request failed inside the gateway");
    if (ex === undefined || res.headersSent) {
      res.destroy();
    } else {
      sendProblem(ex, "internal");
    }
  }

  /** undefined when the request was answered without waiting for anything */
  #run(ex: Exchange): Promise<void> | undefined {
    const admitted = this.#admit(ex);
    if (admitted instanceof Promise) {
      return admitted.then((a) => (a === undefined ? undefined : this.#forward(ex, a)));
    }
    return admitted === undefined ? undefined : this.#forward(ex, admitted);
  }

  #forward(ex: Exchange, a: Admitted): Promise<void> {
    const path = ex.pathEdits === null && ex.queryEdits === null ? a.upstreamPath : rewritten(ex, a);
    return forward(ex, a.api, path, Math.min(this.#o.maxBodyBytes, ex.bodyLimit));
  }

  /**
   * Route → API state → resource → policy chain. undefined: a problem was sent. Synchronous
   * unless a policy has to wait.
   */
  #admit(ex: Exchange): Admitted | undefined | Promise<Admitted | undefined> {
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
    let admitted: Admitted = { api, upstreamPath: found.upstreamPath };
    if (api.resources !== null) {
      const hit = matchResource(api.resources, found.resource, ex.req.method ?? "GET");
      if (hit === NO_PATH) {
        sendProblem(ex, "resource-not-found");
        return;
      }
      if (hit === NO_METHOD) {
        if (ex.req.method === "OPTIONS" && ex.req.headers["access-control-request-method"] !== undefined) {
          // A CORS preflight for a listed path: the API's own policies (CORS) answer it.
          ex.resource = "*";
        } else {
          sendProblem(ex, "method-not-allowed");
          return;
        }
      } else {
        ex.resource = hit.template;
        chain = hit.chain;
        if (hit.target !== null) {
          // A product's resource: proxied to the API that owns it, and counted for that API.
          ex.api = hit.target;
          admitted = { api: hit.target, upstreamPath: hit.target.basePath + found.upstreamPath };
        }
      }
    }
    const outcome = runChain(chain, ex);
    if (outcome instanceof Promise) {
      return outcome.then((o) => {
        if (!o.ok) {
          refuse(ex, o);
          return undefined;
        }
        return admitted;
      });
    }
    if (!outcome.ok) {
      refuse(ex, outcome);
      return;
    }
    return admitted;
  }

  /**
   * A WebSocket upgrade: the same route, resource and policies as a request (auth happens
   * here, at the upgrade), then frames are relayed to the upstream and counted. Problems go
   * out as plain HTTP answers on the socket.
   */
  upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const res = new ServerResponse(req);
    res.assignSocket(socket);
    res.shouldKeepAlive = false;
    res.once("finish", () => socket.destroy());
    socket.on("error", () => socket.destroy());
    this.#inflight++;
    const ex = new Exchange(req, res);
    const done = () => this.#end(ex);
    if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket") {
      sendProblem(ex, "validation-failed", "Only WebSocket upgrades are supported");
      done();
      return;
    }
    const relay = (a: Admitted | undefined) => {
      if (a === undefined) {
        done();
        return;
      }
      res.detachSocket(socket);
      proxyWebSocket(ex, a.api, a.upstreamPath, head, this.#o.metrics, done);
    };
    try {
      const admitted = this.#admit(ex);
      if (admitted instanceof Promise) {
        admitted.then(relay, (error: unknown) => this.#end(ex, error));
      } else {
        relay(admitted);
      }
    } catch (error) {
      this.#end(ex, error);
    }
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
      product: ex.api?.productId,
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
