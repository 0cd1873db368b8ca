import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer, type Server as TlsServer } from "node:https";
import type { Socket } from "node:net";
import { PROBLEM_CONTENT_TYPE, problem } from "@portico/shared";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { RequestPipeline } from "./pipeline.js";

export interface ServerDeps {
  pipeline: RequestPipeline;
  registry: Registry;
  isReady(): boolean;
  logger: Logger;
}

const HEALTHY = JSON.stringify({ status: "ok" });
const NOT_READY = JSON.stringify(problem("not-ready", "Bundle keys or on-disk bundles are not loaded yet"));

function sendJson(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

/** A request node could not even parse: answer without a handler, or just drop a dead socket. */
function onClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] =
    error.code === "HPE_HEADER_OVERFLOW" ? [431, "Request Header Fields Too Large"] : [400, "Bad Request"];
  const body = JSON.stringify({ ...problem("validation-failed", "The HTTP request is malformed"), status });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** PEM material of the TLS listener; with a client CA it asks every client for a certificate. */
export interface GatewayTls {
  cert: string;
  key: string;
  clientCa?: string;
}

/**
 * Plain node:http (or node:https with `tls`): the tenant path goes straight to the pipeline,
 * three fixed paths beside it.
 */
export function createGatewayServer(deps: ServerDeps, tls?: GatewayTls): Server | TlsServer {
  const handle = (req: IncomingMessage, res: ServerResponse) => {
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
      void deps.pipeline.handle(req, res);
    }
  };
  // Certificates are verified, never required at the handshake: the mtls policy of each API
  // decides, with a problem+json answer instead of a TLS alert the client cannot read.
  const server =
    tls === undefined
      ? createServer(handle)
      : createTlsServer(
          {
            cert: tls.cert,
            key: tls.key,
            ca: tls.clientCa,
            requestCert: tls.clientCa !== undefined,
            rejectUnauthorized: false,
          },
          handle,
        );
  server.on("clientError", onClientError);
  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) =>
    deps.pipeline.upgrade(req, socket, head),
  );
  // Longer than the usual load balancer idle timeout, so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;
  return server;
}
