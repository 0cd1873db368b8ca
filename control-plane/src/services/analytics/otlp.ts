import type { AnalyticsEvent } from "@portico/shared";

type AnyValue = { stringValue: string } | { intValue: string } | { doubleValue: number };
const attr = (key: string, value: string | number | null | undefined) =>
  value === null || value === undefined
    ? []
    : [
        {
          key,
          value: (typeof value === "string"
            ? { stringValue: value }
            : Number.isInteger(value)
              ? { intValue: String(value) }
              : { doubleValue: value }) satisfies AnyValue,
        },
      ];

/** OTLP severity: INFO below 400, WARN for 4xx, ERROR for 5xx. */
const severity = (status: number) =>
  status >= 500
    ? { severityNumber: 17, severityText: "ERROR" }
    : status >= 400
      ? { severityNumber: 13, severityText: "WARN" }
      : { severityNumber: 9, severityText: "INFO" };

/**
 * Events as an OTLP/HTTP JSON ExportLogsServiceRequest: one log record per request, grouped
 * by tenant and environment as resources, attributes after the OpenTelemetry HTTP conventions.
 */
export function otlpLogs(events: AnalyticsEvent[]) {
  const byResource = new Map<string, AnalyticsEvent[]>();
  for (const e of events) {
    const key = `${e.tenant}\u0000${e.environment}\u0000${e.gateway}`;
    byResource.set(key, [...(byResource.get(key) ?? []), e]);
  }
  return {
    resourceLogs: [...byResource.values()].map((group) => ({
      resource: {
        attributes: [
          ...attr("service.name", "portico-gateway"),
          ...attr("service.instance.id", group[0]!.gateway),
          ...attr("portico.tenant", group[0]!.tenant),
          ...attr("deployment.environment", group[0]!.environment),
        ],
      },
      scopeLogs: [
        {
          scope: { name: "portico.analytics", version: "1" },
          logRecords: group.map((e) => ({
            timeUnixNano: `${BigInt(e.time) * 1_000_000n}`,
            observedTimeUnixNano: `${BigInt(e.time) * 1_000_000n}`,
            ...severity(e.status),
            body: { stringValue: `${e.method} ${e.resource} ${e.status}` },
            attributes: [
              ...attr("portico.event.id", e.id),
              ...attr("portico.api", e.api),
              ...attr("portico.api.version", e.apiVersion),
              ...attr("portico.product", e.product),
              ...attr("portico.application", e.application),
              ...attr("portico.error.type", e.errorType),
              ...attr("http.request.method", e.method),
              ...attr("http.route", e.resource),
              ...attr("http.response.status_code", e.status),
              ...attr("http.request.body.size", e.bytesIn),
              ...attr("http.response.body.size", e.bytesOut),
              ...attr("portico.latency_ms", e.latencyMs),
              ...attr("portico.upstream_latency_ms", e.upstreamLatencyMs),
            ],
          })),
        },
      ],
    })),
  };
}
