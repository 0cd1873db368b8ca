import { randomUUID } from "node:crypto";
import type { CompiledApi, CompiledTenant } from "../config/compile.js";
import type { CompiledSubscription } from "../policies/types.js";
import type { RateDecision } from "../traffic/rate-limit.js";
import type { GatewayRequest } from "./request.js";
import type { GatewayResponse } from "./response.js";

/** A client-supplied request id is kept only if it is short and cannot smuggle anything into logs. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A response-cache miss: what the upstream answers is offered to the cache as it streams. */
export interface ResponseCapture {
  /** The upstream's status and headers (after header edits); may add headers for the client. */
  headers(status: number, headers: string[]): void;
  data(chunk: Buffer): void;
  complete(): void;
}

/** A rate limit WebSocket messages from the client count against. */
export interface FrameLimit {
  /** past the limit: close the connection with 1008, or drop the message */
  readonly mode: "close" | "drop";
  take(): boolean;
}

/** What one request accumulates on its way through the gateway; it ends as one analytics event. */
export class Exchange {
  readonly req: GatewayRequest;
  readonly res: GatewayResponse;
  /** epoch ms, for the analytics event */
  readonly time = Date.now();
  /** monotonic ms, for latencies */
  readonly start = performance.now();
  readonly requestId: string;
  /** the analytics event's id when the gateway made the request id up (a UUID no client chose) */
  readonly eventId: string | undefined;
  /** a WebSocket upgrade's socket `bytesWritten` when it began: its frames bypass the response */
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
  /** the caller's subscription with its tier limits, once authorised */
  subscription: CompiledSubscription | null = null;
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
  /** the request body, when a policy had to read it (request validation): forwarded instead of the stream */
  body: Buffer | null = null;
  capture: ResponseCapture | null = null;
  /** a WebSocket upgrade, admitted like a request */
  readonly upgrade: boolean;
  frameLimits: FrameLimit[] | null = null;
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

  constructor(req: GatewayRequest, res: GatewayResponse) {
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
    this.upgrade = req.upgrade;
    this.#written0 = req.upgrade ? req.socket.bytesWritten : 0;
  }

  /** Bytes written to the client for this exchange, headers (and WebSocket frames) included. */
  bytesOut(): number {
    return this.upgrade ? Math.max(0, this.req.socket.bytesWritten - this.#written0) : this.res.bytesWritten;
  }
}
