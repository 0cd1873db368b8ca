import type { Socket } from "node:net";
import { PROBLEM_CONTENT_TYPE, problem } from "@portico/shared";
import { createParser, HTTPParser, type LlhttpParser, methods } from "./llhttp.js";
import { GatewayRequest, RequestBody } from "./request.js";
import { GatewayResponse, type ResponseChannel } from "./response.js";

/** What the server hands requests to. */
export interface RequestHandler {
  request(req: GatewayRequest, res: GatewayResponse): void;
  /** A WebSocket (or other) upgrade: the socket is the handler's once it answers 101. */
  upgrade(req: GatewayRequest, res: GatewayResponse, head: Buffer): void;
}

/** node:http's limit on the request head. */
const MAX_HEADER_BYTES = 16_384;

/** How long a client may take, in ms; node:http's defaults, and the gateway's longer keep-alive. */
export interface ConnectionTimeouts {
  /** from a request's first byte (or the connection's start) to the end of its head */
  headersMs: number;
  /** from the end of a request's head to the end of its body */
  requestMs: number;
  /** between requests: longer than the usual load balancer idle timeout, so the balancer closes first */
  keepAliveMs: number;
}
export const DEFAULT_TIMEOUTS: ConnectionTimeouts = { headersMs: 60_000, requestMs: 300_000, keepAliveMs: 65_000 };

/** What the connections of one listener share. */
export interface ConnectionHost {
  readonly handler: RequestHandler;
  /** a clock the host advances once a second: deadlines need no finer */
  readonly now: number;
  readonly draining: boolean;
  readonly timeouts: ConnectionTimeouts;
  /** the response head's lines for a kept-alive connection, announcing the idle timeout */
  readonly keepAliveLines: string;
  /** a handler threw: logged by the host, the connection is dropped */
  failed(error: unknown): void;
  forget(connection: HttpConnection): void;
}

/** Why the socket is not read: a body reader is behind, or requests are waiting for their turn. */
const BODY_BACKLOG = 1;
const PIPELINE_BACKLOG = 2;
const WRITE_BACKLOG = 4;

/** Pipelined requests parsed ahead of the one being answered before the socket stops being read. */
const MAX_PIPELINED = 16;

