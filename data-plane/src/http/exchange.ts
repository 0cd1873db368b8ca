import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { CompiledApi, CompiledTenant } from "../config/compile.js";
import type { RateDecision, RateLimit } from "../traffic/rate-limit.js";

/** A client-supplied request id is kept only if it is short and cannot smuggle anything into logs. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * What one request accumulates on its way through the gateway; it ends as one analytics event.
 * Fields are declared and assigned in the constructor rather than defined as class fields:
 * defining some thirty own properties per request costs a runtime call each in code V8 has not
 * optimised (yet, or again after a deopt), where plain stores stay on the inline-cache path.
 */
export class Exchange {
  declare readonly req: IncomingMessage;
  declare readonly res: ServerResponse;
  /** epoch ms, for the analytics event */
  declare readonly time: number;
  /** monotonic ms, for latencies */
  declare readonly start: number;
  declare readonly requestId: string;
  /** the analytics event's id when the gateway made the request id up (a UUID no client chose) */
  declare readonly eventId: string | undefined;
  /** kept: node detaches it from the request once the response is done */
  declare private readonly socket: Socket;
  declare private readonly written0: number;
  declare tenant: CompiledTenant | undefined;
  declare api: CompiledApi | undefined;
  declare resource: string;
  declare applicationId: string | null;
  /** set when the client's Authorization header carried the token the gateway consumed */
  declare consumedBearer: boolean;
  /** an authentication policy accepted the caller (the first success wins) */
  declare authenticated: boolean;
  /** the access token's scopes; null when the caller did not present a token */
  declare scopes: readonly string[] | null;
  /** the tier limit of the caller's subscription, once authorised (null: unlimited) */
  declare subscriptionLimit: RateLimit | null;
  /** the smallest request-size policy's limit */
  declare bodyLimit: number;
  declare rate: RateDecision | undefined;
  /** flat [name, value, …] headers policies add to the response (CORS); null: none */
  declare responseHeaders: string[] | null;
  /** header-transform edits of the upstream request and of the client response, in order */
  declare requestEdits: ((headers: string[]) => string[])[] | null;
  declare responseEdits: ((headers: string[]) => string[])[] | null;
  /** path-rewrite / query-rewrite edits of the path below the API and of the query string */
  declare pathEdits: ((path: string) => string)[] | null;
  declare queryEdits: ((query: string) => string)[] | null;
  /** WebSocket messages relayed each way */
  declare framesIn: number;
  declare framesOut: number;
  declare status: number;
  /** its metrics and analytics event are recorded (exactly once) */
  declare ended: boolean;
  declare errorType: string | null;
  declare upstreamStart: number;
  declare upstreamMs: number | null;
  declare bytesIn: number;

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.req = req;
    this.res = res;
    this.time = Date.now();
    this.start = performance.now();
    const id = req.headers["x-request-id"];
    if (typeof id === "string" && SANE_REQUEST_ID.test(id)) {
      this.requestId = id;
      this.eventId = undefined;
    } else {
      this.requestId = randomUUID();
      this.eventId = this.requestId;
    }
    this.socket = req.socket;
    this.written0 = req.socket.bytesWritten;
    this.tenant = undefined;
    this.api = undefined;
    this.resource = "/";
    this.applicationId = null;
    this.consumedBearer = false;
    this.authenticated = false;
    this.scopes = null;
    this.subscriptionLimit = null;
    this.bodyLimit = Number.POSITIVE_INFINITY;
    this.rate = undefined;
    this.responseHeaders = null;
    this.requestEdits = null;
    this.responseEdits = null;
    this.pathEdits = null;
    this.queryEdits = null;
    this.framesIn = 0;
    this.framesOut = 0;
    this.status = 0;
    this.ended = false;
    this.errorType = null;
    this.upstreamStart = 0;
    this.upstreamMs = null;
    this.bytesIn = Number(req.headers["content-length"]) || 0;
  }

  /** Bytes written to the client for this response, headers included. */
  bytesOut(): number {
    return Math.max(0, this.socket.bytesWritten - this.written0);
  }
}
