import { randomUUID } from "node:crypto";
import { type Hook, OpenAPIHono } from "@hono/zod-openapi";
import { type ProblemCode, zodIssues } from "@portico/shared";
import { contextFromHeaders, endSpan, SpanKind, type Tracer } from "@portico/shared/telemetry";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { routePath } from "hono/route";
import type { JSONWebKeySet } from "jose";
import type { Logger } from "pino";
import type { AppEnv } from "./http/env.js";
import type { Metrics } from "./http/metrics.js";
import { sendProblem } from "./http/problem.js";
import { registerAnalyticsRoutes } from "./routes/analytics.js";
import { registerApiRoutes } from "./routes/apis.js";
import { registerApplicationRoutes } from "./routes/applications.js";
import { registerAuditRoutes } from "./routes/audit.js";
import { registerAuthRoutes } from "./routes/auth.js";
import { registerCatalogRoutes } from "./routes/catalog.js";
import { registerDeploymentRoutes } from "./routes/deployments.js";
import { registerEnvironmentRoutes } from "./routes/environments.js";
import { registerIssuerKeyRoutes } from "./routes/issuer-keys.js";
import { registerOAuthRoutes } from "./routes/oauth.js";
import { registerPortalRoutes } from "./routes/portal.js";
import { registerProductRoutes } from "./routes/products.js";
import { registerRegistrationRoutes } from "./routes/registration.js";
import { registerUserRoutes } from "./routes/users.js";
import { registerWebhookRoutes } from "./routes/webhooks.js";
import type { Services } from "./services/context.js";

const MAX_BODY_BYTES = 4 * 1024 * 1024;

const STATUS_CODES: Record<number, ProblemCode> = {
  400: "validation-failed",
  401: "unauthorized",
  403: "forbidden",
  404: "not-found",
  405: "method-not-allowed",
  413: "payload-too-large",
  415: "unsupported-media-type",
};

export interface AppDeps {
  services: Services;
  log: Logger;
  metrics: Metrics;
  /** Read on every request: a rotation changes it. */
  bundleKeys: () => JSONWebKeySet;
  ready: () => Promise<boolean>;
  /** null: tracing is off */
  tracer: Tracer | null;
}

/** A server span per request, continuing the caller's `traceparent`; handlers run inside it. */
async function traced(tracer: Tracer, c: Context<AppEnv>, next: () => Promise<void>): Promise<void> {
  await tracer.startActiveSpan(
    c.req.method,
    {
      kind: SpanKind.SERVER,
      attributes: { "http.request.method": c.req.method, "portico.request_id": c.var.requestId },
    },
    contextFromHeaders(c.req.header()),
    async (span) => {
      try {
        await next();
        const route = routePath(c, -1);
        span.updateName(`${c.req.method} ${route}`);
        span.setAttributes({ "http.route": route, "http.response.status_code": c.res.status });
        endSpan(span, c.error);
      } catch (error) {
        endSpan(span, error);
        throw error;
      }
    },
  );
}

export function newApp(deps: AppDeps) {
  const defaultHook: Hook<unknown, AppEnv, string, Response | undefined> = (result, c) =>
    result.success
      ? undefined
      : sendProblem(c, "validation-failed", "the request is not valid", zodIssues(result.error));
  const app = new OpenAPIHono<AppEnv>({ defaultHook });

  app.use("*", async function context(c, next) {
    const started = performance.now();
    const incoming = c.req.header("x-request-id");
    const requestId = incoming && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    c.set("requestId", requestId);
    c.set("services", deps.services);
    c.header("X-Request-Id", requestId);
    await (deps.tracer === null ? next() : traced(deps.tracer, c, next));
    const { method } = c.req;
    const route = routePath(c, -1);
    const status = c.res.status;
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.requests.inc({ method, route, status: String(status) });
    deps.metrics.latency.observe({ method, route }, seconds);
    deps.log.info({ requestId, method, route, status, ms: Math.round(seconds * 1e6) / 1e3 }, "request");
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: (c) => sendProblem(c, "payload-too-large", `bodies are limited to ${MAX_BODY_BYTES} bytes`),
    }),
  );

  // Clients often send `Content-Type: application/json` with no body on body-less POSTs
  // (e.g. creating an API key); that is "no body", not malformed JSON.
  app.use("*", async function emptyJsonBody(c, next) {
    if (c.req.header("content-length") === "0" && c.req.header("content-type")) {
      const headers = new Headers(c.req.raw.headers);
      headers.delete("content-type");
      c.req.raw = new Request(c.req.raw.url, { method: c.req.method, headers });
    }
    await next();
  });

  app.onError((error, c) => {
    if (error instanceof HTTPException && STATUS_CODES[error.status]) {
      return sendProblem(c, STATUS_CODES[error.status]!, error.message || undefined);
    }
    deps.log.error({ err: error, requestId: c.var.requestId, path: c.req.path }, "unhandled error");
    return sendProblem(c, "internal", `see request ${c.var.requestId ?? ""} in the logs`);
  });
  app.notFound((c) => sendProblem(c, "not-found", `no route for ${c.req.method} ${c.req.path}`));

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) =>
    (await deps.ready()) ? c.json({ status: "ready" }) : sendProblem(c, "not-ready", "database or bus unreachable"),
  );
  app.get("/metrics", async (c) =>
    c.body(await deps.metrics.registry.metrics(), 200, { "content-type": deps.metrics.registry.contentType }),
  );
  app.get("/.well-known/portico/bundle-keys", (c) => c.json(deps.bundleKeys()));
  registerOAuthRoutes(app);

  const v1 = new OpenAPIHono<AppEnv>({ defaultHook });
  v1.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
  });
  registerAuthRoutes(v1);
  registerApiRoutes(v1);
  registerDeploymentRoutes(v1);
  registerProductRoutes(v1);
  registerEnvironmentRoutes(v1);
  registerRegistrationRoutes(v1);
  registerApplicationRoutes(v1);
  registerCatalogRoutes(v1);
  registerAnalyticsRoutes(v1);
  registerAuditRoutes(v1);
  registerUserRoutes(v1);
  registerWebhookRoutes(v1);
  registerIssuerKeyRoutes(v1);
  registerPortalRoutes(v1);
  v1.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Portico control plane",
      version: "1",
      description: "Tenant REST API. Errors are application/problem+json (RFC 9457).",
    },
    servers: [{ url: `${deps.services.publicUrl}/api/v1` }],
  });
  app.route("/api/v1", v1);
  return app;
}
