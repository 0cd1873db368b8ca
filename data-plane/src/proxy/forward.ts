import type { Writable } from "node:stream";
import type { ProblemCode } from "@portico/shared";
import type { Dispatcher } from "undici";
import type { CompiledApi } from "../config/compile.js";
import type { Exchange } from "../http/exchange.js";
import { rateLimitHeaders, sendProblem } from "../http/respond.js";
import { stripResponseHopByHop, upstreamRequestHeaders } from "./hop-by-hop.js";

class BodyTooLarge extends Error {}

/** Chunked uploads announce no length: count as they stream and stop at the limit. */
async function* limitedBody(ex: Exchange, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of ex.req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new BodyTooLarge();
    }
    yield chunk;
  }
  ex.bytesIn = total;
}

// undici streams async iterables as request bodies; its typings only list Readable.
type Body = Dispatcher.DispatchOptions["body"];

function requestBody(ex: Exchange, maxBytes: number): Body {
  const { headers } = ex.req;
  if (headers["transfer-encoding"] !== undefined) {
    return limitedBody(ex, maxBytes) as unknown as Body;
  }
  return headers["content-length"] !== undefined && headers["content-length"] !== "0" ? ex.req : null;
}

/** Connection-level failures before a response: the upstream is down or unreachable. */
const TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "ETIMEDOUT"]);

function upstreamProblem(error: unknown): ProblemCode {
  if (error instanceof BodyTooLarge) {
    return "payload-too-large";
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && TIMEOUTS.has(code) ? "gateway-timeout" : "bad-gateway";
}

/** Called by undici once the upstream's headers are in; the body then streams into the client response. */
function intoClient({ statusCode, headers, opaque }: Dispatcher.StreamFactoryData<Exchange>): Writable {
  const ex = opaque;
  ex.upstreamMs = performance.now() - ex.upstreamStart;
  ex.status = statusCode;
  stripResponseHopByHop(headers);
  headers["x-request-id"] = ex.requestId;
  if (ex.api?.deprecationHeaders) {
    Object.assign(headers, ex.api.deprecationHeaders);
  }
  if (ex.rate !== undefined) {
    rateLimitHeaders(headers, ex.rate);
  }
  ex.res.writeHead(statusCode, headers);
  return ex.res;
}

/**
 * Streams the request to the API's upstream and the response back. Upstream failures become
 * 502/504 problems that say nothing about the upstream itself.
 */
export async function forward(ex: Exchange, api: CompiledApi, path: string, maxBodyBytes: number): Promise<void> {
  const { req, res } = ex;
  const headers = upstreamRequestHeaders(req.rawHeaders, req.headers.connection, ex.consumedBearer);
  const xff = req.headers["x-forwarded-for"];
  const client = req.socket.remoteAddress ?? "";
  headers.push(
    "x-forwarded-for",
    xff ? `${xff}, ${client}` : client,
    "x-forwarded-proto",
    "http",
    "x-forwarded-host",
    req.headers.host ?? "",
    "x-forwarded-prefix",
    api.prefix,
    "x-request-id",
    ex.requestId,
  );
  // A client that goes away should not keep an upstream request (and a pool slot) waiting.
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) {
      abort.abort();
    }
  };
  res.once("close", onClose);
  ex.upstreamStart = performance.now();
  try {
    await api.pool.stream(
      {
        path,
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: requestBody(ex, maxBodyBytes),
        opaque: ex,
        signal: abort.signal,
      },
      intoClient,
    );
  } catch (error) {
    if (abort.signal.aborted) {
      ex.errorType = "client-closed";
      if (!res.headersSent) {
        ex.status = 499;
      }
      return;
    }
    if (res.headersSent) {
      // The upstream failed mid-body: cut the client's response so it cannot pass for complete.
      ex.errorType = "bad-gateway";
      res.destroy();
      return;
    }
    sendProblem(ex, upstreamProblem(error));
  } finally {
    res.removeListener("close", onClose);
  }
}
