import { isIP, type Socket, connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { FIELD_NAME, INVALID_FIELD_VALUE } from "../http/field-syntax.js";
import { createParser, HTTPParser, type LlhttpParser } from "../http/llhttp.js";
import { HOP_BY_HOP } from "./hop-by-hop.js";
import { IDEMPOTENT } from "./upstream.js";

/**
 * The gateway's HTTP/1.1 client to its upstreams: keep-alive connections per origin, responses
 * parsed by node's llhttp binding (the one the gateway's server uses), headers handed over as
 * the parser's strings and body chunks as they arrive. It replaces undici's Pool on the request
 * path: undici's per-request machinery (its wasm parser, request objects and handler wrappers)
 * was about 0.05 ms of a proxied request's latency on the bench machine (data-plane/README.md,
 * "Upstream client").
 */

export interface UpstreamRequest {
  path: string;
  method: string;
  /**
   * flat [name, value, …]. Host, Connection and the other hop-by-hop headers are the client's
   * own and dropped here; a Content-Length is kept only for a streamed body, which must then
   * come to exactly that length.
   */
  headers: string[];
  body: AsyncIterable<Buffer> | Buffer | null;
  /** until the response head, instead of the pool's */
  headersTimeout?: number | undefined;
}

/** What a response is handed to, in order: onConnect, onHeaders, onData…, then onComplete or onError. */
export interface ResponseHandler {
  /**
   * `abort(err)` ends the exchange with onError(err), the connection with it. Called again,
   * with a new `abort`, when a request that waited for a free connection gets one.
   */
  onConnect(abort: (err: Error) => void): void;
  /** `false` holds the body until `resume()`; `resume` belongs to this exchange only. */
  onHeaders(status: number, headers: string[], resume: () => void): boolean;
  /** `false` holds the body until `resume()` (chunks already read still come). */
  onData(chunk: Buffer): boolean;
  onComplete(): void;
  onError(err: Error): void;
}

export type UpstreamErrorCode =
  | "UPSTREAM_CONNECT_TIMEOUT"
  | "UPSTREAM_HEADERS_TIMEOUT"
  | "UPSTREAM_BODY_TIMEOUT"
  | "UPSTREAM_CLOSED"
  | "UPSTREAM_BAD_RESPONSE"
  | "UPSTREAM_BAD_HEADER"
  | "UPSTREAM_BAD_BODY"
  | "UPSTREAM_POOL_BUSY"
  | "UPSTREAM_POOL_CLOSED";

export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode;
  constructor(code: UpstreamErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface PoolOptions {
  /** connections at most; requests beyond wait for one, up to the headers timeout */
  connections: number;
  headersTimeoutMs: number;
  /** between two chunks of a response body (not while the client holds it) */
  bodyTimeoutMs: number;
  connectTimeoutMs: number;
  /** an idle connection is closed after this, or one second before the upstream's Keep-Alive timeout */
  keepAliveMs?: number;
}

const MAX_RESPONSE_HEADER_BYTES = 64 * 1024;
const DEFAULT_KEEP_ALIVE_MS = 4_000;
/** Methods whose requests carry a body by definition: an empty one is announced as such. */
const PAYLOAD_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * Headers that frame the message or speak for the connection: the client writes its own, and
 * one from the caller (a header policy, say) could make the upstream read the next request as
 * part of this one on a connection other tenants' requests share.
 */
const CONNECTION_HEADERS: ReadonlySet<string> = new Set([...HOP_BY_HOP, "host"]);
/** their lengths: most names are ruled out without lower-casing them */
const CONNECTION_HEADER_LENGTHS: ReadonlySet<number> = new Set([...CONNECTION_HEADERS].map((n) => n.length));

function isConnectionHeader(name: string): boolean {
  return CONNECTION_HEADER_LENGTHS.has(name.length) && CONNECTION_HEADERS.has(name.toLowerCase());
}

const isContentLength = (name: string) => name.length === 14 && name.toLowerCase() === "content-length";

/**
 * Builds the request head; a header that could split it is an error, not a write. `framing` is
 * the client's own Content-Length or Transfer-Encoding line, in place of the caller's.
 */
function requestHead(req: UpstreamRequest, host: string, framing: string): string | UpstreamError {
  let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${host}\r\n`;
  const h = req.headers;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i] as string;
    const value = h[i + 1] as string;
    if (!FIELD_NAME.test(name) || INVALID_FIELD_VALUE.test(value)) {
      return new UpstreamError("UPSTREAM_BAD_HEADER", `header ${JSON.stringify(name)} cannot be sent`);
    }
    if (isConnectionHeader(name) || isContentLength(name)) {
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}${framing}\r\n`;
}

/** The caller's Content-Length: -1 when absent, NaN when it is not one length. */
function declaredLength(headers: readonly string[]): number {
  let length = -1;
  for (let i = 0; i < headers.length; i += 2) {
    if (isContentLength(headers[i] as string)) {
      const value = headers[i + 1] as string;
      const n = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
      length = length === -1 || length === n ? n : Number.NaN;
    }
  }
  return length;
}

/** The Keep-Alive header's timeout, in ms, or -1. */
function keepAliveHint(headers: readonly string[]): number {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length === 10 && name.toLowerCase() === "keep-alive") {
      const m = /timeout\s*=\s*(\d+)/i.exec(headers[i + 1] as string);
      return m ? Number(m[1]) * 1000 : -1;
    }
  }
  return -1;
}

