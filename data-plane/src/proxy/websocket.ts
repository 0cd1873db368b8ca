import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { WebSocket, WebSocketServer } from "ws";
import type { CompiledApi } from "../config/compile.js";
import type { Exchange, FrameLimit } from "../http/exchange.js";
import type { GatewayMetrics } from "../metrics.js";
import { upstreamRequestHeaders } from "./hop-by-hop.js";

const server = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024, perMessageDeflate: false });

/** Handshake headers ws sets itself for the upstream connection. */
const HANDSHAKE = /^sec-websocket-(key|version|extensions|accept)$/i;

function reply(socket: Socket, status: number, reason: string): void {
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroy();
}

/** Close codes a peer may send on (1005/1006/1015 are reserved for local reporting). */
const sendable = (code: number) =>
  (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

/** POLICY_VIOLATION (RFC 6455 §7.4.1): what a client past its rate limit is closed with. */
const POLICY_VIOLATION = 1008;

/**
 * A client message counts against the connection's rate limits like a request: past one, the
 * message is dropped, or the connection closed, as that limit says.
 */
function admitFrame(ex: Exchange, limits: readonly FrameLimit[], client: WebSocket): boolean {
  for (const limit of limits) {
    if (!limit.take()) {
      ex.errorType = "rate-limited";
      if (limit.mode === "close" && client.readyState === WebSocket.OPEN) {
        client.close(POLICY_VIOLATION, "rate limited");
      }
      return false;
    }
  }
  return true;
}

/**
 * Opens the upstream WebSocket first (so a dead upstream is a 502 to the client, not an
 * accepted socket that closes), then completes the client's handshake and relays messages
 * both ways, counting them; a close on either side closes the other.
 */
export function proxyWebSocket(
  ex: Exchange,
  api: CompiledApi,
  upstreamPath: string,
  head: Buffer,
  metrics: GatewayMetrics,
  done: () => void,
): void {
  const socket = ex.req.socket;
  const endpoint = api.upstream.pick(Date.now());
  if (endpoint === undefined) {
    ex.status = 503;
    ex.errorType = "upstream-unavailable";
    reply(socket, 503, "Service Unavailable");
    done();
    return;
  }
  const url = `${endpoint.origin.replace(/^http/, "ws")}${upstreamPath}`;
  const raw = upstreamRequestHeaders(ex.req.rawHeaders, "", ex.consumedBearer);
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (!HANDSHAKE.test(name) && name.toLowerCase() !== "sec-websocket-protocol") {
      headers[name] = raw[i + 1] as string;
    }
  }
  headers["x-forwarded-prefix"] = api.prefix;
  headers["x-request-id"] = ex.requestId;
  const protocols = (ex.req.headers["sec-websocket-protocol"] ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const tenant = ex.tenant?.id ?? "-";
  const framesIn = metrics.websocketFrames.labels(tenant, "in");
  const framesOut = metrics.websocketFrames.labels(tenant, "out");
  ex.upstreamStart = performance.now();
  const upstream = new WebSocket(url, protocols, { headers, perMessageDeflate: false, handshakeTimeout: 10_000 });
  let finished = false;
  const finish = () => {
    if (!finished) {
      finished = true;
      done();
    }
  };
  upstream.once("unexpected-response", (_req, res) => {
    ex.status = 502;
    ex.errorType = "bad-gateway";
    res.resume();
    reply(socket, 502, "Bad Gateway");
    upstream.terminate();
    finish();
  });
  upstream.once("error", () => {
    if (ex.status === 0) {
      api.upstream.failure(endpoint, Date.now());
      ex.status = 502;
      ex.errorType = "bad-gateway";
      reply(socket, 502, "Bad Gateway");
      finish();
    }
  });
  upstream.once("open", () => {
    api.upstream.success(endpoint);
    ex.upstreamMs = performance.now() - ex.upstreamStart;
    // ws reads the method and the handshake headers, which the gateway's request carries.
    server.handleUpgrade(ex.req as unknown as IncomingMessage, socket, head, (client) => {
      ex.status = 101;
      client.on("message", (data, isBinary) => {
        ex.framesIn++;
        framesIn.inc();
        if (ex.frameLimits !== null && !admitFrame(ex, ex.frameLimits, client)) {
          return;
        }
        upstream.send(data, { binary: isBinary });
      });
      upstream.on("message", (data, isBinary) => {
        ex.framesOut++;
        framesOut.inc();
        client.send(data, { binary: isBinary });
      });
      client.once("close", (code, reason) => {
        if (upstream.readyState === WebSocket.OPEN) {
          upstream.close(sendable(code) ? code : 1000, reason);
        }
        finish();
      });
      upstream.once("close", (code, reason) => {
        if (client.readyState === WebSocket.OPEN) {
          client.close(sendable(code) ? code : 1011, reason);
        }
      });
      client.on("error", () => upstream.terminate());
      upstream.on("error", () => client.terminate());
    });
  });
}
