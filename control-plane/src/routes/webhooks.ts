import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreatedWebhook, CreateWebhookRequest, Webhook, WebhookDelivery } from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { PageQuery } from "../services/pagination.js";
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks } from "../services/webhooks.js";
import {
  bearer,
  guard,
  IdParams,
  json,
  jsonBody,
  pageHeaders,
  problems,
  reply,
  replyNoContent,
  replyPage,
} from "./_openapi.js";

const tags = ["Webhooks"];
const manage = guard("webhooks:manage");

const routes = {
  create: createRoute({
    method: "post",
    path: "/webhooks",
    tags,
    security: bearer,
    summary:
      "Register a URL for events (audit actions: api.lifecycle, subscription.*, deployment.*, …); deliveries are signed with the returned secret",
    ...manage,
    request: jsonBody(CreateWebhookRequest),
    responses: { 201: json(CreatedWebhook, "The webhook and its signing secret"), ...problems(400, 401, 403) },
  }),
  list: createRoute({
    method: "get",
    path: "/webhooks",
    tags,
    security: bearer,
    summary: "Registered webhooks",
    ...manage,
    request: { query: PageQuery },
    responses: { 200: { ...json(z.array(Webhook), "Webhooks"), headers: pageHeaders }, ...problems(400, 401, 403) },
  }),
  remove: createRoute({
    method: "delete",
    path: "/webhooks/{id}",
    tags,
    security: bearer,
    summary: "Remove a webhook",
    ...manage,
    request: { params: IdParams },
    responses: { 204: { description: "Removed" }, ...problems(401, 403, 404) },
  }),
  deliveries: createRoute({
    method: "get",
    path: "/webhooks/{id}/deliveries",
    tags,
    security: bearer,
    summary: "The last 100 deliveries with their status",
    ...manage,
    request: { params: IdParams },
    responses: { 200: json(z.array(WebhookDelivery), "Deliveries, newest first"), ...problems(401, 403, 404) },
  }),
};

export function registerWebhookRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.create, async (c) =>
    reply(c, await createWebhook(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.list, async (c) =>
    replyPage(c, await listWebhooks(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.remove, async (c) => {
    return replyNoContent(c, await deleteWebhook(c.var.services, c.var.actor, c.req.valid("param").id));
  });
  app.openapi(routes.deliveries, async (c) =>
    reply(c, await listDeliveries(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
}
