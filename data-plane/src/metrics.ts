import { Counter, Gauge, type Metric, Registry } from "prom-client";

/** Label used for requests no tenant can be held to (unknown slug, bad path), so cardinality stays bounded. */
export const UNATTRIBUTED = "-";

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/**
 * One tenant's request counts and latency histogram as plain numbers: the request path adds
 * to them, and the registry reads them only when scraped. prom-client's own children hash
 * and validate their labels on every call, which the hot path should not pay for.
 */
export class TenantMeters {
  /** index = status class - 1 (0 for 1xx … 4 for 5xx) */
  readonly requests = new Float64Array(STATUS_CLASSES.length);
  /** per bucket, not cumulative; the last one is +Inf */
  readonly buckets = new Float64Array(LATENCY_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  record(statusClass: number, seconds: number): void {
    this.requests[statusClass] = (this.requests[statusClass] as number) + 1;
    let i = 0;
    while (i < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[i] as number)) {
      i++;
    }
    this.buckets[i] = (this.buckets[i] as number) + 1;
    this.sum += seconds;
    this.count++;
  }
}

type Sample = { value: number; labels: Record<string, string>; metricName?: string };

/** The latency histogram of every tenant's meters, in prom-client's metric shape. */
class LatencyHistogram {
  readonly name = "portico_gateway_request_duration_seconds";
  readonly help = "Time from request to the end of the response, by tenant";
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #meters: ReadonlyMap<string, TenantMeters>;

  constructor(meters: ReadonlyMap<string, TenantMeters>) {
    this.#meters = meters;
  }

  async get() {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const [tenant, m] of this.#meters) {
      if (m.count === 0) {
        continue;
      }
      let cumulative = 0;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        cumulative += m.buckets[i] as number;
        values.push({ value: cumulative, labels: { le: String(LATENCY_BUCKETS[i]), tenant }, metricName: bucket });
      }
      values.push(
        { value: m.count, labels: { le: "+Inf", tenant }, metricName: bucket },
        { value: m.sum, labels: { tenant }, metricName: `${this.name}_sum` },
        { value: m.count, labels: { tenant }, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #meters = new Map<string, TenantMeters>();
  readonly #requests = new Counter({
    name: "portico_gateway_requests_total",
    help: "Requests handled, by tenant and status class",
    labelNames: ["tenant", "status_class"] as const,
    registers: [this.registry],
    collect: () => {
      this.#requests.reset();
      for (const [tenant, m] of this.#meters) {
        for (let i = 0; i < STATUS_CLASSES.length; i++) {
          const n = m.requests[i] as number;
          if (n > 0) {
            this.#requests.labels(tenant, STATUS_CLASSES[i] as string).inc(n);
          }
        }
      }
    },
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

  constructor() {
    // Not a prom-client class: registered in its metric shape (see LatencyHistogram).
    this.registry.registerMetric(new LatencyHistogram(this.#meters) as unknown as Metric);
  }

  meters(tenantId: string): TenantMeters {
    let m = this.#meters.get(tenantId);
    if (m === undefined) {
      m = new TenantMeters();
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
