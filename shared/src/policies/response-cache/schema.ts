import { z } from "zod";
import { HeaderName, policyBase } from "../base.js";

export const ResponseCacheConfig = z.object({
  ttlSeconds: z.number().int().min(1).max(86_400).default(60).meta({
    description: "How long an answer is served from the cache when the upstream's Cache-Control gives no max-age.",
  }),
  varyHeaders: z
    .array(HeaderName)
    .max(10)
    .default([])
    .meta({ description: "Request headers whose values are part of the cache key (besides method, path, query)." }),
  perApplication: z
    .boolean()
    .default(false)
    .meta({ description: "Keep one entry per calling application, for answers that differ by caller." }),
  maxEntryBytes: z
    .number()
    .int()
    .positive()
    .max(16 * 1024 * 1024)
    .default(1024 * 1024)
    .meta({ description: "Larger answers pass through uncached." }),
});

/**
 * Serves GET and HEAD from an in-memory cache of the upstream's 200 answers, after
 * authentication, authorisation and rate limits ran (a cached answer never skips them).
 */
export const ResponseCachePolicy = z.object({
  kind: z.literal("response-cache"),
  ...policyBase,
  config: ResponseCacheConfig,
});