function closeParser(parser: LlhttpParser): void {
  parser.close();
}

function timedOut(c: Connection): void {
  c.onTimeout();
}

/** One keep-alive connection to the origin, carrying one exchange at a time. */
class Connection {
  readonly #pool: UpstreamPool;
  readonly socket: Socket;
  readonly #parser: LlhttpParser;
  #connected = false;
  #dead = false;
  /** responses completed on it: a reused connection the upstream closed while idle is retried */
  #served = 0;
  /** the upstream's Keep-Alive timeout (ms, -1: none) until released, then when the idle connection expires */
  idleUntil = -1;
  // the exchange in progress
  #req: UpstreamRequest | null = null;
  #handler: ResponseHandler | null = null;
  #retryStale = false;
  #received = false;
  #informational = false;
  #headersDone = false;
  #keepAlive = false;
  #bodySent = false;
  #paused = false;
  /** the exchange completed in the chunk being parsed, on a connection that may be reused */
  #reusable = false;
  #partialHeaders: string[] = [];
  #timer: NodeJS.Timeout | undefined = undefined;
  #timerCode: UpstreamErrorCode = "UPSTREAM_HEADERS_TIMEOUT";

  constructor(pool: UpstreamPool) {
    this.#pool = pool;
    const { hostname, port, tls } = pool.target;
    this.socket = tls
      ? tlsConnect({ host: hostname, port, servername: isIP(hostname) === 0 ? hostname : undefined })
      : tcpConnect({ host: hostname, port });
    this.socket.setNoDelay(true);
    this.socket.on(tls ? "secureConnect" : "connect", this.#onConnect);
    this.socket.on("data", this.#onData);
    this.socket.on("end", this.#onEnd);
    this.socket.on("error", this.#onError);
    this.socket.on("close", this.#onClose);
    this.#parser = createParser(HTTPParser.RESPONSE, MAX_RESPONSE_HEADER_BYTES, {
      onHeaders: this.#onHeaders,
      onHeadersComplete: this.#onHeadersComplete,
      onBody: this.#onBody,
      onMessageComplete: this.#onMessageComplete,
    });
    this.#arm(pool.options.connectTimeoutMs, "UPSTREAM_CONNECT_TIMEOUT");
  }

  start(req: UpstreamRequest, handler: ResponseHandler, retryStale: boolean): void {
    this.#req = req;
    this.#handler = handler;
    this.#retryStale = retryStale && this.#served > 0 && req.body === null && IDEMPOTENT.has(req.method);
    this.#received = false;
    this.#informational = false;
    this.#headersDone = false;
    this.#keepAlive = false;
    this.#bodySent = false;
    this.#paused = false;
    handler.onConnect((err) => {
      if (this.#handler === handler) {
        this.#fail(err, false);
      }
    });
    if (this.#handler !== handler) {
      return; // aborted from onConnect
    }
    if (this.#connected) {
      this.#send();
    }
  }

  readonly #onConnect = (): void => {
    this.#connected = true;
    this.#disarm();
    if (this.#handler !== null) {
      this.#send();
    }
  };

  #send(): void {
    const req = this.#req as UpstreamRequest;
    const handler = this.#handler as ResponseHandler;
    const body = req.body;
    let framing = "";
    let length = -1;
    if (body === null) {
      framing = PAYLOAD_METHODS.has(req.method) ? "content-length: 0\r\n" : "";
    } else if (Buffer.isBuffer(body)) {
      framing = `content-length: ${body.length}\r\n`;
    } else {
      length = declaredLength(req.headers);
      if (Number.isNaN(length)) {
        this.#fail(new UpstreamError("UPSTREAM_BAD_HEADER", "the request's Content-Length is not one length"), false);
        return;
      }
      framing = length === -1 ? "transfer-encoding: chunked\r\n" : `content-length: ${length}\r\n`;
    }
    const head = requestHead(req, this.#pool.target.host, framing);
    if (typeof head !== "string") {
      this.#fail(head, false);
      return;
    }
    if (body === null) {
      this.#armHeaders(req);
      this.socket.write(head, "latin1");
      this.#bodySent = true;
    } else if (Buffer.isBuffer(body)) {
      this.#armHeaders(req);
      this.socket.cork();
      this.socket.write(head, "latin1");
      this.socket.write(body);
      this.socket.uncork();
      this.#bodySent = true;
    } else {
      // The upload goes at the client's pace: the headers timeout starts once it is sent.
      this.socket.write(head, "latin1");
      void this.#stream(body, length, handler);
    }
  }

  /**
   * A streamed request body, with backpressure: chunked when `length` is -1, else exactly
   * `length` bytes. A failing body, or one longer or shorter than announced, ends the exchange
   * and the connection.
   */
  async #stream(body: AsyncIterable<Buffer>, length: number, handler: ResponseHandler): Promise<void> {
    const socket = this.socket;
    const chunked = length === -1;
    let sent = 0;
    try {
      for await (const chunk of body) {
        if (this.#handler !== handler) {
          return;
        }
        if (chunk.length === 0) {
          continue;
        }
        sent += chunk.length;
        if (chunked) {
          socket.cork();
          socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
          socket.write(chunk);
          socket.write("\r\n", "latin1");
          socket.uncork();
        } else if (sent > length) {
          throw new UpstreamError("UPSTREAM_BAD_BODY", "the request body is longer than its Content-Length");
        } else {
          socket.write(chunk);
        }
        if (socket.writableNeedDrain && !(await drained(socket))) {
          return;
        }
      }
      if (this.#handler !== handler) {
        return;
      }
      if (chunked) {
        socket.write("0\r\n\r\n", "latin1");
      } else if (sent !== length) {
        throw new UpstreamError("UPSTREAM_BAD_BODY", "the request body is shorter than its Content-Length");
      }
      this.#bodySent = true;
      if (!this.#headersDone) {
        this.#armHeaders(this.#req as UpstreamRequest);
      }
    } catch (error) {
      if (this.#handler === handler) {
        this.#fail(error instanceof Error ? error : new Error(String(error)), false);
      }
    }
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#received = true;
    let parsed: number | (Error & { code?: string });
    try {
      parsed = this.#parser.execute(chunk);
    } catch (error) {
      // a handler threw inside a parser callback: the exchange ends, not the process
      this.#fail(error instanceof Error ? error : new Error(String(error)), false);
      return;
    }
    if (typeof parsed !== "number") {
      this.#fail(
        new UpstreamError("UPSTREAM_BAD_RESPONSE", `malformed response (${parsed.code ?? "parse error"})`),
        false,
      );
    }
    if (this.#reusable) {
      // Released only now: bytes after the response in this chunk (a body longer than its
      // Content-Length) met no exchange and closed the connection, not the next request's.
      this.#reusable = false;
      if (!this.#dead) {
        this.#pool.release(this);
      }
    }
  };

