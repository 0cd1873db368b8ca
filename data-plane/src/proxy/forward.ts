import type { TLSSocket } from "node:tls";
import type { ProblemCode } from "@portico/shared";
import type { CompiledApi } from "../config/compile.js";
import type { Exchange } from "../http/exchange.js";
import { gatewayHeaders, sendProblem } from "../http/respond.js";
import type { ResponseHandler, UpstreamErrorCode, UpstreamRequest } from "./client.js";
import { clientResponseHeaders, upstreamRequestHeaders } from "./hop-by-hop.js";
import { type Endpoint, IDEMPOTENT, type UpstreamGroup } from "./upstream.js";

class BodyTooLarge extends Error {}
class ClientClosed extends Error {}
class TotalTimeout extends Error {}

/** Chunked uploads announce no length: count as they stream and stop at the limit. */
async function* limitedBody(ex: Exchange, body: AsyncIterable<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new BodyTooLarge();
    }
    yield chunk;
  }
  ex.bytesIn = total;
}

function requestBody(ex: Exchange, maxBytes: number): UpstreamRequest["body"] {
  if (ex.body !== null) {
    return ex.body;
  }
  const { body } = ex.req;
  if (body === null) {
    return null;
  }
  if (ex.req.headers["transfer-encoding"] !== undefined) {
    return limitedBody(ex, body, maxBytes);
  }
  return body;
}

/** Connection-level failures before a response: the upstream is down or unreachable. */
const TIMEOUTS: ReadonlySet<string> = new Set<UpstreamErrorCode | "ETIMEDOUT">([
  "UPSTREAM_HEADERS_TIMEOUT",
  "UPSTREAM_CONNECT_TIMEOUT",
  "UPSTREAM_POOL_BUSY",
  "ETIMEDOUT",
]);

function upstreamProblem(error: unknown): ProblemCode {
  if (error instanceof BodyTooLarge) {
    return "payload-too-large";
  }
  if (error instanceof TotalTimeout) {
    return "gateway-timeout";
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && TIMEOUTS.has(code) ? "gateway-timeout" : "bad-gateway";
}

const ENDED = -2;

/** The Content-Length among response headers, -1 when absent. */
function contentLength(headers: readonly string[]): number {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length === 14 && name.toLowerCase() === "content-length") {
      const n = Number(headers[i + 1]);
      return Number.isSafeInteger(n) && n > 0 ? n : -1;
    }
  }
  return -1;
}

/** The per-try timer's callback: a module function with its argument, not a closure per request. */
function totalTimeout(f: Forwarding): void {
  f.onTotalTimeout();
}

/**
 * One upstream exchange as the upstream client's response handler: the upstream's headers go to
 * the client's `writeHead` as a flat list and its body chunks straight into the response, with
 * the upstream held while the client's socket is full. No AbortController, no promise and no
 * header object per request; a client that goes away aborts the upstream request through
 * `onClose`.
 */
class Forwarding implements ResponseHandler {
  readonly #ex: Exchange;
  readonly #group: UpstreamGroup;
  readonly #options: UpstreamRequest;
  readonly #done: (ex: Exchange) => void;
  #endpoint: Endpoint | undefined = undefined;
  #retriesLeft = 0;
  #abort: ((err: Error) => void) | undefined = undefined;
  #resume: (() => void) | undefined = undefined;
  #timer: NodeJS.Timeout | undefined = undefined;
  #clientClosed = false;
  #timedOut = false;
  #finished = false;
  /** the upstream's Content-Length while no body byte is written yet (-1: unknown or too late; ENDED: all sent) */
  #wholeBody = -1;

  constructor(ex: Exchange, group: UpstreamGroup, options: UpstreamRequest, done: (ex: Exchange) => void) {
    this.#ex = ex;
    this.#group = group;
    this.#options = options;
    this.#done = done;
    ex.res.onClose = this.onClose;
  }

  start(): void {
    const group = this.#group;
    if (group.retries > 0 && this.#options.body === null && IDEMPOTENT.has(this.#options.method)) {
      this.#retriesLeft = group.retries;
    }
    if (group.totalTimeoutMs !== undefined) {
      this.#timer = setTimeout(totalTimeout, group.totalTimeoutMs, this);
    }
    this.#attempt();
  }

