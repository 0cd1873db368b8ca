import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreateDeploymentRequest, Deployment, Revision } from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { createRevision, listRevisions } from "../services/apis.js";
import { createDeployment, listDeployments } from "../services/deployments.js";
import { bearer, guard, IdParams, json, jsonBody, problems, reply } from "./_openapi.js";

const tags = ["Revisions and deployments"];

const routes = {
  createRevision: createRoute({
    method: "post",
    path: "/apis/{id}/revisions",
    tags,
    security: bearer,
    summary: "Snapshot the API as an immutable revision",
    ...guard("apis:write"),
    request: { params: IdParams },
    responses: { 201: json(Revision, "The revision"), ...problems(401, 403, 404) },
  }),
  listRevisions: createRoute({
    method: "get",
    path: "/apis/{id}/revisions",
    tags,
    security: bearer,
    summary: "Revisions, newest first",
    ...guard("apis:read"),
    request: { params: IdParams },
    responses: { 200: json(z.array(Revision), "Revisions"), ...problems(401, 404) },
  }),
  deploy: createRoute({
    method: "post",
    path: "/apis/{id}/deployments",
    tags,
    security: bearer,
    summary: "Deploy a revision to an environment (signed bundle to its gateways)",
    ...guard("apis:deploy"),
    request: { params: IdParams, ...jsonBody(CreateDeploymentRequest) },
    responses: { 201: json(Deployment, "The deployment"), ...problems(400, 401, 403, 404, 409) },
  }),
  list: createRoute({
    method: "get",
    path: "/apis/{id}/deployments",
    tags,
    security: bearer,
    summary: "Deployments with how many gateways acked them and how fast",
    ...guard("apis:read"),
    request: { params: IdParams },
    responses: {
      200: json(z.array(Deployment.extend({ live: z.boolean() })), "Deployments, newest first"),
      ...problems(401, 404),
    },
  }),
};

export function registerDeploymentRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.createRevision, async (c) =>
    reply(c, await createRevision(c.var.services, c.var.actor, c.req.valid("param").id), 201),
  );
  app.openapi(routes.listRevisions, async (c) =>
    reply(c, await listRevisions(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.deploy, async (c) =>
    reply(c, await createDeployment(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json")), 201),
  );
  app.openapi(routes.list, async (c) =>
    reply(c, await listDeployments(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
}
