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

/** What travels as one JetStream message: a batch of one tenant's events. */
export const AnalyticsBatch = z.object({ batchId: z.uuid(), events: z.array(AnalyticsEvent) });
export type AnalyticsBatch = z.infer<typeof AnalyticsBatch>;
