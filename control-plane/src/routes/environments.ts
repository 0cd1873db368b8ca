import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  CreateEnvironmentRequest,
  Environment,
  Gateway,
  GatewayResync,
  ok,
  UpdateEnvironmentRequest,
} from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { createEnvironment, listEnvironments, updateEnvironment } from "../services/environments.js";
import { listGateways, resyncGateway } from "../services/gateways.js";
import { AscendingPageQuery } from "../services/pagination.js";
import { bearer, guard, IdParams, json, jsonBody, pageHeaders, problems, reply, replyPage } from "./_openapi.js";

const tags = ["Environments and gateways"];

const routes = {
  list: createRoute({
    method: "get",
    path: "/environments",
    tags,
    security: bearer,
    summary: "Shared environments and the tenant's self-hosted ones",
    ...guard("apis:read"),
    request: { query: AscendingPageQuery },
    responses: { 200: { ...json(z.array(Environment), "Environments"), headers: pageHeaders }, ...problems(400, 401) },
  }),
  create: createRoute({
    method: "post",
    path: "/environments",
    tags,
    security: bearer,
    summary: "Create a self-hosted environment (shared ones are created by the platform operator only)",
    ...guard("environments:write"),
    request: jsonBody(CreateEnvironmentRequest),
    responses: { 201: json(Environment, "The environment"), ...problems(400, 401, 403, 409) },
  }),
  update: createRoute({
    method: "patch",
    path: "/environments/{id}",
    tags,
    security: bearer,
    summary: "Rename a self-hosted environment or change its gateway URL (shared ones are the operator's: 403)",
    ...guard("environments:write"),
    request: { params: IdParams, ...jsonBody(UpdateEnvironmentRequest) },
    responses: { 200: json(Environment, "The environment"), ...problems(400, 401, 403, 404, 409) },
  }),
  gateways: createRoute({
    method: "get",
    path: "/gateways",
    tags,
    security: bearer,
    summary: "Gateways seen, with the bundle they run for this tenant and whether it is the expected one",
    ...guard("gateways:read"),
    responses: { 200: json(z.array(Gateway), "Gateways"), ...problems(401, 403) },
  }),
  resync: createRoute({
    method: "post",
    path: "/gateways/{id}/resync",
    tags,
    security: bearer,
    summary: "Have a gateway re-fetch and re-apply the tenant's expected bundle (clears its drift)",
    ...guard("gateways:resync"),
    request: { params: IdParams },
    responses: {
      202: json(GatewayResync, "Requested: the gateway acks and reports the bundle when it has applied it"),
      ...problems(401, 403, 404, 409),
    },
  }),
};

export function registerEnvironmentRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.list, async (c) =>
    replyPage(c, await listEnvironments(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.create, async (c) =>
    reply(c, await createEnvironment(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.update, async (c) =>
    reply(c, await updateEnvironment(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json"))),
  );
  app.openapi(routes.gateways, async (c) => reply(c, ok(await listGateways(c.var.services, c.var.actor))));
  app.openapi(routes.resync, async (c) =>
    reply(c, await resyncGateway(c.var.services, c.var.actor, c.req.valid("param").id), 202),
  );
}
