import { describe, expect, it } from "vitest";
import { contextFromHeaders, startTelemetry, trace, tracerOrNull, tracingRequested } from "./index.js";

describe("telemetry", () => {
  it("is requested by an OTLP endpoint or PORTICO_OTEL=1 only, and OTEL_SDK_DISABLED wins", () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ PORTICO_OTEL: "0" })).toBe(false);
    expect(tracingRequested({ PORTICO_OTEL: "1" })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel:4318" })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://otel:4318/v1/traces" })).toBe(true);
    expect(tracingRequested({ PORTICO_OTEL: "1", OTEL_SDK_DISABLED: "true" })).toBe(false);
  });

  it("starts nothing and hands out no tracer when not requested", async () => {
    expect(await startTelemetry({ serviceName: "t", env: {} })).toBeNull();
    expect(tracerOrNull("t")).toBeNull();
  });

  it("reads no trace context from headers while off", () => {
    const parent = trace.getSpanContext(
      contextFromHeaders({ traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" }),
    );
    expect(parent).toBeUndefined();
  });
});
