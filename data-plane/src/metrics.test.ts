import { describe, expect, it } from "vitest";
import { GatewayMetrics } from "./metrics.js";

describe("gateway metrics", () => {
  it("build per-API series from plain counts at scrape, and drop the APIs a bundle no longer has", async () => {
    let reconnects = 0;
    const metrics = new GatewayMetrics({ reconnects: () => reconnects });
    metrics.apiMeters("t1", "api-a").record(1, 0.003);
    metrics.apiMeters("t1", "api-a").record(3, 0.2);
    metrics.apiMeters("t1", "api-b").record(1, 0.01);
    reconnects = 2;
    const text = await metrics.registry.metrics();
    expect(text).toContain('portico_gateway_api_requests_total{tenant="t1",api="api-a",status_class="2xx"} 1');
    expect(text).toContain('portico_gateway_api_requests_total{tenant="t1",api="api-a",status_class="4xx"} 1');
    expect(text).toContain('portico_gateway_api_request_duration_seconds_bucket{tenant="t1",api="api-a",le="0.005"} 1');
    expect(text).toContain('portico_gateway_api_request_duration_seconds_count{tenant="t1",api="api-a"} 2');
    expect(text).toContain("portico_gateway_nats_reconnects_total 2");

    metrics.retainApis("t1", new Set(["api-a"]));
    const after = await metrics.registry.metrics();
    expect(after).toContain('api="api-a"');
    expect(after).not.toContain('api="api-b"');
  });
});
