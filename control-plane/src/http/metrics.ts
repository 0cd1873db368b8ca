import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "portico_cp_" });
  return {
    registry,
    requests: new Counter({
      name: "portico_cp_http_requests_total",
      help: "Control-plane HTTP requests",
      labelNames: ["method", "status"] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: "portico_cp_http_request_duration_seconds",
      help: "Control-plane HTTP request latency",
      labelNames: ["method"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