  readonly #onHeaders = (headers: string[]): void => {
    // More than llhttp's 32 header lines come in pieces before the head completes.
    this.#partialHeaders = this.#partialHeaders.concat(headers);
  };

  readonly #onHeadersComplete = (
    _major: number,
    _minor: number,
    rawHeaders: string[] | undefined,
    _method: number,
    _url: string,
    status: number,
    _statusMessage: string,
    upgrade: boolean,
    shouldKeepAlive: boolean,
  ): number => {
    let headers = rawHeaders ?? [];
    if (this.#partialHeaders.length > 0) {
      headers = this.#partialHeaders.concat(headers);
      this.#partialHeaders = [];
    }
    const handler = this.#handler;
    if (handler === null || upgrade || status === 101) {
      // a response nobody asked for, or a protocol switch the request did not ask for
      this.#fail(new UpstreamError("UPSTREAM_BAD_RESPONSE", "unexpected response"), false);
      return 1;
    }
    if (status < 200) {
      // 100 Continue, 103 Early Hints: no body, and the final response follows on the same connection
      this.#informational = true;
      return 1;
    }
    this.#headersDone = true;
    this.#keepAlive = shouldKeepAlive;
    this.idleUntil = keepAliveHint(headers);
    this.#arm(this.#pool.options.bodyTimeoutMs, "UPSTREAM_BODY_TIMEOUT");
    const skipBody = (this.#req as UpstreamRequest).method === "HEAD" ? 1 : 0;
    // A resume kept past its exchange must not release the next one's hold on this connection.
    const exchange = this.#served;
    const resume = () => {
      if (this.#served === exchange) {
        this.#resume();
      }
    };
    if (!handler.onHeaders(status, headers, resume)) {
      this.#hold();
    }
    return skipBody;
  };

  readonly #onBody = (chunk: Buffer): void => {
    const handler = this.#handler;
    if (handler === null || !this.#headersDone) {
      return;
    }
    this.#timer?.refresh();
    if (!handler.onData(chunk)) {
      this.#hold();
    }
  };

  readonly #onMessageComplete = (): void => {
    if (this.#informational) {
      this.#informational = false;
      return;
    }
    const handler = this.#handler;
    if (handler === null) {
      return;
    }
    this.#disarm();
    this.#served++;
    // A request body still going out when the answer came (an early 413, say) leaves the
    // connection mid-message: it is not reused.
    const reusable = this.#keepAlive && this.#bodySent;
    this.#handler = null;
    this.#req = null;
    if (this.#paused) {
      // held on its last chunk: the next exchange reads again
      this.#paused = false;
      this.socket.resume();
    }
    if (reusable) {
      this.#reusable = true; // released once execute() returns
    } else {
      this.#destroy();
    }
    handler.onComplete();
  };

  #hold(): void {
    if (!this.#paused) {
      this.#paused = true;
      this.socket.pause();
      // the client's pace is not the upstream's: no body timeout while held
      this.#disarm();
    }
  }

  #resume(): void {
    if (this.#paused && this.#handler !== null) {
      this.#paused = false;
      this.#arm(this.#pool.options.bodyTimeoutMs, "UPSTREAM_BODY_TIMEOUT");
      this.socket.resume();
    }
  }

  readonly #onEnd = (): void => {
    // A body delimited by the close completes here; a cut one is an error.
    const finished = this.#parser.finish();
    if (finished instanceof Error) {
      this.#fail(new UpstreamError("UPSTREAM_CLOSED", "the upstream closed the connection mid-response"), true);
    }
  };

  readonly #onError = (error: Error): void => {
    this.#fail(error, true);
  };

  readonly #onClose = (): void => {
    this.#fail(new UpstreamError("UPSTREAM_CLOSED", "the upstream closed the connection"), true);
  };

  onTimeout(): void {
    this.#timer = undefined;
    const code = this.#timerCode;
    this.#fail(new UpstreamError(code, code === "UPSTREAM_CONNECT_TIMEOUT" ? "connect timed out" : "timed out"), false);
  }

  #arm(ms: number, code: UpstreamErrorCode): void {
    this.#timerCode = code;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(timedOut, ms, this);
  }

  #armHeaders(req: UpstreamRequest): void {
    this.#arm(req.headersTimeout ?? this.#pool.options.headersTimeoutMs, "UPSTREAM_HEADERS_TIMEOUT");
  }

  #disarm(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /**
   * Ends the connection and the exchange on it. A request on a reused connection the upstream
   * had closed while it sat idle gets no byte back: it is sent again on a new connection once,
   * when it has no body to replay and its method is idempotent (the upstream may have acted on
   * it before closing).
   */
  #fail(error: Error, mayRetry: boolean): void {
    const handler = this.#handler;
    const req = this.#req;
    this.#handler = null;
    this.#req = null;
    this.#destroy();
    if (handler === null || req === null) {
      return;
    }
    if (mayRetry && this.#retryStale && !this.#received && !this.#headersDone) {
      this.#pool.dispatchOnce(req, handler);
      return;
    }
    handler.onError(error);
  }

  #destroy(): void {
    if (this.#dead) {
      return;
    }
    this.#dead = true;
    this.#disarm();
    this.socket.destroy();
    // Not inside a parser callback: close() frees the parser that is still running it.
    setImmediate(closeParser, this.#parser);
    this.#pool.forget(this);
  }

  close(): void {
    if (this.#handler === null) {
      this.#destroy();
    }
  }

  destroy(error: Error): void {
    this.#fail(error, false);
  }
}

