import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreateEnvironmentRequest, Environment, Gateway, ok } from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { createEnvironment, listEnvironments } from "../services/environments.js";
import { listGateways } from "../services/gateways.js";
import { bearer, guard, json, jsonBody, problems, reply } from "./_openapi.js";

const tags = ["Environments and gateways"];

const routes = {
  list: createRoute({
    method: "get",
    path: "/environments",
    tags,
    security: bearer,
    summary: "Shared environments and the tenant's self-hosted ones",
    ...guard("apis:read"),
    responses: { 200: json(z.array(Environment), "Environments"), ...problems(401) },
  }),
  create: createRoute({
    method: "post",
    path: "/environments",
    tags,
    security: bearer,
    summary: "Create a self-hosted environment",
    ...guard("environments:write"),
    request: jsonBody(CreateEnvironmentRequest),
    responses: { 201: json(Environment, "The environment"), ...problems(400, 401, 403, 409) },
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
};

export function registerEnvironmentRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.list, async (c) => reply(c, ok(await listEnvironments(c.var.services, c.var.actor))));
  app.openapi(routes.create, async (c) =>
    reply(c, await createEnvironment(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.gateways, async (c) => reply(c, ok(await listGateways(c.var.services, c.var.actor))));
}
