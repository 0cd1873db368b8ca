import { randomUUID } from "node:crypto";
import type { EventRow } from "@portico/shared";
import type { Tracer } from "@portico/shared/telemetry";
import type { Logger } from "pino";
import type { AnalyticsShipper } from "./analytics/buffer.js";
import type { CompiledApi } from "./config/compile.js";
import type { TenantStore } from "./config/store.js";
import { Exchange } from "./http/exchange.js";
import type { GatewayRequest } from "./http/request.js";
import { sendProblem } from "./http/respond.js";
import type { GatewayResponse } from "./http/response.js";
import { type GatewayMetrics, type RequestMeters, UNATTRIBUTED } from "./metrics.js";
import { type Chain, matchResource, NO_METHOD, NO_PATH, runChain, runChainTraced } from "./policies/chain.js";
import type { Outcome } from "./policies/types.js";
import { forward } from "./proxy/forward.js";
import { proxyWebSocket } from "./proxy/websocket.js";
import { route } from "./routing/router.js";
import { RequestTrace } from "./tracing.js";

function refuse(ex: Exchange, outcome: Exclude<Outcome, { ok: true }>): void {
  if (!("answered" in outcome)) {
    sendProblem(ex, outcome.code, outcome.detail, outcome.errors);
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

/** Milliseconds to the microsecond: finer is noise, and every event serializes shorter. */
const microseconds = (ms: number) => Math.round(ms * 1000) / 1000;

interface Admitted {
  api: CompiledApi;
  upstreamPath: string;
  chain: Chain;
}

export interface PipelineOptions {
  store: TenantStore;
  analytics: AnalyticsShipper;
  metrics: GatewayMetrics;
  maxBodyBytes: number;
  logger: Logger;
  /** null: tracing is off, and the request path makes no span at all */
  tracer: Tracer | null;
  /** one info line per request when set; off by default, as it costs a serialization per request */
  accessLog: Logger | null;
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
  readonly #unattributed: RequestMeters;
  readonly #tracer: Tracer | null;
  #inflight = 0;

  constructor(options: PipelineOptions) {
    this.#o = options;
    this.#unattributed = options.metrics.meters(UNATTRIBUTED);
    this.#tracer = options.tracer;
  }

  /** Requests between arrival and their analytics event, so shutdown can wait for them. */
  get inflight(): number {
    return this.#inflight;
  }

  /**
   * Never throws: a bug answers 500 and the process keeps serving. Stays synchronous until
   * something has to wait (an uncached token, the upstream); the upstream's completion comes
   * back as a callback, so the common path allocates no promise at all.
   */
  handle(req: GatewayRequest, res: GatewayResponse): void {
    if (this.#tracer !== null) {
      void this.#handleTraced(req, res, this.#tracer);
      return;
    }
    this.#inflight++;
    let ex: Exchange | undefined;
    try {
      ex = new Exchange(req, res);
      const admitted = this.#admit(ex);
      if (admitted instanceof Promise) {
        const started = ex;
        admitted.then(
          (a) => (a === undefined ? this.#end(started) : this.#forward(started, a, this.#ended)),
          (error: unknown) => this.#end(started, error),
        );
      } else if (admitted === undefined) {
        this.#end(ex);
      } else {
        this.#forward(ex, admitted, this.#ended);
      }
    } catch (error) {
      this.#thrown(req, res, ex, error);
    }
  }

  /**
   * The same steps as `handle`, each phase in a span (route, authenticate, authorise,
   * rate-limit, transform, proxy, respond) under one server span that continues the client's
   * `traceparent`; the upstream receives the proxy span's. Slower than `handle`, and only
   * taken when tracing is on.
   */
  async #handleTraced(req: GatewayRequest, res: GatewayResponse, tracer: Tracer): Promise<void> {
    this.#inflight++;
    let ex: Exchange | undefined;
    let trace: RequestTrace | undefined;
    try {
      ex = new Exchange(req, res);
      const t = new RequestTrace(tracer, ex);
      trace = t;
      const span = t.phase("route");
      const a = this.#resolve(ex);
      span.end();
      const outcome = a === undefined ? undefined : await runChainTraced(a.chain, ex, t);
      if (a === undefined || outcome === undefined || !outcome.ok) {
        if (outcome !== undefined && !outcome.ok) {
          refuse(ex, outcome);
        }
        this.#end(ex);
        t.end(ex);
        return;
      }
      t.proxying(ex);
      this.#forward(ex, a, (done) => {
        this.#end(done);
        t.end(done);
      });
    } catch (error) {
      this.#thrown(req, res, ex, error);
      if (ex !== undefined) {
        trace?.end(ex);
      }
    }
  }

  /** A throw on the request path: answered as a failure, and counted once the request began. */
  #thrown(req: GatewayRequest, res: GatewayResponse, ex: Exchange | undefined, error: unknown): void {
    if (ex === undefined) {
      this.#fail(req, res, ex, error);
      this.#inflight--;
    } else {
      this.#end(ex, error);
    }
  }

  /** Once per request, when its response is done or failed: the metrics and the analytics event. */
  readonly #ended = (ex: Exchange): void => this.#end(ex);

  #end(ex: Exchange, error?: unknown): void {
    if (error !== undefined) {
      this.#fail(ex.req, ex.res, ex, error);
    }
    if (ex.ended) {
      return;
    }
    ex.ended = true;
    this.#inflight--;
    try {
      this.#record(ex);
    } catch (e) {
      this.#o.logger.error({ err: e }, "recording a request failed");
    }
  }

  #fail(req: GatewayRequest, res: GatewayResponse, ex: Exchange | undefined, error: unknown): void {
    this.#o.logger.error({ err: error, url: req.url, requestId: ex?.requestId }, "request failed inside the gateway");
    if (ex === undefined || res.headersSent) {
      res.destroy();
    } else {
      sendProblem(ex, "internal");
    }
  }

  #forward(ex: Exchange, a: Admitted, done: (ex: Exchange) => void): void {
    try {
      const path = ex.pathEdits === null && ex.queryEdits === null ? a.upstreamPath : rewritten(ex, a);
      forward(ex, a.api, path, Math.min(this.#o.maxBodyBytes, ex.bodyLimit), done);
    } catch (error) {
      this.#end(ex, error);
    }
  }

  /**
   * Route → API state → resource → policy chain. undefined: a problem was sent. Synchronous
   * unless a policy has to wait.
   */
  #admit(ex: Exchange): Admitted | undefined | Promise<Admitted | undefined> {
    const admitted = this.#resolve(ex);
    if (admitted === undefined) {
      return;
    }
    const outcome = runChain(admitted.chain, ex);
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

  /** Route → API state → resource: what to run for the request. undefined: a problem was sent. */
  #resolve(ex: Exchange): Admitted | undefined {
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
    if (api.resources === null) {
      return { api, upstreamPath: found.upstreamPath, chain: api.chain };
    }
    const hit = matchResource(api.resources, found.resource, ex.req.method ?? "GET");
    if (hit === NO_PATH) {
      sendProblem(ex, "resource-not-found");
      return;
    }
    if (hit === NO_METHOD) {
      if (ex.req.method === "OPTIONS" && ex.req.headers["access-control-request-method"] !== undefined) {
        // A CORS preflight for a listed path: the API's own policies (CORS) answer it.
        ex.resource = "*";
        return { api, upstreamPath: found.upstreamPath, chain: api.chain };
      }
      sendProblem(ex, "method-not-allowed");
      return;
    }
    ex.resource = hit.template;
    if (hit.target !== null) {
      // A product's resource: proxied to the API that owns it, and counted for that API.
      ex.api = hit.target;
      return { api: hit.target, upstreamPath: hit.target.basePath + found.upstreamPath, chain: hit.chain };
    }
    return { api, upstreamPath: found.upstreamPath, chain: hit.chain };
  }

  /**
   * A WebSocket upgrade: the same route, resource and policies as a request (auth happens
   * here, at the upgrade), then frames are relayed to the upstream and counted. Problems go
   * out as plain HTTP answers on the socket.
   */
  upgrade(req: GatewayRequest, res: GatewayResponse, head: Buffer): void {
    const { socket } = req;
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

  #record(ex: Exchange): void {
    const latencyMs = performance.now() - ex.start;
    // Every exchange, attributed or not, ends its count: the next one on the connection starts there.
    const bytesOut = ex.bytesOut();
    const cls = Math.min(4, Math.max(0, Math.floor(ex.status / 100) - 1));
    const tenant = ex.tenant;
    const meters = tenant?.meters ?? this.#unattributed;
    meters.record(cls, latencyMs / 1000);
    ex.api?.meters.record(cls, latencyMs / 1000);
    if (this.#o.accessLog !== null) {
      this.#o.accessLog.info({
        requestId: ex.requestId,
        method: ex.req.method,
        url: ex.req.url,
        status: ex.status,
        ms: microseconds(latencyMs),
        tenant: tenant?.id,
        api: ex.api?.id,
        errorType: ex.errorType ?? undefined,
      });
    }
    if (tenant === undefined) {
      return;
    }
    // A row under EVENT_COLUMNS: the shipper serialises it without any key names.
    const api = ex.api;
    const row: EventRow = [
      ex.eventId ?? randomUUID(),
      ex.time,
      api?.id ?? null,
      api?.version ?? null,
      api?.productId ?? null,
      ex.resource,
      ex.req.method ?? "GET",
      ex.status,
      Math.round(latencyMs * 1000),
      ex.upstreamMs === null ? null : Math.round(ex.upstreamMs * 1000),
      ex.applicationId,
      ex.bytesIn,
      bytesOut,
      ex.errorType,
    ];
    if (ex.upgrade) {
      row.push(ex.framesIn, ex.framesOut);
    }
    this.#o.analytics.push(tenant.id, row);
  }
}
