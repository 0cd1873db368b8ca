import {
  type Context,
  contextFromHeaders,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TraceHeaders,
  type Tracer,
  trace,
  traceHeaders,
} from "@portico/shared/telemetry";
import type { Exchange } from "./http/exchange.js";

/** Span times from the exchange's monotonic clock. */
const epochMs = (monotonicMs: number) => performance.timeOrigin + monotonicMs;

/** The upstream request's headers with the client's trace context replaced by the gateway's. */
function withTraceHeaders(headers: string[], carried: TraceHeaders): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    if (name !== "traceparent" && name !== "tracestate") {
      out.push(headers[i] as string, headers[i + 1] as string);
    }
  }
  for (const [name, value] of Object.entries(carried)) {
    out.push(name, value);
  }
  return out;
}

/**
 * The spans of one traced gateway request: a server span continuing the client's
 * `traceparent`, and under it one span per phase. Proxy and respond are cut at the moment the
 * upstream's headers arrived, which the exchange records anyway, so the forwarding code needs
 * no tracing hook.
 */
export class RequestTrace {
  readonly #tracer: Tracer;
  readonly #span: Span;
  readonly #ctx: Context;
  #proxy: Span | undefined = undefined;
  #ended = false;

  constructor(tracer: Tracer, ex: Exchange) {
    const parent = contextFromHeaders(ex.req.headers);
    this.#tracer = tracer;
    this.#span = tracer.startSpan(
      `${ex.req.method ?? "GET"} gateway`,
      {
        kind: SpanKind.SERVER,
        startTime: epochMs(ex.start),
        attributes: { "http.request.method": ex.req.method ?? "GET", "portico.request_id": ex.requestId },
      },
      parent,
    );
    this.#ctx = trace.setSpan(parent, this.#span);
  }

  phase(name: string): Span {
    return this.#tracer.startSpan(name, undefined, this.#ctx);
  }

  /** Opens the proxy span; the upstream receives its `traceparent` instead of the client's. */
  proxying(ex: Exchange): void {
    const span = this.#tracer.startSpan("proxy", { kind: SpanKind.CLIENT }, this.#ctx);
    this.#proxy = span;
    const carried = traceHeaders(trace.setSpan(this.#ctx, span));
    const edit = (headers: string[]) => withTraceHeaders(headers, carried);
    ex.requestEdits = ex.requestEdits === null ? [edit] : [...ex.requestEdits, edit];
  }

  end(ex: Exchange): void {
    if (this.#ended) {
      return;
    }
    this.#ended = true;
    const now = performance.now();
    const proxy = this.#proxy;
    if (proxy !== undefined) {
      if (ex.upstreamMs === null) {
        proxy.setStatus({ code: SpanStatusCode.ERROR, message: ex.errorType ?? "no upstream answer" });
        proxy.end(epochMs(now));
      } else {
        const answered = ex.upstreamStart + ex.upstreamMs;
        proxy.setAttribute("http.response.status_code", ex.status);
        proxy.end(epochMs(answered));
        this.#tracer.startSpan("respond", { startTime: epochMs(answered) }, this.#ctx).end(epochMs(now));
      }
    }
    const span = this.#span;
    span.setAttribute("http.response.status_code", ex.status);
    if (ex.tenant !== undefined) {
      span.setAttribute("portico.tenant", ex.tenant.id);
    }
    if (ex.api !== undefined) {
      span.setAttribute("portico.api", ex.api.id);
      span.updateName(`${ex.req.method ?? "GET"} ${ex.api.prefix}`);
    }
    if (ex.errorType !== null) {
      span.setAttribute("portico.error_type", ex.errorType);
    }
    if (ex.status >= 500) {
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end(epochMs(now));
  }
}
