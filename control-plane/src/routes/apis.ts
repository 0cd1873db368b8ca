import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  Api,
  CreateApiRequest,
  ImportApiRequest,
  LifecycleRequest,
  NewVersionRequest,
  ok,
  UpdateApiRequest,
} from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import {
  CatalogListQuery,
  changeLifecycle,
  createApi,
  createVersion,
  deleteApi,
  getApiWithEtag,
  listApis,
  updateApi,
} from "../services/apis.js";
import { exportOpenApi, importApi } from "../services/openapi.js";
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

const tags = ["APIs"];

const routes = {
  create: createRoute({
    method: "post",
    path: "/apis",
    tags,
    security: bearer,
    summary: "Create an API",
    ...guard("apis:write"),
    request: jsonBody(CreateApiRequest),
    responses: { 201: json(Api, "The API, status CREATED"), ...problems(400, 401, 403, 409) },
  }),
  import: createRoute({
    method: "post",
    path: "/apis/import",
    tags,
    security: bearer,
    summary: "Create an API from an OpenAPI 3.0/3.1 document",
    ...guard("apis:write"),
    request: jsonBody(ImportApiRequest),
    responses: { 201: json(Api, "The API with its resources"), ...problems(400, 401, 403, 409) },
  }),
  list: createRoute({
    method: "get",
    path: "/apis",
    tags,
    security: bearer,
    summary: "List the tenant's APIs (paginated, filtered by status or text, sorted by creation or name)",
    ...guard("apis:read"),
    request: { query: CatalogListQuery },
    responses: { 200: { ...json(z.array(Api), "APIs"), headers: pageHeaders }, ...problems(400, 401) },
  }),
  get: createRoute({
    method: "get",
    path: "/apis/{id}",
    tags,
    security: bearer,
    summary: "Read an API",
    ...guard("apis:read"),
    request: { params: IdParams },
    responses: { 200: json(Api, "The API"), ...problems(401, 404) },
  }),
  update: createRoute({
    method: "patch",
    path: "/apis/{id}",
    tags,
    security: bearer,
    summary: "Change an API's working copy (send If-Match with the ETag you read to avoid lost updates)",
    ...guard("apis:write"),
    request: { params: IdParams, ...jsonBody(UpdateApiRequest) },
    responses: { 200: json(Api, "The changed API, with its new ETag"), ...problems(400, 401, 403, 404, 412) },
  }),
  delete: createRoute({
    method: "delete",
    path: "/apis/{id}",
    tags,
    security: bearer,
    summary: "Delete an API (undeploys it)",
    ...guard("apis:write"),
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404) },
  }),
  lifecycle: createRoute({
    method: "post",
    path: "/apis/{id}/lifecycle",
    tags,
    security: bearer,
    summary: "Move the API through its lifecycle (409 on a forbidden transition)",
    ...guard("apis:publish"),
    request: { params: IdParams, ...jsonBody(LifecycleRequest) },
    responses: { 200: json(Api, "The API in its new state"), ...problems(400, 401, 403, 404, 409) },
  }),
  version: createRoute({
    method: "post",
    path: "/apis/{id}/versions",
    tags,
    security: bearer,
    summary:
      "New version of the API (copy under the same context, CREATED); publish it with deprecatePreviousVersions to deprecate the old one",
    ...guard("apis:write"),
    request: { params: IdParams, ...jsonBody(NewVersionRequest) },
    responses: { 201: json(Api, "The new version"), ...problems(400, 401, 403, 404, 409) },
  }),
  openapi: createRoute({
    method: "get",
    path: "/apis/{id}/openapi",
    tags,
    security: bearer,
    summary: "The API's definition as OpenAPI 3.1",
    ...guard("apis:read"),
    request: { params: IdParams },
    responses: { 200: json(z.record(z.string(), z.unknown()), "OpenAPI 3.1 document"), ...problems(401, 404) },
  }),
};

export function registerApiRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.create, async (c) =>
    reply(c, await createApi(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.import, async (c) =>
    reply(c, await importApi(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.list, async (c) =>
    replyPage(c, await listApis(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.get, async (c) => {
    const r = await getApiWithEtag(c.var.services, c.var.actor, c.req.valid("param").id);
    if (r.ok) {
      c.header("ETag", r.value.etag);
    }
    return reply(c, r.ok ? ok(r.value.api) : r);
  });
  app.openapi(routes.update, async (c) => {
    const r = await updateApi(
      c.var.services,
      c.var.actor,
      c.req.valid("param").id,
      c.req.valid("json"),
      c.req.header("if-match"),
    );
    if (r.ok) {
      c.header("ETag", r.value.etag);
    }
    return reply(c, r.ok ? ok(r.value.api) : r);
  });
  app.openapi(routes.delete, async (c) => {
    return replyNoContent(c, await deleteApi(c.var.services, c.var.actor, c.req.valid("param").id));
  });
  app.openapi(routes.lifecycle, async (c) =>
    reply(c, await changeLifecycle(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json"))),
  );
  app.openapi(routes.version, async (c) =>
    reply(
      c,
      await createVersion(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json").version),
      201,
    ),
  );
  app.openapi(routes.openapi, async (c) =>
    reply(c, await exportOpenApi(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
}
