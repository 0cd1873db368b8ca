import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TimeInput,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import type { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";

// Everything that uses OpenTelemetry goes through this module, so the processes share one copy
// of @opentelemetry/api: the SDK registers with that copy, and a second one would see no-ops.
export { type Context, context, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type TimeInput, type Tracer, trace };

/** Trace context carried in message headers (NATS) or HTTP headers: `traceparent`, `tracestate`. */
export type TraceHeaders = Record<string, string>;

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Telemetry {
  /** Exports what is buffered now (tests, shutdown). */
  flush(): Promise<void>;
  /** Exports what is left and unregisters, so later spans cost nothing again. */
  shutdown(): Promise<void>;
}

let provider: NodeTracerProvider | undefined;

/**
 * Tracing is opt-in: an OTLP endpoint in the standard variables or `PORTICO_OTEL=1` (which
 * exports to the OTLP default, http://localhost:4318). `OTEL_SDK_DISABLED=true` wins.
 */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OTEL_SDK_DISABLED === "true") {
    return false;
  }
  return (
    Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT) ||
    Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ||
    env.PORTICO_OTEL === "1"
  );
}

/**
 * Registers the OpenTelemetry SDK (OTLP over HTTP, batched) when the environment asks for
 * it; null otherwise, and then no span object is ever made. The exporter reads the standard
 * `OTEL_EXPORTER_OTLP_*` variables itself.
 */
export async function startTelemetry(opts: TelemetryOptions): Promise<Telemetry | null> {
  if (provider !== undefined || !tracingRequested(opts.env)) {
    return null;
  }
  // Loaded only when tracing is on: the SDK adds 60-100 ms to every start otherwise.
  const [{ W3CTraceContextPropagator }, { OTLPTraceExporter }, { resourceFromAttributes }, sdk, node, conventions] =
    await Promise.all([
      import("@opentelemetry/core"),
      import("@opentelemetry/exporter-trace-otlp-http"),
      import("@opentelemetry/resources"),
      import("@opentelemetry/sdk-trace-base"),
      import("@opentelemetry/sdk-trace-node"),
      import("@opentelemetry/semantic-conventions"),
    ]);
  if (provider !== undefined) {
    return null;
  }
  const { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } = conventions;
  const started = new node.NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: (opts.env ?? process.env).OTEL_SERVICE_NAME ?? opts.serviceName,
      ...(opts.serviceVersion === undefined ? {} : { [ATTR_SERVICE_VERSION]: opts.serviceVersion }),
    }),
    spanProcessors: [new sdk.BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 1000 })],
  });
  started.register({ propagator: new W3CTraceContextPropagator() });
  provider = started;
  return {
    flush: () => started.forceFlush(),
    shutdown: async () => {
      await started.shutdown();
      if (provider === started) {
        provider = undefined;
        trace.disable();
        context.disable();
        propagation.disable();
      }
    },
  };
}

/** The tracer of one component, or null while telemetry is off: callers check once and skip spans. */
export function tracerOrNull(name: string): Tracer | null {
  return provider === undefined ? null : trace.getTracer(name);
}

/** The context a `traceparent` (and `tracestate`) in these headers continue; the root context without them. */
export function contextFromHeaders(
  headers: Readonly<Record<string, string | string[] | undefined>> | undefined,
): Context {
  return headers === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
}

/** The headers that carry `ctx` to the next process. */
export function traceHeaders(ctx: Context): TraceHeaders {
  const carrier: TraceHeaders = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** Ends a span, marking it failed when the work threw. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Publishes inside a producer span and hands `publish` the headers that carry it, so the
 * consumer's span becomes its child. With telemetry off it just publishes, without headers.
 */
export async function tracedPublish<T>(
  tracer: Tracer | null,
  name: string,
  publish: (headers: TraceHeaders | undefined) => Promise<T>,
): Promise<T> {
  if (tracer === null) {
    return publish(undefined);
  }
  return tracer.startActiveSpan(name, { kind: SpanKind.PRODUCER }, async (span) => {
    try {
      const result = await publish(traceHeaders(trace.setSpan(context.active(), span)));
      endSpan(span);
      return result;
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
  });
}

/** Handles a message inside a consumer span, child of the producer span its headers name. */
export async function tracedConsume<T>(
  tracer: Tracer | null,
  name: string,
  headers: TraceHeaders | undefined,
  handle: () => Promise<T>,
): Promise<T> {
  if (tracer === null) {
    return handle();
  }
  return tracer.startActiveSpan(name, { kind: SpanKind.CONSUMER }, contextFromHeaders(headers), async (span) => {
    try {
      const result = await handle();
      endSpan(span);
      return result;
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
  });
}
