import { PROBLEM_CONTENT_TYPE, problem } from "@portico/shared";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import { HttpListener, type ListenerTls } from "./http/listener.js";
import type { GatewayRequest } from "./http/request.js";
import type { GatewayResponse } from "./http/response.js";
import type { RequestPipeline } from "./pipeline.js";

export interface ServerDeps {
  pipeline: RequestPipeline;
  registry: Registry;
  isReady(): boolean;
  logger: Logger;
}

const HEALTHY = JSON.stringify({ status: "ok" });
const NOT_READY = JSON.stringify(problem("not-ready", "Bundle keys or on-disk bundles are not loaded yet"));

function sendJson(res: GatewayResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

/** PEM material of the TLS listener; with a client CA it asks every client for a certificate. */
export type GatewayTls = ListenerTls;

/**
 * The gateway's own HTTP/1.1 server (or over TLS with `tls`): the tenant path goes straight to
 * the pipeline, three fixed paths beside it.
 */
export function createGatewayServer(deps: ServerDeps, tls?: GatewayTls): HttpListener {
  const request = (req: GatewayRequest, res: GatewayResponse) => {
    const url = req.url;
    if (url === "/healthz") {
      sendJson(res, 200, "application/json", HEALTHY);
    } else if (url === "/readyz") {
      if (deps.isReady()) {
        sendJson(res, 200, "application/json", HEALTHY);
      } else {
        sendJson(res, 503, PROBLEM_CONTENT_TYPE, NOT_READY);
      }
    } else if (url === "/metrics") {
      deps.registry.metrics().then(
        (text) => sendJson(res, 200, deps.registry.contentType, text),
        (error: unknown) => {
          deps.logger.error({ err: error }, "metrics collection failed");
          sendJson(res, 500, PROBLEM_CONTENT_TYPE, JSON.stringify(problem("internal")));
        },
      );
    } else {
      // Outside /t/ too: the pipeline answers 404 and counts it as unattributed.
      deps.pipeline.handle(req, res);
    }
  };
  return new HttpListener(
    { request, upgrade: (req, res, head) => deps.pipeline.upgrade(req, res, head) },
    (error) => deps.logger.error({ err: error }, "a request handler threw on the connection"),
    tls,
  );
}
