import { z } from "zod";

/** One event per request through a gateway. `id` makes ingest idempotent. */
export const AnalyticsEvent = z.object({
  id: z.uuid(),
  /** epoch milliseconds when the request arrived */
  time: z.number().int(),
  tenant: z.string(),
  environment: z.string(),
  gateway: z.string(),
  api: z.string().nullable(),
  apiVersion: z.string().nullable(),
  /** the API product the request came through; `api` is then the API owning the resource */
  product: z.string().optional(),
  resource: z.string(),
  method: z.string(),
  status: z.number().int(),
  latencyMs: z.number().nonnegative(),
  upstreamLatencyMs: z.number().nonnegative().nullable(),
  application: z.string().nullable(),
  bytesIn: z.number().int().nonnegative(),
  bytesOut: z.number().int().nonnegative(),
  errorType: z.string().nullable(),
  /** WebSocket messages relayed client → upstream and upstream → client, on a connection's event */
  framesIn: z.number().int().nonnegative().optional(),
  framesOut: z.number().int().nonnegative().optional(),
});
export type AnalyticsEvent = z.infer<typeof AnalyticsEvent>;

const EventList = z.object({ batchId: z.uuid(), events: z.array(AnalyticsEvent) });

/**
 * The columns of a compact batch's rows, in this order. A row may stop after `errorType`
 * (the frame counts are only on WebSocket events); null in `product` means none. Latencies
 * are whole microseconds (`latencyUs`: an integer serialises faster than a number with a
 * fraction), and a text column's cell may be an index into the
 * batch's `strings`. Batches of earlier gateways use `latencyMs`/`upstreamLatencyMs` and no
 * `strings`; both read the same.
 */
export const EVENT_COLUMNS = [
  "id",
  "time",
  "api",
  "apiVersion",
  "product",
  "resource",
  "method",
  "status",
  "latencyUs",
  "upstreamLatencyUs",
  "application",
  "bytesIn",
  "bytesOut",
  "errorType",
  "framesIn",
  "framesOut",
] as const;
export type EventRow = unknown[];

/** Text columns whose cells a batch may give as an index into its `strings`: the values that repeat. */
const DICTIONARY_COLUMNS: ReadonlySet<string> = new Set([
  "api",
  "apiVersion",
  "product",
  "resource",
  "method",
  "application",
  "errorType",
]);
/** Positions in `EVENT_COLUMNS` of the columns that may be given as an index into `strings`. */
export const DICTIONARY_POSITIONS: readonly number[] = EVENT_COLUMNS.flatMap((c, i) =>
  DICTIONARY_COLUMNS.has(c) ? [i] : [],
);
/** Latency columns in whole microseconds, and the event field each fills in milliseconds. */
const MICROSECOND_COLUMNS: ReadonlyMap<string, keyof AnalyticsEvent> = new Map([
  ["latencyUs", "latencyMs"],
  ["upstreamLatencyUs", "upstreamLatencyMs"],
]);

/** Fields a row leaves out with null rather than carrying as null. */
const OMITTED_WHEN_NULL: ReadonlySet<string> = new Set(["product", "framesIn", "framesOut"]);
/** Only these are read from a row: a column named after a batch field (tenant…) is ignored. */
const KNOWN_COLUMNS: ReadonlySet<string> = new Set([...EVENT_COLUMNS, "latencyMs", "upstreamLatencyMs"] satisfies (
  | keyof AnalyticsEvent
  | (typeof EVENT_COLUMNS)[number]
)[]);

/**
 * What gateways publish: one tenant's events with what they share (tenant, environment,
 * gateway) said once and each event a row under `columns`. Less than half the bytes of the
 * same events as objects, and that much less to serialise, send and store per request.
 */
export const CompactBatch = z.object({
  batchId: z.uuid(),
  tenant: z.string(),
  environment: z.string(),
  gateway: z.string(),
  columns: z.array(z.string()).max(64).readonly(),
  /** the batch's repeated texts, which the rows' text cells may give by index */
  strings: z.array(z.string()).optional(),
  rows: z.array(z.array(z.unknown())),
});

function expand(b: z.infer<typeof CompactBatch>): { batchId: string; events: Record<string, unknown>[] } {
  const events = b.rows.map((row) => {
    const e: Record<string, unknown> = { tenant: b.tenant, environment: b.environment, gateway: b.gateway };
    const n = Math.min(row.length, b.columns.length);
    for (let i = 0; i < n; i++) {
      const column = b.columns[i] as string;
      let value = row[i];
      if (!KNOWN_COLUMNS.has(column) || (value === null && OMITTED_WHEN_NULL.has(column))) {
        continue;
      }
      if (typeof value === "number" && DICTIONARY_COLUMNS.has(column)) {
        // An index past the end stays a number, which the event's schema refuses.
        value = b.strings?.[value] ?? value;
      }
      const milliseconds = MICROSECOND_COLUMNS.get(column);
      if (milliseconds === undefined) {
        e[column] = value;
      } else {
        e[milliseconds] = typeof value === "number" ? value / 1000 : value;
      }
    }
    return e;
  });
  return { batchId: b.batchId, events };
}

/**
 * What travels as one JetStream message: a batch of one tenant's events, either compact (as
 * gateways publish it) or as a list of event objects (as earlier gateways did); parsing
 * gives the list either way.
 */
export const AnalyticsBatch = z.union([EventList, CompactBatch.transform(expand).pipe(EventList)]);
export type AnalyticsBatch = z.infer<typeof AnalyticsBatch>;
export type CompactBatch = z.infer<typeof CompactBatch>;
