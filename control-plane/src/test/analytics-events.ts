import { randomUUID } from "node:crypto";
import type { AnalyticsEvent } from "@portico/shared";
import type { TestControlPlane } from "./harness.js";

/** A gateway's event for one request, as the shipper sends it. */
export const analyticsEvent = (tenant: string, over: Partial<AnalyticsEvent> = {}): AnalyticsEvent => ({
  id: randomUUID(),
  time: Date.now(),
  tenant,
  environment: "default",
  gateway: "gw-test",
  api: null,
  apiVersion: null,
  resource: "/x",
  method: "GET",
  status: 200,
  latencyMs: 10,
  upstreamLatencyMs: 8,
  application: null,
  bytesIn: 0,
  bytesOut: 10,
  errorType: null,
  ...over,
});

/** Publishes events on the tenant's analytics subject in batches, as gateways do. */
export async function shipEvents(t: TestControlPlane, tenantId: string, events: AnalyticsEvent[], batch = 500) {
  const subject = t.names.analyticsSubject("default", tenantId);
  for (let i = 0; i < events.length; i += batch) {
    const b = { batchId: randomUUID(), events: events.slice(i, i + batch) };
    await t.bus.streamPublish(subject, JSON.stringify(b), b.batchId);
  }
}
