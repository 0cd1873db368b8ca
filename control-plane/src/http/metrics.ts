import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

/** What the control plane's metrics read from its other parts at scrape time. */
export interface MetricSources {
  /** times the bus connection came back */
  reconnects(): number;
}

export function createMetrics(sources: MetricSources) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "portico_cp_" });
  const reconnects: Counter = new Counter({
    name: "portico_cp_nats_reconnects_total",
    help: "Times the NATS connection came back after a loss",
    registers: [registry],
    collect: () => {
      reconnects.reset();
      reconnects.inc(sources.reconnects());
    },
  });
  return {
    registry,
    // `route` is the route's pattern (`/api/v1/apis/:id`), never the raw path, so series stay bounded.
    requests: new Counter({
      name: "portico_cp_http_requests_total",
      help: "Control-plane HTTP requests, by method, route pattern and status",
      labelNames: ["method", "route", "status"] as const,
      registers: [registry],
    }),
    latency: new Histogram({
      name: "portico_cp_http_request_duration_seconds",
      help: "Control-plane HTTP request latency, by method and route pattern",
      labelNames: ["method", "route"] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