function clientError(status: number, title: string): string {
  const body = JSON.stringify({ ...problem("validation-failed", title), status });
  return `HTTP/1.1 ${status} ${status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request"}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
const MALFORMED = clientError(400, "The HTTP request is malformed");
const HEADERS_TOO_LARGE = clientError(431, "The HTTP request's headers are too large");
const NO_HOST = clientError(400, "An HTTP/1.1 request needs a Host header");
const NO_CONNECT = clientError(400, "CONNECT is not supported");
const TOO_SLOW = clientError(408, "The HTTP request did not arrive in time");
const EXPECTATION_FAILED = `HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`;
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

/**
 * One client connection of the gateway's HTTP/1.1 server, on node's llhttp parser: requests
 * are answered one at a time and in order (pipelined ones wait, parsed), request bodies
 * stream with backpressure, and the connection stays open between requests unless the
 * client, the response or a shutdown closes it. An upgrade hands the socket to the handler.
 */
export class HttpConnection implements ResponseChannel {
  readonly socket: Socket;
  readonly #host: ConnectionHost;
  readonly #parser: LlhttpParser;
  /** responses in request order: the first is being answered, the rest wait for their turn */
  readonly #queue: GatewayResponse[] = [];
  /** the request whose body is still being parsed */
  #parsing: GatewayRequest | null = null;
  /** a head that llhttp delivered in pieces (over 32 headers, or split across reads) */
  #partialHeaders: string[] = [];
  #partialUrl = "";
  #upgrade: GatewayResponse | null = null;
  #paused = 0;
  /** no further requests are read: the connection closes once its answer is out */
  #closing = false;
  #idle = true;
  /** when the host's clock passes it, the connection has waited too long; 0: no deadline */
  deadline: number;

  constructor(socket: Socket, host: ConnectionHost) {
    this.socket = socket;
    this.#host = host;
    this.deadline = host.now + host.timeouts.headersMs;
    this.#parser = createParser(HTTPParser.REQUEST, MAX_HEADER_BYTES, {
      onHeaders: this.#onHeaders,
      onHeadersComplete: this.#onHeadersComplete,
      onBody: this.#onBody,
      onMessageComplete: this.#onMessageComplete,
    });
    socket.on("data", this.#onData);
    socket.on("drain", this.#onDrain);
    socket.on("error", this.#onError);
    socket.on("close", this.#onClose);
  }

  get draining(): boolean {
    return this.#host.draining;
  }

  get keepAliveLines(): string {
    return this.#host.keepAliveLines;
  }

  /** Nothing is being answered: a shutdown may close it at once. */
  get idle(): boolean {
    return this.#idle && this.#queue.length === 0;
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#closing) {
      return;
    }
    if (this.#idle) {
      this.#idle = false;
      this.deadline = this.#host.now + this.#host.timeouts.headersMs;
    }
    let parsed: ReturnType<LlhttpParser["execute"]>;
    try {
      parsed = this.#parser.execute(chunk);
    } catch (error) {
      // A throw from a handler called inside the parser: nothing of this connection is safe to reuse.
      this.#host.failed(error);
      this.socket.destroy();
      return;
    }
    if (typeof parsed !== "number") {
      this.#malformed(parsed.code === "HPE_HEADER_OVERFLOW" ? HEADERS_TOO_LARGE : MALFORMED);
    } else if (this.#upgrade !== null) {
      this.#detach(this.#upgrade, chunk.subarray(parsed));
    } else {
      this.#holdWhileUnread();
    }
  };

  /** A client that sends without reading its answers is not read either, as node:http does. */
  #holdWhileUnread(): void {
    if (this.socket.writableNeedDrain) {
      this.#pause(WRITE_BACKLOG);
    }
  }

  readonly #onHeaders = (headers: string[], url: string): void => {
    this.#partialHeaders = this.#partialHeaders.concat(headers);
    this.#partialUrl += url;
  };

  readonly #onHeadersComplete = (
    _major: number,
    minor: number,
    headers: string[] | undefined,
    method: number,
    url: string | undefined,
    _status: unknown,
    _reason: unknown,
    upgrade: boolean,
    keepAlive: boolean,
  ): number => {
    let raw = headers;
    let target = url;
    if (raw === undefined) {
      raw = this.#partialHeaders;
    }
    this.#partialHeaders = [];
    if (!target) {
      target = this.#partialUrl;
    }
    this.#partialUrl = "";
    if (this.#closing) {
      return 0;
    }
    let body: RequestBody | null = null;
    if (!upgrade && hasBody(raw)) {
      body = new RequestBody(this.#bodyWanted);
    }
    const name = methods[method] ?? "GET";
    const req = new GatewayRequest(name, target, raw, this.socket, minor, upgrade, body);
    const res = new GatewayResponse(this, req, keepAlive && !upgrade);
    if (upgrade) {
      // Answered once execute() says where the upgraded protocol's bytes begin.
      this.#closing = true;
      this.#upgrade = res;
      return 2;
    }
    this.#parsing = req;
    this.#queue.push(res);
    if (this.#queue.length === 1) {
      this.#start(res);
    } else if (this.#queue.length > MAX_PIPELINED) {
      this.#pause(PIPELINE_BACKLOG);
    }
    return 0;
  };

  readonly #onBody = (chunk: Buffer): void => {
    const body = this.#parsing?.body;
    if (body != null && !body.destroyed && !body.push(chunk)) {
      this.#pause(BODY_BACKLOG);
    }
  };

  readonly #onMessageComplete = (): void => {
    // A chunked body's trailers arrive like a head's pieces: they are dropped, never carried
    // into the next request's head.
    this.#partialHeaders = [];
    this.#partialUrl = "";
    const req = this.#parsing;
    if (req === null) {
      return;
    }
    this.#parsing = null;
    req.complete = true;
    if (req.body !== null && !req.body.destroyed) {
      req.body.push(null);
    }
    if (this.#closing || this.#queue.length === 0) {
      return;
    }
    this.deadline = 0;
    const first = this.#queue[0] as GatewayResponse;
    if (first.req === req && first.writableEnded) {
      this.#next();
    }
  };

  /** Whatever the request path needs before the handler sees the request. */
  #start(res: GatewayResponse): void {
    const req = res.req;
    if (!req.complete) {
      // Counted from its turn: a pipelined upload waits, unread, for the requests before it.
      this.deadline = this.#host.now + this.#host.timeouts.requestMs;
    }
    if (req.httpVersionMinor === 1 && req.headers.host === undefined) {
      this.#refuse(NO_HOST);
      return;
    }
    // HTTP/1.0 has no Expect (RFC 9110 §10.1.1): node:http ignores it there too.
    const expect = req.httpVersionMinor === 1 ? req.headers.expect : undefined;
    if (expect !== undefined) {
      if (expect.toLowerCase() !== "100-continue") {
        this.#refuse(EXPECTATION_FAILED);
        return;
      }
      if (!req.complete) {
        this.socket.write(CONTINUE, "latin1");
      }
    }
    this.#host.handler.request(req, res);
  }

  finished(res: GatewayResponse): void {
    if (this.#queue[0] !== res) {
      // An upgrade's answer that refused it: the connection ends with it.
      this.#end();
      return;
    }
    if (this.#detached) {
      // An answer to a request pipelined before an upgrade: the socket is the upgrade's now.
      return;
    }
    if (!res.keepAlive || this.#closing) {
      this.#end();
    } else if (res.req.complete) {
      this.#next();
      this.#holdWhileUnread();
    } else {
      // Answered before its body arrived (a refusal): the rest of the body is read and dropped.
      res.req.body?.destroy();
      this.#resume(BODY_BACKLOG);
    }
  }

  /**
   * The first response is done: the next request starts. A loop, not a recursion: pipelined
   * requests answered synchronously (health checks, refusals) would otherwise nest one call
   * per request.
   */
  #next(): void {
    this.#queue.shift();
    if (this.#advancing) {
      return;
    }
    this.#advancing = true;
    for (;;) {
      const next = this.#queue[0];
      if (this.#closing) {
        break;
      }
      if (next === undefined || this.#host.draining) {
        if (this.#host.draining) {
          this.#end();
        } else {
          this.#idle = true;
          this.deadline = this.#host.now + this.#host.timeouts.keepAliveMs;
        }
        break;
      }
      if (this.#queue.length <= MAX_PIPELINED) {
        this.#resume(PIPELINE_BACKLOG);
      }
      this.#start(next);
      if (this.#queue[0] === next) {
        break;
      }
    }
    this.#advancing = false;
  }

  #advancing = false;

  readonly #bodyWanted = (): void => this.#resume(BODY_BACKLOG);

  #pause(reason: number): void {
    if (this.#paused === 0) {
      this.socket.pause();
    }
    this.#paused |= reason;
  }

  #resume(reason: number): void {
    if (this.#paused === 0) {
      return;
    }
    this.#paused &= ~reason;
    if (this.#paused === 0 && !this.#closing) {
      this.socket.resume();
    }
  }

  readonly #onDrain = (): void => {
    this.#resume(WRITE_BACKLOG);
    this.#queue[0]?.onDrain?.();
  };

  /** A request node:http would refuse before any handler: answered here, and the connection closed. */
  #refuse(answer: string): void {
    if (this.#closing) {
      return;
    }
    this.#closing = true;
    this.#queue.length = 0;
    this.socket.end(answer, "latin1");
    this.socket.destroySoon();
  }

  /**
   * Unparseable bytes: answered with 400 (431 for an oversized head) unless a response is
   * already on its way, whose end then closes the connection.
   */
  #malformed(answer: string): void {
    const first = this.#queue[0];
    if (first?.headersSent && !first.writableEnded) {
      this.#closing = true;
      first.keepAlive = false;
      this.#queue.length = 1;
      this.#failBody("malformed request body");
    } else {
      this.#abandon(answer);
    }
  }

  /**
   * The client broke or stalled its own request: whatever was started for it is abandoned as if
   * the client had gone away (not an upstream failure) before its body stream fails.
   */
  #abandon(answer: string): void {
    const first = this.#queue[0];
    this.#queue.length = 0;
    if (first !== undefined && !first.writableEnded) {
      first.onClose?.();
    }
    this.#refuse(answer);
    this.#failBody("the request was cut short");
  }

  #failBody(why: string): void {
    const body = this.#parsing?.body;
    this.#parsing = null;
    if (body != null && !body.destroyed) {
      body.destroy(new Error(why));
    }
  }

  /** The connection ends once what is written is out. */
  #end(): void {
    this.#closing = true;
    this.socket.destroySoon();
  }

  /** An upgrade: the socket leaves HTTP, with the bytes after the head for the new protocol. */
  #detach(res: GatewayResponse, head: Buffer): void {
    this.#upgrade = null;
    if (res.req.method === "CONNECT") {
      // Still this connection's socket (its error and close handlers stay): answered and closed.
      this.#queue.length = 0;
      this.socket.end(NO_CONNECT, "latin1");
      this.socket.destroySoon();
      return;
    }
    this.#detached = true;
    this.socket.removeListener("data", this.#onData);
    this.socket.removeListener("drain", this.#onDrain);
    this.socket.removeListener("error", this.#onError);
    this.#free();
    // As node:http leaves it: no reader yet, so whoever adds one starts the flow.
    (this.socket as { readableFlowing: boolean | null }).readableFlowing = null;
    this.#host.handler.upgrade(res.req, res, head);
  }

  /** The host's clock passed the deadline: a slow request gets 408, an idle connection just closes. */
  expire(): void {
    if (this.#idle || this.#closing || (this.#queue[0]?.headersSent ?? false)) {
      this.socket.destroy();
    } else {
      this.#abandon(TOO_SLOW);
    }
    this.deadline = 0;
  }

  /** Closes the connection now when nothing is being answered, else after the current answer. */
  closeWhenIdle(): void {
    if (this.idle) {
      this.socket.destroy();
    }
  }

  readonly #onError = (): void => {
    this.socket.destroy();
  };

  readonly #onClose = (): void => {
    this.#closing = true;
    const first = this.#queue[0];
    this.#queue.length = 0;
    if (first !== undefined && !first.writableEnded) {
      first.onClose?.();
    }
    this.#failBody("the client closed the connection");
    this.#free();
  };

  #freed = false;
  /** an upgrade took the socket */
  #detached = false;
  #free(): void {
    if (!this.#freed) {
      this.#freed = true;
      this.#parser.close();
      this.#host.forget(this);
    }
  }
}

/** Content-Length above 0 or any Transfer-Encoding: llhttp will deliver a body. */
function hasBody(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const n = (raw[i] as string).length;
    if (n === 14 || n === 17) {
      const name = (raw[i] as string).toLowerCase();
      if (name === "transfer-encoding" || (name === "content-length" && Number(raw[i + 1]) > 0)) {
        return true;
      }
    }
  }
  return false;
}
