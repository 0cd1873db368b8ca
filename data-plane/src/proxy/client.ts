import { isIP, type Socket, connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { HTTPParser, type LlhttpParser } from "../http/llhttp.js";

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
  /** flat [name, value, …]; Host is the origin's and framing headers are the client's own */
  headers: string[];
  body: AsyncIterable<Buffer> | Buffer | null;
  /** until the response head, instead of the pool's */
  headersTimeout?: number | undefined;
}

/** What a response is handed to, in order: onConnect, onHeaders, onData…, then onComplete or onError. */
export interface ResponseHandler {
  /** `abort(err)` ends the exchange with onError(err), the connection with it. */
  onConnect(abort: (err: Error) => void): void;
  /** `false` holds the body until `resume()`. */
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
  | "UPSTREAM_POOL_CLOSED";

export class UpstreamError extends Error {
  readonly code: UpstreamErrorCode;
  constructor(code: UpstreamErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface PoolOptions {
  /** connections at most; requests beyond wait for one */
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
/** RFC 9110 token characters: what a header name may hold */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const UNSAFE_VALUE = /[\r\n\0]/;
/** Methods whose requests carry a body by definition: an empty one is announced as such. */
const PAYLOAD_METHODS = new Set(["POST", "PUT", "PATCH"]);

/** Builds the request head; a header that could split it is an error, not a write. */
function requestHead(req: UpstreamRequest, host: string, framing: string): string | UpstreamError {
  let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${host}\r\n`;
  const h = req.headers;
  for (let i = 0; i < h.length; i += 2) {
    const name = h[i] as string;
    const value = h[i + 1] as string;
    if (!TOKEN.test(name) || UNSAFE_VALUE.test(value)) {
      return new UpstreamError("UPSTREAM_BAD_HEADER", `header ${JSON.stringify(name)} cannot be sent`);
    }
    if (framing !== "" && name.length === 14 && name.toLowerCase() === "content-length") {
      continue;
    }
    head += `${name}: ${value}\r\n`;
  }
  return `${head}${framing}\r\n`;
}

function hasContentLength(headers: readonly string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length === 14 && name.toLowerCase() === "content-length") {
      return true;
    }
  }
  return false;
}

/** The Keep-Alive header's timeout, in ms, or undefined. */
function keepAliveHint(headers: readonly string[]): number | undefined {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i] as string;
    if (name.length === 10 && name.toLowerCase() === "keep-alive") {
      const m = /timeout\s*=\s*(\d+)/i.exec(headers[i + 1] as string);
      return m ? Number(m[1]) * 1000 : undefined;
    }
  }
  return undefined;
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
  idleUntil = 0;
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
    const parser = new HTTPParser();
    parser.initialize(HTTPParser.RESPONSE, {}, MAX_RESPONSE_HEADER_BYTES, 0);
    parser[HTTPParser.kOnHeaders] = this.#onHeaders;
    parser[HTTPParser.kOnHeadersComplete] = this.#onHeadersComplete;
    parser[HTTPParser.kOnBody] = this.#onBody;
    parser[HTTPParser.kOnMessageComplete] = this.#onMessageComplete;
    this.#parser = parser;
    this.#arm(pool.options.connectTimeoutMs, "UPSTREAM_CONNECT_TIMEOUT");
  }

  get busy(): boolean {
    return this.#handler !== null;
  }

  start(req: UpstreamRequest, handler: ResponseHandler, retryStale: boolean): void {
    this.#req = req;
    this.#handler = handler;
    this.#retryStale = retryStale && this.#served > 0 && req.body === null;
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
    if (body === null) {
      framing = PAYLOAD_METHODS.has(req.method) && !hasContentLength(req.headers) ? "content-length: 0\r\n" : "";
    } else if (Buffer.isBuffer(body)) {
      framing = `content-length: ${body.length}\r\n`;
    } else if (!hasContentLength(req.headers)) {
      framing = "transfer-encoding: chunked\r\n";
    }
    const head = requestHead(req, this.#pool.target.host, framing);
    if (typeof head !== "string") {
      this.#fail(head, false);
      return;
    }
    this.#arm(req.headersTimeout ?? this.#pool.options.headersTimeoutMs, "UPSTREAM_HEADERS_TIMEOUT");
    if (body === null) {
      this.socket.write(head, "latin1");
      this.#bodySent = true;
    } else if (Buffer.isBuffer(body)) {
      this.socket.cork();
      this.socket.write(head, "latin1");
      this.socket.write(body);
      this.socket.uncork();
      this.#bodySent = true;
    } else {
      this.socket.write(head, "latin1");
      void this.#stream(body, framing !== "", handler);
    }
  }

  /** A streamed request body, with backpressure; a failing body ends the exchange with its error. */
  async #stream(body: AsyncIterable<Buffer>, chunked: boolean, handler: ResponseHandler): Promise<void> {
    const socket = this.socket;
    try {
      for await (const chunk of body) {
        if (this.#handler !== handler) {
          return;
        }
        if (chunk.length === 0) {
          continue;
        }
        if (chunked) {
          socket.cork();
          socket.write(`${chunk.length.toString(16)}\r\n`, "latin1");
          socket.write(chunk);
          socket.write("\r\n", "latin1");
          socket.uncork();
        } else {
          socket.write(chunk);
        }
        if (socket.writableNeedDrain && !(await drained(socket))) {
          return;
        }
      }
      if (this.#handler === handler) {
        if (chunked) {
          socket.write("0\r\n\r\n", "latin1");
        }
        this.#bodySent = true;
      }
    } catch (error) {
      if (this.#handler === handler) {
        this.#fail(error instanceof Error ? error : new Error(String(error)), false);
      }
    }
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#received = true;
    const parsed = this.#parser.execute(chunk);
    if (typeof parsed !== "number") {
      this.#fail(
        new UpstreamError("UPSTREAM_BAD_RESPONSE", `malformed response (${parsed.code ?? "parse error"})`),
        false,
      );
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
    if (handler === null || upgrade) {
      // a response nobody asked for, or a protocol switch the request did not ask for
      this.#fail(new UpstreamError("UPSTREAM_BAD_RESPONSE", "unexpected response"), false);
      return 1;
    }
    if (status < 200) {
      // 100 Continue, 103 Early Hints: the final response follows on the same connection
      this.#informational = true;
      return 0;
    }
    this.#headersDone = true;
    this.#keepAlive = shouldKeepAlive;
    const hint = keepAliveHint(headers);
    this.idleUntil = hint === undefined ? 0 : hint;
    this.#arm(this.#pool.options.bodyTimeoutMs, "UPSTREAM_BODY_TIMEOUT");
    if (!handler.onHeaders(status, headers, this.#resume)) {
      this.#hold();
    }
    return (this.#req as UpstreamRequest).method === "HEAD" ? 1 : 0;
  };

  readonly #onBody = (chunk: Buffer): void => {
    const handler = this.#handler;
    if (handler === null) {
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
      this.#pool.release(this);
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

  readonly #resume = (): void => {
    if (this.#paused && this.#handler !== null) {
      this.#paused = false;
      this.#arm(this.#pool.options.bodyTimeoutMs, "UPSTREAM_BODY_TIMEOUT");
      this.socket.resume();
    }
  };

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

  #disarm(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  /**
   * Ends the connection and the exchange on it. A request on a reused connection the upstream
   * had closed while it sat idle gets no byte back: it is sent again on a new connection once,
   * when it has no body to replay.
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
    this.#destroy();
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

/**
 * Keep-alive connections to one origin (`http:` or `https:`), the warmest reused first.
 * Requests beyond `connections` wait in order for one to come free.
 */
export class UpstreamPool {
  readonly target: { hostname: string; port: number; host: string; tls: boolean };
  readonly options: PoolOptions;
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  readonly #waiting: [UpstreamRequest, ResponseHandler][] = [];
  #closed = false;
  #onDrained: (() => void) | null = null;

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
        this.#waiting.push([req, handler]);
        return;
      }
      c = new Connection(this);
      this.#all.add(c);
    }
    c.start(req, handler, retryStale);
  }

  /** An exchange completed on `c`: the next waiting request takes it, or it idles. */
  release(c: Connection): void {
    const next = this.#waiting.shift();
    if (next !== undefined) {
      c.start(next[0], next[1], true);
      return;
    }
    if (this.#closed) {
      c.close();
      return;
    }
    const keepAlive = this.options.keepAliveMs ?? DEFAULT_KEEP_ALIVE_MS;
    const hint = c.idleUntil;
    c.idleUntil = Date.now() + (hint > 0 ? Math.min(keepAlive, hint - 1_000) : keepAlive);
    this.#idle.push(c);
  }

  /** `c` is gone: a waiting request gets a new connection in its place. */
  forget(c: Connection): void {
    this.#all.delete(c);
    const i = this.#idle.indexOf(c);
    if (i >= 0) {
      this.#idle.splice(i, 1);
    }
    const next = this.#waiting.shift();
    if (next !== undefined) {
      this.#dispatch(next[0], next[1], false);
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
    const error = new UpstreamError("UPSTREAM_POOL_CLOSED", "the upstream pool is closed");
    for (const [, handler] of this.#waiting.splice(0)) {
      handler.onError(error);
    }
    for (const c of [...this.#all]) {
      c.destroy(error);
    }
  }
}
