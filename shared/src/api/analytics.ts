import { z } from "zod";

/** REST contract of the analytics calls (ARCHITECTURE §8): queries, rollups and exporters. */

export const RollupGranularity = z.enum(["minute", "hour"]);
export type RollupGranularity = z.infer<typeof RollupGranularity>;

export const StatusClass = z.enum(["1xx", "2xx", "3xx", "4xx", "5xx"]);
export type StatusClass = z.infer<typeof StatusClass>;

/** What rollups can be grouped by; each is also a filter of every analytics query. */
export const AnalyticsDimension = z.enum([
  "api",
  "product",
  "application",
  "resource",
  "statusClass",
  "gateway",
  "environment",
]);
export type AnalyticsDimension = z.infer<typeof AnalyticsDimension>;

const AnalyticsFilters = {
  apiId: z.string().optional(),
  productId: z.string().optional().meta({ description: "only requests through this API product" }),
  applicationId: z.string().optional(),
  resource: z.string().max(500).optional().meta({ description: "the resource path as the gateway matched it" }),
  statusClass: StatusClass.optional(),
  gatewayId: z.string().max(128).optional(),
  environment: z.string().max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
};

export const AnalyticsQuery = z.object(AnalyticsFilters);
export type AnalyticsQuery = z.infer<typeof AnalyticsQuery>;

const Stats = z.object({
  count: z.number().int(),
  errors: z.number().int(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
const Top = z.object({ count: z.number().int(), errors: z.number().int() });
const ranked = (what: string) =>
  z
    .string()
    .nullable()
    .meta({ description: `the ${what}'s name; null for none, or when it was deleted since` });
export const AnalyticsResponse = z
  .object({
    from: z.string(),
    to: z.string(),
    totals: Stats,
    series: z.array(Stats.extend({ minute: z.string().meta({ description: "start of the series bucket" }) })),
    source: z.enum(["raw", "minute", "hour"]).meta({
      description:
        "raw: exact percentiles from the events, series per minute; minute/hour: the range reaches past raw retention, so percentiles come from rollup histograms and the series has that step",
    }),
    statusClasses: z.record(StatusClass, z.number().int()),
    topApis: z.array(Top.extend({ apiId: z.string().nullable(), name: ranked("API, with its version") })),
    topApplications: z.array(Top.extend({ applicationId: z.string().nullable(), name: ranked("application") })),
  })
  .meta({ id: "AnalyticsRequests" });

const dimensionList = new RegExp(
  `^(${AnalyticsDimension.options.join("|")})(,(${AnalyticsDimension.options.join("|")}))*$`,
);
export const RollupQuery = z.object({
  ...AnalyticsFilters,
  granularity: RollupGranularity.default("minute"),
  groupBy: z
    .string()
    .regex(dimensionList, `comma-separated, of ${AnalyticsDimension.options.join(", ")}`)
    .optional()
    .meta({ description: "dimensions to group by besides the time bucket, e.g. `api,statusClass`" }),
  limit: z.coerce.number().int().min(1).max(10_000).default(1000),
});
export type RollupQuery = z.infer<typeof RollupQuery>;

export const RollupRow = z
  .object({
    bucket: z.string(),
    api: z.string().nullable().optional(),
    product: z.string().nullable().optional(),
    application: z.string().nullable().optional(),
    resource: z.string().optional(),
    statusClass: StatusClass.optional(),
    gateway: z.string().optional(),
    environment: z.string().optional(),
    count: z.number().int(),
    errors: z.number().int(),
    bytesIn: z.number().int(),
    bytesOut: z.number().int(),
    latency: z.object({
      avg: z.number(),
      max: z.number(),
      p50: z.number().nullable(),
      p95: z.number().nullable(),
      p99: z.number().nullable(),
    }),
  })
  .meta({ id: "AnalyticsRollupRow" });
export const RollupResponse = z
  .object({
    granularity: RollupGranularity,
    from: z.string(),
    to: z.string(),
    groupBy: z.array(AnalyticsDimension),
    rows: z.array(RollupRow),
    truncated: z.boolean().meta({ description: "more rows matched than `limit`" }),
  })
  .meta({ id: "AnalyticsRollups" });

export const AnalyticsExporterKind = z.enum(["webhook", "otlp"]);
export type AnalyticsExporterKind = z.infer<typeof AnalyticsExporterKind>;

const ExporterSecret = z
  .object({
    header: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,100}$/)
      .meta({ description: "header that carries it, e.g. authorization or x-moesif-application-id" }),
    value: z.string().min(1).max(4000),
  })
  .strict()
  .meta({ description: "sent with every delivery; stored encrypted, never returned" });

export const CreateAnalyticsExporterRequest = z
  .object({
    name: z.string().trim().min(1).max(100),
    kind: AnalyticsExporterKind.meta({
      description: "webhook: POST {events:[…]} batches; otlp: OTLP/HTTP JSON logs to {url}/v1/logs",
    }),
    url: z.url({ protocol: /^https?$/ }).max(2000),
    secret: ExporterSecret.optional(),
    enabled: z.boolean().default(true),
  })
  .strict()
  .meta({ id: "CreateAnalyticsExporterRequest" });

export const UpdateAnalyticsExporterRequest = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    url: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .optional(),
    secret: ExporterSecret.nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .strict()
  .meta({ id: "UpdateAnalyticsExporterRequest" });

export const AnalyticsExporter = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: AnalyticsExporterKind,
    url: z.string(),
    secretHeader: z.string().nullable().meta({ description: "the header of the secret, if one is set" }),
    enabled: z.boolean(),
    pendingBatches: z.number().int(),
    failedBatches: z.number().int(),
    lastDeliveredAt: z.string().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: "AnalyticsExporter" });
