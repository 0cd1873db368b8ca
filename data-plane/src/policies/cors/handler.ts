import type { CorsConfig } from "@portico/shared/policies";
import type { z } from "zod";
import { ANSWERED, PASS, type PolicyDeps, type PolicyHandler } from "../types.js";

/**
 * Preflights (OPTIONS with Origin and Access-Control-Request-Method) are answered here with
 * 204, before authentication, since browsers send them without credentials. Other requests
 * from an allowed origin get Access-Control-Allow-Origin (and friends) on their response,
 * errors included; a disallowed origin gets no CORS headers, which the browser enforces.
 */
export function createCorsHandler(config: z.infer<typeof CorsConfig>, _deps: PolicyDeps): PolicyHandler {
  const any = config.allowOrigins.includes("*");
  const origins = new Set(config.allowOrigins);
  const methods = config.allowMethods.join(", ");
  const allowHeaders = config.allowHeaders.join(", ");
  const expose = config.exposeHeaders.join(", ");
  const maxAge = String(config.maxAgeS);
  const credentials = config.allowCredentials;
  return {
    onRequest(ex) {
      const origin = ex.req.headers.origin;
      if (origin === undefined || !(any || origins.has(origin))) {
        return PASS;
      }
      const allowOrigin = any && !credentials ? "*" : origin;
      const headers = ["access-control-allow-origin", allowOrigin, "vary", "Origin"];
      if (credentials) {
        headers.push("access-control-allow-credentials", "true");
      }
      if (ex.req.method === "OPTIONS" && ex.req.headers["access-control-request-method"] !== undefined) {
        headers.push(
          "access-control-allow-methods",
          methods,
          "access-control-allow-headers",
          allowHeaders,
          "access-control-max-age",
          maxAge,
        );
        ex.status = 204;
        ex.res.writeHead(204, [...headers, "x-request-id", ex.requestId, "content-length", "0"]);
        ex.res.end();
        return ANSWERED;
      }
      if (expose !== "") {
        headers.push("access-control-expose-headers", expose);
      }
      ex.responseHeaders = ex.responseHeaders === null ? headers : [...ex.responseHeaders, ...headers];
      return PASS;
    },
  };
}
