import { z } from "zod";
import { HeaderName, policyBase } from "../base.js";

export const RateLimitBy = z.enum(["subscription", "application", "api", "ip", "header"]);

export const RateLimitConfig = z
  .object({
    by: RateLimitBy.default("application").meta({
      description:
        "What one bucket counts: the subscription (limit from its tier), the calling application, the whole API, the client IP, or a header's value.",
    }),
    limit: z.number().int().positive().optional().meta({ description: "Requests allowed per window." }),
    windowMs: z
      .number()
      .int()
      .min(1_000)
      .max(86_400_000)
      .default(60_000)
      .meta({ description: "Window length in milliseconds." }),
    header: HeaderName.optional().meta({ description: "With `by: header`, the header whose value is counted." }),
    websocketFrames: z.enum(["close", "drop"]).optional().meta({
      description:
        "WebSocket messages from the client count as requests; past the limit the connection is closed with 1008 (close, the default) or the message is dropped (drop).",
    }),
    shared: z.boolean().default(false).meta({
      description:
        "Count across every gateway of the environment (fixed windows, counts exchanged over NATS every 100 ms) instead of per gateway (token bucket).",
    }),
  })
  .superRefine((c, ctx) => {
    if (c.by === "subscription") {
      if (c.limit !== undefined) {
        ctx.addIssue({ code: "custom", path: ["limit"], message: "the subscription's tier sets the limit" });
      }
      if (c.shared) {
        ctx.addIssue({ code: "custom", path: ["shared"], message: "tier limits are counted per gateway" });
      }
    } else if (c.limit === undefined) {
      ctx.addIssue({ code: "custom", path: ["limit"], message: `required with by: ${c.by}` });
    }
    if ((c.by === "header") !== (c.header !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["header"], message: "set header exactly when by is header" });
    }
  });
export type RateLimitConfig = z.infer<typeof RateLimitConfig>;

/** Token bucket: `limit` requests per `windowMs`, refilled continuously; 429 with Retry-After past it. */
export const RateLimitPolicy = z.object({
  kind: z.literal("rate-limit"),
  ...policyBase,
  config: RateLimitConfig,
});
