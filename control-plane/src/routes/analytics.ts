import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  AnalyticsExporter,
  AnalyticsQuery,
  AnalyticsResponse,
  CreateAnalyticsExporterRequest,
  RollupQuery,
  RollupResponse,
  UpdateAnalyticsExporterRequest,
} from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import {
  createExporter,
  deleteExporter,
  getExporter,
  listExporters,
  updateExporter,
} from "../services/analytics/exporters.js";
import { queryRequests, queryRollups } from "../services/analytics/query.js";
import { bearer, guard, IdParams, json, jsonBody, problems, reply, replyNoContent } from "./_openapi.js";

const tags = ["Analytics"];
const read = guard("analytics:read");
const exporters = guard("analytics:export");

const routes = {
  requests: createRoute({
    method: "get",
    path: "/analytics/requests",
    tags,
    security: bearer,
    summary:
      "Request totals, a series, status classes and top APIs and applications: count, errors (status ≥ 400), latency percentiles in ms",
    ...read,
    request: { query: AnalyticsQuery },
    responses: { 200: json(AnalyticsResponse, "Totals and series"), ...problems(400, 401) },
  }),
  rollups: createRoute({
    method: "get",
    path: "/analytics/rollups",
    tags,
    security: bearer,
    summary:
      "Per-minute or per-hour rollups grouped by the given dimensions; percentiles from latency histograms, within 5% (+0.05 ms) of the exact ones",
    ...read,
    request: { query: RollupQuery },
    responses: { 200: json(RollupResponse, "Rollup rows, oldest first"), ...problems(400, 401) },
  }),
  createExporter: createRoute({
    method: "post",
    path: "/analytics/exporters",
    tags,
    security: bearer,
    summary:
      "Stream the tenant's events to a batched JSON webhook or an OTLP/HTTP logs collector, at least once, with event ids",
    ...exporters,
    request: jsonBody(CreateAnalyticsExporterRequest),
    responses: {
      201: json(AnalyticsExporter, "The exporter (its secret is never returned)"),
      ...problems(400, 401, 403),
    },
  }),
  listExporters: createRoute({
    method: "get",
    path: "/analytics/exporters",
    tags,
    security: bearer,
    summary: "The tenant's analytics exporters with their queue and last delivery",
    ...exporters,
    responses: { 200: json(z.array(AnalyticsExporter), "Exporters"), ...problems(401, 403) },
  }),
  getExporter: createRoute({
    method: "get",
    path: "/analytics/exporters/{id}",
    tags,
    security: bearer,
    summary: "One analytics exporter",
    ...exporters,
    request: { params: IdParams },
    responses: { 200: json(AnalyticsExporter, "The exporter"), ...problems(401, 403, 404) },
  }),
  updateExporter: createRoute({
    method: "patch",
    path: "/analytics/exporters/{id}",
    tags,
    security: bearer,
    summary: "Rename, re-point, pause (enabled:false) or change the secret of an exporter (secret:null removes it)",
    ...exporters,
    request: { params: IdParams, ...jsonBody(UpdateAnalyticsExporterRequest) },
    responses: { 200: json(AnalyticsExporter, "The exporter"), ...problems(400, 401, 403, 404) },
  }),
  deleteExporter: createRoute({
    method: "delete",
    path: "/analytics/exporters/{id}",
    tags,
    security: bearer,
    summary: "Remove an exporter and what it still had queued",
    ...exporters,
    request: { params: IdParams },
    responses: { 204: { description: "Removed" }, ...problems(401, 403, 404) },
  }),
};

export function registerAnalyticsRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.requests, async (c) =>
    reply(c, await queryRequests(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.rollups, async (c) =>
    reply(c, await queryRollups(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.createExporter, async (c) =>
    reply(c, await createExporter(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.listExporters, async (c) => reply(c, await listExporters(c.var.services, c.var.actor)));
  app.openapi(routes.getExporter, async (c) =>
    reply(c, await getExporter(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.updateExporter, async (c) =>
    reply(c, await updateExporter(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json"))),
  );
  app.openapi(routes.deleteExporter, async (c) =>
    replyNoContent(c, await deleteExporter(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
}
