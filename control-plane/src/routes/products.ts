import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  CreateDeploymentRequest,
  CreateProductRequest,
  DeploymentPreview,
  DeploymentPreviewRequest,
  LifecycleRequest,
  Product,
  ProductDeployment,
  ProductRevision,
  UndeployParams,
  UpdateProductRequest,
} from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { CatalogListQuery } from "../services/apis.js";
import {
  createProductDeployment,
  createProductRevision,
  listProductDeployments,
  listProductRevisions,
  previewProductDeployment,
  undeployProduct,
} from "../services/product-deployments.js";
import {
  changeProductLifecycle,
  createProduct,
  deleteProduct,
  getProduct,
  listProducts,
  updateProduct,
} from "../services/products.js";
import {
  bearer,
  deployConflict,
  etagHeaders,
  guard,
  IdParams,
  json,
  jsonBody,
  pageHeaders,
  problems,
  reply,
  replyNoContent,
  replyPage,
  replyWithEtag,
} from "./_openapi.js";

const tags = ["API products"];
const manage = guard("products:manage");
const read = guard("products:read");

const routes = {
  create: createRoute({
    method: "post",
    path: "/products",
    tags,
    security: bearer,
    summary: "Create an API product from resources of the tenant's APIs (400 lists resources that do not exist)",
    ...manage,
    request: jsonBody(CreateProductRequest),
    responses: { 201: json(Product, "The product, status CREATED"), ...problems(400, 401, 403, 409) },
  }),
  list: createRoute({
    method: "get",
    path: "/products",
    tags,
    security: bearer,
    summary: "List API products (developers see the PUBLISHED ones)",
    ...read,
    request: { query: CatalogListQuery },
    responses: { 200: { ...json(z.array(Product), "API products"), headers: pageHeaders }, ...problems(400, 401) },
  }),
  get: createRoute({
    method: "get",
    path: "/products/{id}",
    tags,
    security: bearer,
    summary: "Read an API product (with its ETag)",
    ...read,
    request: { params: IdParams },
    responses: { 200: { ...json(Product, "The API product"), headers: etagHeaders }, ...problems(401, 404) },
  }),
  update: createRoute({
    method: "patch",
    path: "/products/{id}",
    tags,
    security: bearer,
    summary: "Change an API product (send If-Match with the ETag you read); a new revision carries it to gateways",
    ...manage,
    request: { params: IdParams, ...jsonBody(UpdateProductRequest) },
    responses: {
      200: { ...json(Product, "The changed product"), headers: etagHeaders },
      ...problems(400, 401, 403, 404, 412),
    },
  }),
  delete: createRoute({
    method: "delete",
    path: "/products/{id}",
    tags,
    security: bearer,
    summary: "Delete an API product (undeploys it; its subscriptions go with it)",
    ...manage,
    request: { params: IdParams },
    responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404) },
  }),
  lifecycle: createRoute({
    method: "post",
    path: "/products/{id}/lifecycle",
    tags,
    security: bearer,
    summary: "Move the API product through the API lifecycle (409 on a forbidden transition)",
    ...manage,
    request: { params: IdParams, ...jsonBody(LifecycleRequest) },
    responses: { 200: json(Product, "The product in its new state"), ...problems(400, 401, 403, 404, 409) },
  }),
  createRevision: createRoute({
    method: "post",
    path: "/products/{id}/revisions",
    tags,
    security: bearer,
    summary: "Snapshot the API product with its resources resolved from their APIs (upstream, policies, scopes)",
    ...manage,
    request: { params: IdParams },
    responses: { 201: json(ProductRevision, "The revision"), ...problems(400, 401, 403, 404) },
  }),
  listRevisions: createRoute({
    method: "get",
    path: "/products/{id}/revisions",
    tags,
    security: bearer,
    summary: "Revisions of the API product, newest first",
    ...manage,
    request: { params: IdParams },
    responses: { 200: json(z.array(ProductRevision), "Revisions"), ...problems(401, 403, 404) },
  }),
  deploy: createRoute({
    method: "post",
    path: "/products/{id}/deployments",
    tags,
    security: bearer,
    summary: "Deploy a product revision to an environment (it does not need its APIs deployed there)",
    ...manage,
    request: { params: IdParams, ...jsonBody(CreateDeploymentRequest) },
    responses: {
      201: json(z.union([ProductDeployment, z.array(ProductDeployment)]), "The deployment (an array for environments)"),
      ...problems(400, 401, 403, 404),
      ...deployConflict,
    },
  }),
  previewDeployment: createRoute({
    method: "post",
    path: "/products/{id}/deployments/preview",
    tags,
    security: bearer,
    summary: "What deploying a product revision to an environment would do, without deploying it",
    ...manage,
    request: { params: IdParams, ...jsonBody(DeploymentPreviewRequest) },
    responses: { 200: json(DeploymentPreview, "The preview; nothing is deployed"), ...problems(400, 401, 403, 404) },
  }),
  listDeployments: createRoute({
    method: "get",
    path: "/products/{id}/deployments",
    tags,
    security: bearer,
    summary: "Deployments of the API product with how many gateways acked them",
    ...manage,
    request: { params: IdParams },
    responses: {
      200: json(z.array(ProductDeployment.extend({ live: z.boolean() })), "Deployments, newest first"),
      ...problems(401, 403, 404),
    },
  }),
  undeploy: createRoute({
    method: "delete",
    path: "/products/{id}/deployments/{environment}",
    tags,
    security: bearer,
    summary: "Undeploy the API product from an environment (404 there from the next bundle)",
    ...manage,
    request: { params: UndeployParams },
    responses: { 204: { description: "Undeployed" }, ...problems(401, 403, 404) },
  }),
};

export function registerProductRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.create, async (c) =>
    reply(c, await createProduct(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.list, async (c) =>
    replyPage(c, await listProducts(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.get, async (c) =>
    replyWithEtag(c, await getProduct(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.update, async (c) =>
    replyWithEtag(
      c,
      await updateProduct(
        c.var.services,
        c.var.actor,
        c.req.valid("param").id,
        c.req.valid("json"),
        c.req.header("if-match"),
      ),
    ),
  );
  app.openapi(routes.delete, async (c) =>
    replyNoContent(c, await deleteProduct(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.lifecycle, async (c) =>
    reply(c, await changeProductLifecycle(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json"))),
  );
  app.openapi(routes.createRevision, async (c) =>
    reply(c, await createProductRevision(c.var.services, c.var.actor, c.req.valid("param").id), 201),
  );
  app.openapi(routes.listRevisions, async (c) =>
    reply(c, await listProductRevisions(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.previewDeployment, async (c) =>
    reply(c, await previewProductDeployment(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json"))),
  );
  app.openapi(routes.deploy, async (c) =>
    reply(
      c,
      await createProductDeployment(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json")),
      201,
    ),
  );
  app.openapi(routes.listDeployments, async (c) =>
    reply(c, await listProductDeployments(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.undeploy, async (c) => {
    const { id, environment } = c.req.valid("param");
    return replyNoContent(c, await undeployProduct(c.var.services, c.var.actor, id, environment));
  });
}
