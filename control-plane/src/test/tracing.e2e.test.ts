import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startTelemetry, type Telemetry } from "@portico/shared/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant } from "./harness.js";
import { application, publishedApi, served, startTestStack, type TestStack, until } from "./journey.js";

/** A span as OTLP/HTTP JSON carries it (ids in hex). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
}

/** A real OTLP/HTTP receiver: collects every span exported to `/v1/traces`. */
async function startOtlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        for (const rs of body.resourceSpans ?? []) {
          for (const ss of rs.scopeSpans ?? []) {
            spans.push(...(ss.spans ?? []));
          }
        }
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_PRODUCER = 4;
const SPAN_KIND_CONSUMER = 5;

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let telemetry: Telemetry;
let stack: TestStack;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // The exporter reads the standard variable; this test file runs in its own process.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  telemetry = (await startTelemetry({ serviceName: "portico-test" })) as Telemetry;
  expect(telemetry).not.toBeNull();
  stack = await startTestStack("tracing-gw");
});
afterAll(async () => {
  await stack?.close();
  await telemetry?.shutdown();
  await receiver?.close();
});

describe("tracing", () => {
  it("links client → gateway phases → upstream, deploy → bundle apply, and analytics publish → ingest", async () => {
    const { t, gw, upstream } = stack;
    const { token, slug } = await signupTenant(t.api);
    const { api } = await publishedApi(t, token, { context: "traced", upstreamUrl: upstream.url });
    const { key } = await application(t, token, api.id);
    const path = `/t/${slug}/traced/v1/items`;
    await served(gw, path, { "x-api-key": key });

    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const clientSpanId = "00f067aa0ba902b7";
    upstream.seen.length = 0;
    const res = await gw.call("GET", path, {
      headers: { "x-api-key": key, traceparent: `00-${traceId}-${clientSpanId}-01` },
    });
    expect(res.status).toBe(200);
    const upstreamParent = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(
      String(upstream.seen.at(-1)?.headers.traceparent),
    );
    expect(upstreamParent?.[1]).toBe(traceId);

    const spans = receiver.spans;
    const server = await until(async () => {
      await telemetry.flush();
      return spans.find((s) => s.traceId === traceId && s.kind === SPAN_KIND_SERVER);
    }, "the gateway's request span exported");
    expect(server.parentSpanId).toBe(clientSpanId);
    expect(server.name).toBe(`GET /t/${slug}/traced/v1`);
    const phases = spans.filter((s) => s.parentSpanId === server.spanId);
    expect(phases.map((s) => s.name)).toEqual(
      expect.arrayContaining(["route", "authenticate", "authorise", "rate-limit", "proxy", "respond"]),
    );
    // The upstream continues the trace under the gateway's proxy span, not the client's span.
    expect(upstreamParent?.[2]).toBe(phases.find((s) => s.name === "proxy")?.spanId);

    // The deployment's bundle: its apply on the gateway is a child of the KV publish.
    const apply = await until(async () => {
      await telemetry.flush();
      return spans.find((s) => s.name === "apply bundle" && s.parentSpanId !== undefined);
    }, "bundle apply span");
    const publish = spans.find((s) => s.spanId === apply.parentSpanId);
    expect(publish).toMatchObject({ kind: SPAN_KIND_PRODUCER, traceId: apply.traceId });
    expect(publish?.name).toMatch(/^publish .*bundles/);
    expect(apply.kind).toBe(SPAN_KIND_CONSUMER);

    // Analytics batches: the control plane's ingest is a child of the gateway's publish.
    const ingest = await until(async () => {
      await telemetry.flush();
      return spans.find((s) => s.name.startsWith("process ") && s.parentSpanId !== undefined);
    }, "analytics ingest span");
    expect(spans.find((s) => s.spanId === ingest.parentSpanId)).toMatchObject({
      kind: SPAN_KIND_PRODUCER,
      name: "publish",
      traceId: ingest.traceId,
    });

    // Control-plane requests are server spans named by route pattern.
    expect(spans.map((s) => s.name)).toContain("POST /api/v1/apis/:id/deployments");
  });
});
