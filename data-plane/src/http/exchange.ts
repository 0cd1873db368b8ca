import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { CompiledApi, CompiledTenant } from "../config/compile.js";
import type { RateDecision, RateLimit } from "../traffic/rate-limit.js";

/** A client-supplied request id is kept only if it is short and cannot smuggle anything into logs. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** What one request accumulates on its way through the gateway; it ends as one analytics event. */
export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** epoch ms, for the analytics event */
  readonly time = Date.now();
  /** monotonic ms, for latencies */
  readonly start = performance.now();
  readonly requestId: string;
  /** the analytics event's id when the gateway made the request id up (a UUID no client chose) */
  readonly eventId: string | undefined;
  /** kept: node detaches it from the request once the response is done */
  readonly #socket: Socket;
  readonly #written0: number;
  tenant: CompiledTenant | undefined = undefined;
  api: CompiledApi | undefined = undefined;
  resource = "/";
  applicationId: string | null = null;
  /** set when the client's Authorization header carried the token the gateway consumed */
  consumedBearer = false;
  /** an authentication policy accepted the caller (the first success wins) */
  authenticated = false;
  /** the access token's scopes; null when the caller did not present a token */
  scopes: readonly string[] | null = null;
  /** the tier limit of the caller's subscription, once authorised (null: unlimited) */
  subscriptionLimit: RateLimit | null = null;
  /** the smallest request-size policy's limit */
  bodyLimit = Number.POSITIVE_INFINITY;
  rate: RateDecision | undefined = undefined;
  /** flat [name, value, …] headers policies add to the response (CORS); null: none */
  responseHeaders: string[] | null = null;
  /** header-transform edits of the upstream request and of the client response, in order */
  requestEdits: ((headers: string[]) => string[])[] | null = null;
  responseEdits: ((headers: string[]) => string[])[] | null = null;
  /** path-rewrite / query-rewrite edits of the path below the API and of the query string */
  pathEdits: ((path: string) => string)[] | null = null;
  queryEdits: ((query: string) => string)[] | null = null;
  /** WebSocket messages relayed each way */
  framesIn = 0;
  framesOut = 0;
  status = 0;
  /** its metrics and analytics event are recorded (exactly once) */
  ended = false;
  errorType: string | null = null;
  upstreamStart = 0;
  upstreamMs: number | null = null;
  bytesIn: number;

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.req = req;
    this.res = res;
    const id = req.headers["x-request-id"];
    if (typeof id === "string" && SANE_REQUEST_ID.test(id)) {
      this.requestId = id;
      this.eventId = undefined;
    } else {
      this.requestId = randomUUID();
      this.eventId = this.requestId;
    }
    this.bytesIn = Number(req.headers["content-length"]) || 0;
    this.#socket = req.socket;
    this.#written0 = req.socket.bytesWritten;
  }

  /** Bytes written to the client for this response, headers included. */
  bytesOut(): number {
    return Math.max(0, this.#socket.bytesWritten - this.#written0);
  }
}
