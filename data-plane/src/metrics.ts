import { Counter, Gauge, type Metric, Registry } from "prom-client";

/** Label used for requests no tenant can be held to (unknown slug, bad path), so cardinality stays bounded. */
export const UNATTRIBUTED = "-";

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/**
 * Request counts and a latency histogram as plain numbers (one per tenant, one per API): the
 * request path adds to them, and the registry reads them only when scraped. prom-client's own
 * children hash and validate their labels on every call, which the hot path should not pay for.
 */
export class RequestMeters {
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

type Labels = Record<string, string>;
type Sample = { value: number; labels: Labels; metricName?: string };
/** Meters with the labels they are exported under. */
type LabelledMeters = { labels: Labels; meters: RequestMeters };

/** A latency histogram built from meters at scrape time, in prom-client's metric shape. */
class MetersHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly name: string;
  readonly help: string;
  readonly #series: () => Iterable<LabelledMeters>;

  constructor(name: string, help: string, series: () => Iterable<LabelledMeters>) {
    this.name = name;
    this.help = help;
    this.#series = series;
  }

  async get() {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, meters: m } of this.#series()) {
      if (m.count === 0) {
        continue;
      }
      let cumulative = 0;
      for (let i = 0; i < LATENCY_BUCKETS.length; i++) {
        cumulative += m.buckets[i] as number;
        values.push({ value: cumulative, labels: { ...labels, le: String(LATENCY_BUCKETS[i]) }, metricName: bucket });
      }
      values.push(
        { value: m.count, labels: { ...labels, le: "+Inf" }, metricName: bucket },
        { value: m.sum, labels, metricName: `${this.name}_sum` },
        { value: m.count, labels, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}

/** A request counter by status class built from meters at scrape time. */
function metersCounter(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  series: () => Iterable<LabelledMeters>,
) {
  const counter: Counter<string> = new Counter({
    name,
    help,
    labelNames: [...labelNames, "status_class"],
    registers: [registry],
    collect: () => {
      counter.reset();
      for (const { labels, meters } of series()) {
        for (let i = 0; i < STATUS_CLASSES.length; i++) {
          const n = meters.requests[i] as number;
          if (n > 0) {
            counter.inc({ ...labels, status_class: STATUS_CLASSES[i] as string }, n);
          }
        }
      }
    },
  });
  return counter;
}

/** What the gateway's metrics read from its other parts at scrape time. */
export interface MetricSources {
  /** times the bus connection came back */
  reconnects(): number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #meters = new Map<string, RequestMeters>();
  /** `${tenant}\n${api}` → the API's meters; an API keeps its counts across bundle swaps */
  readonly #apiMeters = new Map<string, LabelledMeters>();
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

  constructor(sources: MetricSources) {
    const tenants = () => this.#tenantSeries();
    const apis = () => this.#apiMeters.values();
    metersCounter(
      this.registry,
      "portico_gateway_requests_total",
      "Requests handled, by tenant and status class",
      ["tenant"],
      tenants,
    );
    metersCounter(
      this.registry,
      "portico_gateway_api_requests_total",
      "Requests routed to an API (or API product), by tenant, API id and status class",
      ["tenant", "api"],
      apis,
    );
    // Not prom-client classes: registered in their metric shape (see MetersHistogram).
    for (const histogram of [
      new MetersHistogram(
        "portico_gateway_request_duration_seconds",
        "Time from request to the end of the response, by tenant",
        tenants,
      ),
      new MetersHistogram(
        "portico_gateway_api_request_duration_seconds",
        "Time from request to the end of the response, by tenant and API id",
        apis,
      ),
    ]) {
      this.registry.registerMetric(histogram as unknown as Metric);
    }
    const reconnects: Counter = new Counter({
      name: "portico_gateway_nats_reconnects_total",
      help: "Times the NATS connection came back after a loss",
      registers: [this.registry],
      collect: () => {
        reconnects.reset();
        reconnects.inc(sources.reconnects());
      },
    });
  }

  *#tenantSeries(): Iterable<LabelledMeters> {
    for (const [tenant, meters] of this.#meters) {
      yield { labels: { tenant }, meters };
    }
  }

  meters(tenantId: string): RequestMeters {
    let m = this.#meters.get(tenantId);
    if (m === undefined) {
      m = new RequestMeters();
      this.#meters.set(tenantId, m);
    }
    return m;
  }

  /** The meters of one API (or product) of a tenant, fetched once per bundle apply. */
  apiMeters(tenantId: string, apiId: string): RequestMeters {
    const key = `${tenantId}\n${apiId}`;
    let m = this.#apiMeters.get(key);
    if (m === undefined) {
      m = { labels: { tenant: tenantId, api: apiId }, meters: new RequestMeters() };
      this.#apiMeters.set(key, m);
    }
    return m.meters;
  }

  /** Drops the series of a tenant's APIs its new bundle no longer has, so series stay bounded. */
  retainApis(tenantId: string, apiIds: ReadonlySet<string>): void {
    for (const [key, m] of this.#apiMeters) {
      if (m.labels.tenant === tenantId && !apiIds.has(m.labels.api as string)) {
        this.#apiMeters.delete(key);
      }
    }
  }

  setBundleVersion(tenantId: string, version: number): void {
    this.#bundleVersion.labels(tenantId).set(version);
  }

  forgetTenant(tenantId: string): void {
    this.#bundleVersion.remove(tenantId);
    this.retainApis(tenantId, new Set());
  }
}
