import { type OutgoingHttpHeaders, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { FIELD_NAME, INVALID_FIELD_VALUE } from "./field-syntax.js";
import type { GatewayRequest } from "./request.js";

/** What a response needs of the connection it is written on. */
export interface ResponseChannel {
  readonly socket: Socket;
  /** The server is shutting down: every response closes its connection. */
  readonly draining: boolean;
  /** `Connection: keep-alive` and `Keep-Alive` lines with the blank line that ends the head */
  readonly keepAliveLines: string;
  /** The response's last byte is queued on the socket. */
  finished(res: GatewayResponse): void;
}

const CLOSE = "Connection: close\r\n\r\n";

const statusLines: string[] = [];
function statusLine(status: number): string {
  let line = statusLines[status];
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Unknown"}\r\n`;
    if (status >= 100 && status < 600) {
      statusLines[status] = line;
    }
  }
  return line;
}

let dateSecond = 0;
let dateLine = "";
/** The Date header node:http adds, formatted once a second. */
function date(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `Date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateLine;
}

class InvalidHeader extends TypeError {
  readonly code = "ERR_INVALID_HTTP_TOKEN";
}

/** One header line, refused (as node:http refuses it) when it could split the response. */
function headerLine(name: string, value: string): string {
  if (!FIELD_NAME.test(name) || INVALID_FIELD_VALUE.test(value)) {
    throw new InvalidHeader(`Invalid response header ${JSON.stringify(name)}`);
  }
  return `${name}: ${value}\r\n`;
}

/** What the server must know of the headers it is given (bits, GIVEN_*). */
const GIVEN_FRAMING = 1;
const GIVEN_CONNECTION = 2;
const GIVEN_CLOSE = 4;
const GIVEN_DATE = 8;

function significance(name: string, value: string): number {
  switch (name.length) {
    case 4:
      return name.toLowerCase() === "date" ? GIVEN_DATE : 0;
    case 10:
      if (name.toLowerCase() !== "connection") {
        return 0;
      }
      return value.toLowerCase().includes("close") ? GIVEN_CONNECTION | GIVEN_CLOSE : GIVEN_CONNECTION;
    case 14:
      return name.toLowerCase() === "content-length" ? GIVEN_FRAMING : 0;
    case 17:
      return name.toLowerCase() === "transfer-encoding" ? GIVEN_FRAMING : 0;
    default:
      return 0;
  }
}

/** How the body is delimited, settled when the head goes out. */
enum Framing {
  /** no body may follow (HEAD, 1xx, 204, 304) */
  None = 0,
  /** the headers carry Content-Length or Transfer-Encoding */
  Given = 1,
  Chunked = 2,
  /** HTTP/1.0 without a length: the body ends with the connection */
  UntilClose = 3,
}

/** Bodies up to this size go out in one string with the head: one write, no writev. */
const INLINE_BODY = 4096;

/**
 * One response on the gateway's own HTTP/1.1 server: the part of node:http's ServerResponse the
 * request path uses (writeHead, write, end, destroy), written straight to the socket. The head
 * waits for the first body bytes, so that a body that comes whole (most do) leaves with it in
 * one write and with a Content-Length; a body that streams without one is chunked.
 */
export class GatewayResponse {
  readonly req: GatewayRequest;
  readonly #channel: ResponseChannel;
  readonly #socket: Socket;
  /** writeHead was called: the status and headers can no longer change */
  headersSent = false;
  writableEnded = false;
  /** the connection stays open after this response */
  keepAlive: boolean;
  /** bytes of this response handed to the socket, head included */
  bytesWritten = 0;
  /** the client went away before the response ended */
  onClose: (() => void) | null = null;
  /** the client's socket took everything written so far */
  onDrain: (() => void) | null = null;
  /** the head, without the framing and connection lines, until the first body bytes */
  #head: string | null = null;
  #framing = Framing.None;
  #hasDate = false;
  /** the caller's Connection header stands instead of the server's */
  #connectionGiven = false;

  constructor(channel: ResponseChannel, req: GatewayRequest, keepAlive: boolean) {
    this.#channel = channel;
    this.#socket = channel.socket;
    this.req = req;
    this.keepAlive = keepAlive;
  }

  /** Headers as a flat [name, value, …] list or as an object (arrays repeat the header). */
  writeHead(status: number, headers: readonly string[] | OutgoingHttpHeaders = []): this {
    if (this.headersSent) {
      return this;
    }
    let head = statusLine(status);
    let given = 0;
    if (Array.isArray(headers)) {
      const list = headers as readonly string[];
      for (let i = 0; i < list.length; i += 2) {
        const name = list[i] as string;
        const value = String(list[i + 1]);
        head += headerLine(name, value);
        given |= significance(name, value);
      }
    } else {
      for (const [name, value] of Object.entries(headers as OutgoingHttpHeaders)) {
        for (const v of Array.isArray(value) ? value : value === undefined ? [] : [String(value)]) {
          head += headerLine(name, v);
          given |= significance(name, v);
        }
      }
    }
    this.headersSent = true;
    this.#head = head;
    this.#connectionGiven = (given & GIVEN_CONNECTION) !== 0;
    this.#hasDate = (given & GIVEN_DATE) !== 0;
    if ((given & GIVEN_CLOSE) !== 0) {
      this.keepAlive = false;
    }
    if (this.req.method === "HEAD" || status < 200 || status === 204 || status === 304) {
      this.#framing = Framing.None;
    } else if ((given & GIVEN_FRAMING) !== 0) {
      this.#framing = Framing.Given;
    } else {
      this.#framing = this.req.httpVersionMinor === 0 ? Framing.UntilClose : Framing.Chunked;
    }
    return this;
  }

  /** The head with its framing line (a Content-Length when the whole body is known) and the blank line. */
  #finishHead(wholeBody: number): string {
    let head = this.#head as string;
    this.#head = null;
    if (this.#framing === Framing.Chunked || this.#framing === Framing.UntilClose) {
      if (wholeBody >= 0) {
        head += `Content-Length: ${wholeBody}\r\n`;
        this.#framing = Framing.Given;
      } else if (this.#framing === Framing.Chunked) {
        head += "Transfer-Encoding: chunked\r\n";
      } else {
        this.keepAlive = false;
      }
    }
    if (this.#channel.draining && !this.#connectionGiven) {
      this.keepAlive = false;
    }
    head += this.#hasDate ? "" : date();
    return head + (this.#connectionGiven ? "\r\n" : this.keepAlive ? this.#channel.keepAliveLines : CLOSE);
  }

  write(chunk: Buffer): boolean {
    if (this.writableEnded) {
      return true;
    }
    if (!this.headersSent) {
      this.writeHead(200);
    }
    return this.#send(chunk);
  }

  #send(chunk: Buffer): boolean {
    const socket = this.#socket;
    if (socket.destroyed) {
      // The close handler aborts whatever is feeding this response.
      return true;
    }
    // The head leaves with the first body bytes, in one writev.
    socket.cork();
    if (this.#head !== null) {
      const head = this.#finishHead(-1);
      this.bytesWritten += head.length;
      socket.write(head, "latin1");
    }
    let more = true;
    if (this.#framing === Framing.Chunked && chunk.length > 0) {
      const size = `${chunk.length.toString(16)}\r\n`;
      this.bytesWritten += size.length + chunk.length + 2;
      socket.write(size, "latin1");
      socket.write(chunk);
      more = socket.write("\r\n", "latin1");
    } else if (this.#framing !== Framing.None && chunk.length > 0) {
      this.bytesWritten += chunk.length;
      more = socket.write(chunk);
    }
    socket.uncork();
    return more;
  }

  end(chunk?: Buffer | string): void {
    if (this.writableEnded) {
      return;
    }
    if (!this.headersSent) {
      this.writeHead(200);
    }
    this.writableEnded = true;
    const socket = this.#socket;
    const body = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    const withBody = body !== undefined && body.length > 0 && this.#framing !== Framing.None;
    if (!socket.destroyed) {
      if (this.#head !== null) {
        const head = this.#finishHead(withBody ? (body as Buffer).length : this.#framing === Framing.None ? -1 : 0);
        this.bytesWritten += head.length;
        if (!withBody) {
          socket.write(head, "latin1");
        } else if ((body as Buffer).length <= INLINE_BODY) {
          this.bytesWritten += (body as Buffer).length;
          socket.write(head + (body as Buffer).toString("latin1"), "latin1");
        } else {
          this.bytesWritten += (body as Buffer).length;
          socket.cork();
          socket.write(head, "latin1");
          socket.write(body as Buffer);
          socket.uncork();
        }
      } else {
        socket.cork();
        if (withBody) {
          this.#send(body as Buffer);
        }
        if (this.#framing === Framing.Chunked) {
          this.bytesWritten += 5;
          socket.write("0\r\n\r\n", "latin1");
        }
        socket.uncork();
      }
    }
    if (this.#framing === Framing.UntilClose) {
      this.keepAlive = false;
    }
    this.#channel.finished(this);
  }

  /** Cuts the connection: a response that cannot be completed must not pass for complete. */
  destroy(): void {
    this.#socket.destroy();
  }
}
