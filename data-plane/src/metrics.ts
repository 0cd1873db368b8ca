import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** Label used for requests no tenant can be held to (unknown slug, bad path), so cardinality stays bounded. */
export const UNATTRIBUTED = "-";

/** Pre-resolved label children of one tenant: the request path only calls inc/observe. */
export interface TenantMeters {
  /** index = status class - 1 (0 for 1xx … 4 for 5xx) */
  readonly requests: readonly { inc(): void }[];
  readonly latency: { observe(seconds: number): void };
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: "portico_gateway_requests_total",
    help: "Requests handled, by tenant and status class",
    labelNames: ["tenant", "status_class"] as const,
    registers: [this.registry],
  });
  readonly #latency = new Histogram({
    name: "portico_gateway_request_duration_seconds",
    help: "Time from request to the end of the response, by tenant",
    labelNames: ["tenant"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #bundleVersion = new Gauge({
    name: "portico_gateway_bundle_version",
    help: "Version of the bundle served, by tenant",
    labelNames: ["tenant"] as const,
    registers: [this.registry],
  });
  readonly spoolDepth = new Gauge({
    name: "portico_gateway_analytics_spool_depth",
    help: "Analytics batches waiting on disk for the bus",
    registers: [this.registry],
  });
  readonly analyticsDropped = new Counter({
    name: "portico_gateway_analytics_dropped_events_total",
    help: "Analytics events dropped because the spool was full or unwritable",
    registers: [this.registry],
  });
  readonly websocketFrames = new Counter({
    name: "portico_gateway_websocket_frames_total",
    help: "WebSocket messages relayed, by tenant and direction (in: client to upstream)",
    labelNames: ["tenant", "direction"] as const,
    registers: [this.registry],
  });
  readonly #meters = new Map<string, TenantMeters>();

  meters(tenantId: string): TenantMeters {
    let m = this.#meters.get(tenantId);
    if (m === undefined) {
      m = {
        requests: ["1xx", "2xx", "3xx", "4xx", "5xx"].map((cls) => this.#requests.labels(tenantId, cls)),
        latency: this.#latency.labels(tenantId),
      };
      this.#meters.set(tenantId, m);
    }
    return m;
  }

  setBundleVersion(tenantId: string, version: number): void {
    this.#bundleVersion.labels(tenantId).set(version);
  }

  forgetTenant(tenantId: string): void {
    this.#bundleVersion.remove(tenantId);
  }
}