  #attempt(): void {
    const endpoint = this.#group.pick(Date.now(), this.#endpoint);
    if (endpoint === undefined) {
      sendProblem(this.#ex, "upstream-unavailable");
      this.#finish();
      return;
    }
    this.#endpoint = endpoint;
    this.#abort = undefined;
    endpoint.pool.dispatch(this.#options, this);
  }

  readonly onClose = (): void => {
    if (!this.#finished) {
      this.#clientClosed = true;
      this.#abort?.(new ClientClosed());
    }
  };

  onTotalTimeout(): void {
    if (!this.#ex.res.headersSent && !this.#finished) {
      this.#timedOut = true;
      this.#abort?.(new TotalTimeout());
    }
  }

  onConnect(abort: (err: Error) => void): void {
    if (this.#clientClosed) {
      abort(new ClientClosed());
      return;
    }
    if (this.#timedOut) {
      abort(new TotalTimeout());
      return;
    }
    this.#abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: string[], resume: () => void): boolean {
    const ex = this.#ex;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
    }
    const endpoint = this.#endpoint as Endpoint;
    if (statusCode >= 502 && statusCode <= 504) {
      this.#group.failure(endpoint, Date.now());
    } else {
      this.#group.success(endpoint);
    }
    ex.upstreamMs = performance.now() - ex.upstreamStart;
    ex.status = statusCode;
    let headers = clientResponseHeaders(rawHeaders);
    this.#wholeBody = contentLength(headers);
    if (ex.responseEdits !== null) {
      for (const edit of ex.responseEdits) {
        headers = edit(headers);
      }
    }
    if (ex.capture !== null) {
      ex.capture.headers(statusCode, headers);
    }
    gatewayHeaders(ex, headers);
    ex.res.writeHead(statusCode, headers);
    this.#resume = resume;
    return true;
  }

  onData(chunk: Buffer): boolean {
    const ex = this.#ex;
    if (ex.capture !== null) {
      ex.capture.data(chunk);
    }
    const res = ex.res;
    if (chunk.length === this.#wholeBody) {
      // The whole body in one chunk, as small responses come: one end() writes it with the headers.
      this.#wholeBody = ENDED;
      res.end(chunk);
      return true;
    }
    if (this.#wholeBody === ENDED) {
      return true;
    }
    this.#wholeBody = -1;
    if (res.write(chunk)) {
      return true;
    }
    // paused until the client's socket drains
    res.onDrain = this.#onDrain;
    return false;
  }

  readonly #onDrain = (): void => {
    this.#ex.res.onDrain = null;
    const resume = this.#resume;
    this.#resume = undefined;
    resume?.();
  };

  onComplete(): void {
    if (this.#ex.capture !== null) {
      this.#ex.capture.complete();
    }
    if (!this.#ex.res.writableEnded) {
      this.#ex.res.end();
    }
    this.#finish();
  }

  onError(error: Error): void {
    const ex = this.#ex;
    const { res } = ex;
    const clientGone = this.#clientClosed || error instanceof ClientClosed;
    if (!clientGone && !res.headersSent && !(error instanceof BodyTooLarge) && this.#endpoint !== undefined) {
      this.#group.failure(this.#endpoint, Date.now());
      if (this.#retriesLeft > 0 && !this.#timedOut) {
        this.#retriesLeft--;
        this.#attempt();
        return;
      }
    }
    if (clientGone) {
      ex.errorType = "client-closed";
      if (!res.headersSent) {
        ex.status = 499;
      }
    } else if (res.headersSent) {
      // The upstream failed mid-body: cut the client's response so it cannot pass for complete.
      ex.errorType = "bad-gateway";
      res.destroy();
    } else {
      sendProblem(ex, upstreamProblem(this.#timedOut ? new TotalTimeout() : error));
    }
    this.#finish();
  }

  #finish(): void {
    if (this.#finished) {
      return;
    }
    this.#finished = true;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
    }
    this.#ex.res.onDrain = null;
    this.#done(this.#ex);
  }
}

/**
 * Streams the request to the API's upstream and the response back, then calls `done` once.
 * Upstream failures become 502/504 problems that say nothing about the upstream itself.
 */
export function forward(
  ex: Exchange,
  api: CompiledApi,
  path: string,
  maxBodyBytes: number,
  done: (ex: Exchange) => void,
): void {
  const { req } = ex;
  let headers = upstreamRequestHeaders(req.rawHeaders, req.headers.connection, ex.consumedBearer);
  const xff = req.headers["x-forwarded-for"];
  const client = req.socket.remoteAddress ?? "";
  headers.push(
    "x-forwarded-for",
    xff ? `${xff}, ${client}` : client,
    "x-forwarded-proto",
    (req.socket as TLSSocket).encrypted === true ? "https" : "http",
    "x-forwarded-host",
    req.headers.host ?? "",
    "x-forwarded-prefix",
    api.prefix,
    "x-request-id",
    ex.requestId,
  );
  ex.upstreamStart = performance.now();
  if (ex.requestEdits !== null) {
    for (const edit of ex.requestEdits) {
      headers = edit(headers);
    }
  }
  const group = api.upstream;
  const options: UpstreamRequest = {
    path,
    method: req.method,
    headers,
    body: requestBody(ex, maxBodyBytes),
    headersTimeout: group.perTryTimeoutMs,
  };
  new Forwarding(ex, group, options, done).start();
}
