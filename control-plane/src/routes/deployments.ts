import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  Api,
  CreateDeploymentRequest,
  Deployment,
  DeploymentPreview,
  DeploymentPreviewRequest,
  Revision,
  UndeployParams,
} from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { createDeployment, listDeployments, previewDeployment, undeploy } from "../services/deployments.js";
import { createRevision, deleteRevision, listRevisions, restoreRevision } from "../services/revisions.js";
import {
  bearer,
  deployConflict,
  guard,
  IdParams,
  json,
  jsonBody,
  problems,
  reply,
  replyNoContent,
} from "./_openapi.js";

const tags = ["Revisions and deployments"];

const RevisionParams = z.object({ id: z.string(), revisionId: z.string() });

const routes = {
  deleteRevision: createRoute({
    method: "delete",
    path: "/apis/{id}/revisions/{revisionId}",
    tags,
    security: bearer,
    summary: "Delete a revision that is not deployed",
    ...guard("apis:write"),
    request: { params: RevisionParams },
    responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404, 409) },
  }),
  restoreRevision: createRoute({
    method: "post",
    path: "/apis/{id}/revisions/{revisionId}/restore",
    tags,
    security: bearer,
    summary: "Make a revision's snapshot the API's working copy again",
    ...guard("apis:write"),
    request: { params: RevisionParams },
    responses: { 200: json(Api, "The API's working copy"), ...problems(401, 403, 404) },
  }),
  undeploy: createRoute({
    method: "delete",
    path: "/apis/{id}/deployments/{environment}",
    tags,
    security: bearer,
    summary: "Undeploy the API from an environment (its gateways answer 404 from the next bundle)",
    ...guard("apis:deploy"),
    request: { params: UndeployParams },
    responses: { 204: { description: "Undeployed" }, ...problems(401, 403, 404) },
  }),
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
    responses: {
      201: json(z.union([Deployment, z.array(Deployment)]), "The deployment (an array for environments)"),
      ...problems(400, 401, 403, 404),
      ...deployConflict,
    },
  }),
  preview: createRoute({
    method: "post",
    path: "/apis/{id}/deployments/preview",
    tags,
    security: bearer,
    summary:
      "What deploying a revision to an environment would do: the gateways it would reach, those lacking a policy kind",
    ...guard("apis:deploy"),
    request: { params: IdParams, ...jsonBody(DeploymentPreviewRequest) },
    responses: { 200: json(DeploymentPreview, "The preview; nothing is deployed"), ...problems(400, 401, 403, 404) },
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
  app.openapi(routes.deleteRevision, async (c) => {
    const { id, revisionId } = c.req.valid("param");
    return replyNoContent(c, await deleteRevision(c.var.services, c.var.actor, id, revisionId));
  });
  app.openapi(routes.restoreRevision, async (c) => {
    const { id, revisionId } = c.req.valid("param");
    return reply(c, await restoreRevision(c.var.services, c.var.actor, id, revisionId));
  });
  app.openapi(routes.undeploy, async (c) => {
    const { id, environment } = c.req.valid("param");
    return replyNoContent(c, await undeploy(c.var.services, c.var.actor, id, environment));
  });
  app.openapi(routes.createRevision, async (c) =>
    reply(c, await createRevision(c.var.services, c.var.actor, c.req.valid("param").id), 201),
  );
  app.openapi(routes.listRevisions, async (c) =>
    reply(c, await listRevisions(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.deploy, async (c) =>
    reply(c, await createDeployment(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json")), 201),
  );
  app.openapi(routes.preview, async (c) =>
    reply(c, await previewDeployment(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json"))),
  );
  app.openapi(routes.list, async (c) =>
    reply(c, await listDeployments(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
}
