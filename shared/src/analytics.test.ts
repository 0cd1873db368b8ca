import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { AnalyticsBatch, type AnalyticsEvent, type CompactBatch, EVENT_COLUMNS } from "./analytics.js";

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

const rowOf = (e: AnalyticsEvent) => [
  e.id,
  e.time,
  e.api,
  e.apiVersion,
  e.product ?? null,
  e.resource,
  e.method,
  e.status,
  e.latencyMs,
  e.upstreamLatencyMs,
  e.application,
  e.bytesIn,
  e.bytesOut,
  e.errorType,
];

describe("analytics batches", () => {
  it("a compact batch parses to the same events as the list of event objects", () => {
    const ws = { ...event, id: randomUUID(), product: "p1", framesIn: 3, framesOut: 4 };
    const parsed = AnalyticsBatch.parse(JSON.parse(JSON.stringify(compact([rowOf(event), [...rowOf(ws), 3, 4]]))));
    expect(parsed.events).toEqual([event, ws]);
    const listed = AnalyticsBatch.parse({ batchId: randomUUID(), events: [event, ws] });
    expect(listed.events).toEqual(parsed.events);
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

  it("a compact batch is less than half the bytes of the same events as objects", () => {
    const events = Array.from({ length: 100 }, () => ({ ...event, id: randomUUID() }));
    const asObjects = JSON.stringify({ batchId: randomUUID(), events }).length;
    const asRows = JSON.stringify(compact(events.map(rowOf))).length;
    expect(asRows).toBeLessThan(asObjects / 2);
  });
});