function drained(socket: Socket): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      socket.off("drain", onDrain);
      socket.off("close", onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    socket.once("drain", onDrain);
    socket.once("close", onClose);
  });
}

/** How often idle connections past their time are looked for. */
const SWEEP_MS = 1_000;

function sweep(pool: UpstreamPool): void {
  pool.sweep();
}

/** A request waiting for a connection to come free. */
interface Waiting {
  req: UpstreamRequest;
  handler: ResponseHandler;
  timer: NodeJS.Timeout | undefined;
}

function waitedTooLong(pool: UpstreamPool, w: Waiting): void {
  w.timer = undefined;
  pool.giveUp(w, new UpstreamError("UPSTREAM_POOL_BUSY", "no connection to the upstream came free in time"));
}

/**
 * Keep-alive connections to one origin (`http:` or `https:`), the warmest reused first.
 * Requests beyond `connections` wait in order for one to come free, each for its headers
 * timeout at most, and can be aborted while they wait.
 */
export class UpstreamPool {
  readonly target: { hostname: string; port: number; host: string; tls: boolean };
  readonly options: PoolOptions;
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  readonly #waiting: Waiting[] = [];
  #closed = false;
  #onDrained: (() => void) | null = null;
  /** closes idle connections past their time while there are any */
  #sweeper: NodeJS.Timeout | undefined = undefined;

