import { z } from "zod";
import { HttpMethod } from "../../bundle/methods.js";
import { policyBase } from "../base.js";

const Origin = z.union([
  z.literal("*"),
  z.string().regex(/^https?:\/\/[^/\s]+$/, "an origin such as https://app.example.com"),
]);
const HeaderToken = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, "an HTTP header name");

export const CorsConfig = z
  .object({
    allowOrigins: z.array(Origin).min(1).meta({ description: "Origins allowed to call from a browser; * for any." }),
    allowMethods: z.array(HttpMethod).default(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
    allowHeaders: z.array(HeaderToken).default(["authorization", "content-type", "x-api-key"]),
    exposeHeaders: z.array(HeaderToken).default([]),
    allowCredentials: z.boolean().default(false),
    maxAgeS: z.number().int().min(0).max(86_400).default(600),
  })
  .refine((c) => !(c.allowCredentials && c.allowOrigins.includes("*")), {
    message: "credentials cannot be allowed for any origin (*)",
    path: ["allowCredentials"],
  });

/** Answers preflights before authentication and adds the CORS headers to every response. */
export const CorsPolicy = z.object({
  kind: z.literal("cors"),
  ...policyBase,
  config: CorsConfig,
});
