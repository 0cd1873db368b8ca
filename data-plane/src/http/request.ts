import type { IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { headersByName } from "./request-headers.js";

function ignore(): void {}

/**
 * A request body as it arrives from the client's connection, paused at the socket while
 * whoever reads it (the upstream request, a policy) is behind.
 */
export class RequestBody extends Readable {
  readonly #wanted: () => void;

  constructor(wanted: () => void) {
    super();
    this.#wanted = wanted;
    // A body nobody reads (the request was refused) may still be cut off by its client.
    this.on("error", ignore);
  }

  override _read(): void {
    this.#wanted();
  }
}

/**
 * One request as the gateway's HTTP server parsed it: what node:http's IncomingMessage offers
 * the request path, without a stream per request. Only a request that announces a body
 * (Content-Length above 0 or Transfer-Encoding) gets one.
 */
export class GatewayRequest {
  readonly method: string;
  /** the request target as sent: origin-form, or absolute-form from a proxy-minded client */
  readonly url: string;
  /** [name, value, …] as received */
  readonly rawHeaders: string[];
  readonly socket: Socket;
  readonly httpVersionMinor: number;
  /** a protocol upgrade (WebSocket): the socket leaves HTTP after the answer */
  readonly upgrade: boolean;
  readonly body: RequestBody | null;
  /** the whole request, body included, is parsed */
  complete = false;
  #headers: IncomingHttpHeaders | undefined = undefined;

  constructor(
    method: string,
    url: string,
    rawHeaders: string[],
    socket: Socket,
    httpVersionMinor: number,
    upgrade: boolean,
    body: RequestBody | null,
  ) {
    this.method = method;
    this.url = url;
    this.rawHeaders = rawHeaders;
    this.socket = socket;
    this.httpVersionMinor = httpVersionMinor;
    this.upgrade = upgrade;
    this.body = body;
  }

  /** Folded on first use, as node:http does: a request answered from its path alone never needs it. */
  get headers(): IncomingHttpHeaders {
    this.#headers ??= headersByName(this.rawHeaders);
    return this.#headers;
  }
}