  constructor(origin: string, options: PoolOptions) {
    const url = new URL(origin);
    const tls = url.protocol === "https:";
    this.target = {
      hostname: url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port === "" ? (tls ? 443 : 80) : Number(url.port),
      host: url.host,
      tls,
    };
    this.options = options;
  }

  dispatch(req: UpstreamRequest, handler: ResponseHandler): void {
    this.#dispatch(req, handler, true);
  }

  /** Sends a request that met a connection closed under it: on a connection it has not tried. */
  dispatchOnce(req: UpstreamRequest, handler: ResponseHandler): void {
    this.#dispatch(req, handler, false);
  }

  #dispatch(req: UpstreamRequest, handler: ResponseHandler, retryStale: boolean): void {
    if (this.#closed) {
      handler.onError(new UpstreamError("UPSTREAM_POOL_CLOSED", "the upstream pool is closed"));
      return;
    }
    const now = Date.now();
    let c = this.#idle.pop();
    while (c !== undefined && c.idleUntil < now) {
      c.close();
      c = this.#idle.pop();
    }
    if (c === undefined) {
      if (this.#all.size >= this.options.connections) {
        this.#wait(req, handler);
        return;
      }
      c = new Connection(this);
      this.#all.add(c);
    }
    c.start(req, handler, retryStale);
  }

  #wait(req: UpstreamRequest, handler: ResponseHandler): void {
    const w: Waiting = { req, handler, timer: undefined };
    w.timer = setTimeout(waitedTooLong, req.headersTimeout ?? this.options.headersTimeoutMs, this, w);
    this.#waiting.push(w);
    handler.onConnect((err) => this.giveUp(w, err));
  }

  /** The next waiting request, no longer timed as waiting. */
  #next(): Waiting | undefined {
    const w = this.#waiting.shift();
    if (w !== undefined) {
      clearTimeout(w.timer);
    }
    return w;
  }

  /** A waiting request is aborted or waited too long: it ends with `err`. */
  giveUp(w: Waiting, err: Error): void {
    const i = this.#waiting.indexOf(w);
    if (i >= 0) {
      this.#waiting.splice(i, 1);
      clearTimeout(w.timer);
      w.handler.onError(err);
    }
  }

  /** An exchange completed on `c`: the next waiting request takes it, or it idles. */
  release(c: Connection): void {
    const next = this.#next();
    if (next !== undefined) {
      c.start(next.req, next.handler, true);
      return;
    }
    const keepAlive = this.options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    const hint = c.idleUntil;
    const idleMs = hint >= 0 ? Math.min(keepAlive, hint - 1_000) : keepAlive;
    if (this.#closed || idleMs <= 0) {
      c.close();
      return;
    }
    c.idleUntil = Date.now() + idleMs;
    this.#idle.push(c);
    if (this.#sweeper === undefined) {
      this.#sweeper = setInterval(sweep, SWEEP_MS, this);
      this.#sweeper.unref();
    }
  }

  /** The least recently used idle connections that are past their time are closed. */
  sweep(): void {
    const now = Date.now();
    let c = this.#idle[0];
    while (c !== undefined && c.idleUntil < now) {
      c.close(); // leaves #idle through forget()
      c = this.#idle[0];
    }
    if (this.#idle.length === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  /** `c` is gone: a waiting request gets a new connection in its place. */
  forget(c: Connection): void {
    this.#all.delete(c);
    const i = this.#idle.indexOf(c);
    if (i >= 0) {
      this.#idle.splice(i, 1);
    }
    const next = this.#next();
    if (next !== undefined) {
      this.#dispatch(next.req, next.handler, true);
    } else if (this.#closed && this.#all.size === 0) {
      this.#onDrained?.();
    }
  }

  /** A GET for the active health check: resolves with the status once the body is read. */
  probe(path: string, timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      let status = 0;
      this.dispatch(
        { path, method: "GET", headers: [], body: null, headersTimeout: timeoutMs },
        {
          onConnect() {},
          onHeaders(s) {
            status = s;
            return true;
          },
          onData: () => true,
          onComplete: () => resolve(status),
          onError: reject,
        },
      );
    });
  }

  /** Lets exchanges in progress finish, then closes every connection. */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweeper);
    for (const c of [...this.#idle]) {
      c.close();
    }
    if (this.#all.size === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#onDrained = resolve;
    });
  }

  /** Ends every exchange and connection now. */
  destroy(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    const error = new UpstreamError("UPSTREAM_POOL_CLOSED", "the upstream pool is closed");
    for (const w of this.#waiting.splice(0)) {
      clearTimeout(w.timer);
      w.handler.onError(error);
    }
    for (const c of [...this.#all]) {
      c.destroy(error);
    }
  }
}
