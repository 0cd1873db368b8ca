import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  AnalyticsBatch,
  type AnalyticsEvent,
  type CompactBatch,
  DICTIONARY_POSITIONS,
  EVENT_COLUMNS,
} from "./analytics.js";

const event: AnalyticsEvent = {
  id: randomUUID(),
  time: 1_700_000_000_000,
  tenant: "t1",
  environment: "default",
  gateway: "gw-1",
  api: "a1",
  apiVersion: "v1",
  resource: "/pets/{id}",
  method: "GET",
  status: 200,
  latencyMs: 0.412,
  upstreamLatencyMs: 0.3,
  application: "app-1",
  bytesIn: 0,
  bytesOut: 153,
  errorType: null,
};

const compact = (rows: unknown[][], columns: readonly string[] = EVENT_COLUMNS): CompactBatch => ({
  batchId: randomUUID(),
  tenant: "t1",
  environment: "default",
  gateway: "gw-1",
  columns,
  rows,
});

/** A row as gateways write it: latencies in whole microseconds, texts inline. */
const rowOf = (e: AnalyticsEvent) => [
  e.id,
  e.time,
  e.api,
  e.apiVersion,
  e.product ?? null,
  e.resource,
  e.method,
  e.status,
  Math.round(e.latencyMs * 1000),
  e.upstreamLatencyMs === null ? null : Math.round(e.upstreamLatencyMs * 1000),
  e.application,
  e.bytesIn,
  e.bytesOut,
  e.errorType,
];

/** The same row with its texts as indexes into `strings`, as the shipper sends it. */
function withStrings(rows: unknown[][]): { rows: unknown[][]; strings: string[] } {
  const strings: string[] = [];
  const indexed = rows.map((row) =>
    row.map((cell, i) => {
      if (typeof cell !== "string" || !DICTIONARY_POSITIONS.includes(i)) {
        return cell;
      }
      const known = strings.indexOf(cell);
      return known >= 0 ? known : strings.push(cell) - 1;
    }),
  );
  return { rows: indexed, strings };
}

/** Columns of the gateways before microsecond latencies and `strings`. */
const EARLIER_COLUMNS = EVENT_COLUMNS.map((c) =>
  c === "latencyUs" ? "latencyMs" : c === "upstreamLatencyUs" ? "upstreamLatencyMs" : c,
);
const earlierRowOf = (e: AnalyticsEvent) => {
  const row = rowOf(e);
  row[8] = e.latencyMs;
  row[9] = e.upstreamLatencyMs;
  return row;
};

describe("analytics batches", () => {
  it("a compact batch parses to the same events as the list of event objects", () => {
    const ws = { ...event, id: randomUUID(), product: "p1", framesIn: 3, framesOut: 4 };
    const parsed = AnalyticsBatch.parse(JSON.parse(JSON.stringify(compact([rowOf(event), [...rowOf(ws), 3, 4]]))));
    expect(parsed.events).toEqual([event, ws]);
    const listed = AnalyticsBatch.parse({ batchId: randomUUID(), events: [event, ws] });
    expect(listed.events).toEqual(parsed.events);
    const earlier = AnalyticsBatch.parse(compact([earlierRowOf(event), [...earlierRowOf(ws), 3, 4]], EARLIER_COLUMNS));
    expect(earlier.events).toEqual(parsed.events);
  });

  it("texts given as indexes into the batch's strings read as the texts, and a bad index is refused", () => {
    const other = { ...event, id: randomUUID(), api: "a2", application: null, errorType: "bad-gateway", status: 502 };
    const { rows, strings } = withStrings([rowOf(event), rowOf(other), rowOf({ ...event, id: randomUUID() })]);
    expect(strings).toEqual(["a1", "v1", "/pets/{id}", "GET", "app-1", "a2", "bad-gateway"]);
    const parsed = AnalyticsBatch.parse(JSON.parse(JSON.stringify({ ...compact(rows), strings })));
    expect(parsed.events.map((e) => [e.api, e.application, e.errorType, e.resource])).toEqual([
      ["a1", "app-1", null, "/pets/{id}"],
      ["a2", null, "bad-gateway", "/pets/{id}"],
      ["a1", "app-1", null, "/pets/{id}"],
    ]);
    const pastTheEnd = rows.map((r) => r.with(2, strings.length));
    expect(AnalyticsBatch.safeParse({ ...compact(pastTheEnd), strings }).success).toBe(false);
    expect(AnalyticsBatch.safeParse(compact(rows)).success).toBe(false);
    // Only text columns are looked up: a status stays the number it is.
    expect(AnalyticsBatch.parse({ ...compact(rows), strings }).events[1]?.status).toBe(502);
  });

  it("columns a gateway adds later are ignored, and a row missing a required field is refused", () => {
    const newer = AnalyticsBatch.parse(compact([[...rowOf(event), null, null, "extra"]], [...EVENT_COLUMNS, "later"]));
    expect(newer.events).toEqual([event]);
    const sneaky = AnalyticsBatch.parse(compact([[...rowOf(event), null, null, "t2"]], [...EVENT_COLUMNS, "tenant"]));
    expect(sneaky.events[0]?.tenant).toBe("t1");
    expect(AnalyticsBatch.safeParse(compact([rowOf(event).slice(0, 5)])).success).toBe(false);
    expect(
      AnalyticsBatch.safeParse(compact([[...rowOf(event).slice(0, 7), "200", ...rowOf(event).slice(8)]])).success,
    ).toBe(false);
    expect(AnalyticsBatch.safeParse({ ...compact([]), rows: "none" }).success).toBe(false);
  });

  it("a compact batch is less than half the bytes of the same events as objects, a third with strings", () => {
    const events = Array.from({ length: 100 }, () => ({ ...event, id: randomUUID() }));
    const asObjects = JSON.stringify({ batchId: randomUUID(), events }).length;
    const asRows = JSON.stringify(compact(events.map(rowOf))).length;
    expect(asRows).toBeLessThan(asObjects / 2);
    const indexed = withStrings(events.map(rowOf));
    const asIndexedRows = JSON.stringify({ ...compact(indexed.rows), strings: indexed.strings }).length;
    expect(asIndexedRows).toBeLessThan(asObjects / 3);
  });
});
