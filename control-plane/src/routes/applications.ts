import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  Application,
  CreateApiKeyRequest,
  CreateApplicationRequest,
  CreateCredentialsRequest,
  CreatedApiKey,
  CreateExternalClientRequest,
  CreateSubscriptionRequest,
  Credentials,
  ExternalClient,
  RotateApiKeyRequest,
  RotatedApiKey,
  Subscription,
  UpdateApplicationRequest,
  UpdateSubscriptionRequest,
} from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import {
  ApplicationListQuery,
  bindExternalClient,
  createApiKey,
  createApplication,
  createCredentials,
  getApplication,
  listApiKeys,
  listApplications,
  revokeApiKey,
  revokeCredentials,
  rotateApiKey,
  rotateClientSecret,
  updateApplication,
} from "../services/applications.js";
import {
  createSubscription,
  decideSubscription,
  getSubscription,
  listSubscriptions,
  SubscriptionListQuery,
  updateSubscription,
} from "../services/subscriptions.js";
import {
  bearer,
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

const tags = ["Applications and subscriptions"];
const write = guard("applications:write");
const read = guard("apis:read");

const ApiKeySummary = z.object({
  id: z.string(),
  prefix: z.string(),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  allowedIps: z.array(z.string()).nullable(),
  allowedReferrers: z.array(z.string()).nullable(),
  replacedBy: z.string().nullable().meta({ description: "set once rotated: the key that replaces it" }),
  createdAt: z.string(),
});

const ClientParams = z.object({ id: z.string(), clientId: z.string().min(1).max(100) });

const routes = {
  create: createRoute({
    method: "post",
    path: "/applications",
    tags,
    security: bearer,
    summary: "Create an application",
    ...write,
    request: jsonBody(CreateApplicationRequest),
    responses: { 201: json(Application, "The application"), ...problems(400, 401, 403) },
  }),
  update: createRoute({
    method: "patch",
    path: "/applications/{id}",
    tags,
    security: bearer,
    summary: "Rename an application or change its application tier (gateways apply it with the next bundle)",
    ...write,
    request: { params: IdParams, ...jsonBody(UpdateApplicationRequest) },
    responses: {
      200: { ...json(Application, "The application"), headers: etagHeaders },
      ...problems(400, 401, 403, 404, 412),
    },
  }),
  rotateSecret: createRoute({
    method: "post",
    path: "/applications/{id}/credentials/{clientId}/rotate-secret",
    tags,
    security: bearer,
    summary: "A new client secret, shown only in this response; the old one stops working at once",
    ...write,
    request: { params: ClientParams },
    responses: { 201: json(Credentials, "The client with its new secret"), ...problems(401, 403, 404, 409) },
  }),
  revokeCredentials: createRoute({
    method: "delete",
    path: "/applications/{id}/credentials/{clientId}",
    tags,
    security: bearer,
    summary: "Delete an OAuth client and revoke the refresh tokens (and their access tokens) issued to it",
    ...write,
    request: { params: ClientParams },
    responses: { 204: { description: "Revoked" }, ...problems(401, 403, 404) },
  }),
  list: createRoute({
    method: "get",
    path: "/applications",
    tags,
    security: bearer,
    summary: "List applications",
    ...read,
    request: { query: ApplicationListQuery },
    responses: { 200: { ...json(z.array(Application), "Applications"), headers: pageHeaders }, ...problems(400, 401) },
  }),
  get: createRoute({
    method: "get",
    path: "/applications/{id}",
    tags,
    security: bearer,
    summary: "Read an application (with its ETag)",
    ...read,
    request: { params: IdParams },
    responses: { 200: { ...json(Application, "The application"), headers: etagHeaders }, ...problems(401, 404) },
  }),
  credentials: createRoute({
    method: "post",
    path: "/applications/{id}/credentials",
    tags,
    security: bearer,
    summary: "New OAuth2 client credentials; the secret is shown only in this response",
    ...write,
    request: {
      params: IdParams,
      body: { content: { "application/json": { schema: CreateCredentialsRequest } }, required: false },
    },
    responses: { 201: json(Credentials, "Client id and secret"), ...problems(400, 401, 403, 404) },
  }),
  createKey: createRoute({
    method: "post",
    path: "/applications/{id}/api-keys",
    tags,
    security: bearer,
    summary: "New API key; the key is shown only in this response",
    ...write,
    request: {
      params: IdParams,
      body: { content: { "application/json": { schema: CreateApiKeyRequest } }, required: false },
    },
    responses: { 201: json(CreatedApiKey, "The key"), ...problems(400, 401, 403, 404) },
  }),
  listKeys: createRoute({
    method: "get",
    path: "/applications/{id}/api-keys",
    tags,
    security: bearer,
    summary: "API keys (prefixes only)",
    ...read,
    request: { params: IdParams },
    responses: { 200: json(z.array(ApiKeySummary), "Keys"), ...problems(401, 404) },
  }),
  revokeKey: createRoute({
    method: "delete",
    path: "/applications/{id}/api-keys/{keyId}",
    tags,
    security: bearer,
    summary: "Revoke a key; gateways refuse it from the next bundle",
    ...write,
    request: { params: z.object({ id: z.string(), keyId: z.string() }) },
    responses: { 204: { description: "Revoked" }, ...problems(401, 403, 404) },
  }),
  rotateKey: createRoute({
    method: "post",
    path: "/applications/{id}/api-keys/{keyId}/rotate",
    tags,
    security: bearer,
    summary: "Rotate a key: a new key now, the old one valid for the grace period; the new key is shown only here",
    ...write,
    request: {
      params: z.object({ id: z.string(), keyId: z.string() }),
      body: { content: { "application/json": { schema: RotateApiKeyRequest } }, required: false },
    },
    responses: { 201: json(RotatedApiKey, "The new key and the old key's end"), ...problems(400, 401, 403, 404, 409) },
  }),
  externalClient: createRoute({
    method: "post",
    path: "/applications/{id}/external-clients",
    tags,
    security: bearer,
    summary: "Bind a client of an external key manager to the application",
    ...write,
    request: { params: IdParams, ...jsonBody(CreateExternalClientRequest) },
    responses: { 201: json(ExternalClient, "The binding"), ...problems(400, 401, 403, 404, 409) },
  }),
  subscribe: createRoute({
    method: "post",
    path: "/subscriptions",
    tags,
    security: bearer,
    summary: "Subscribe an application to an API or an API product (exactly one of apiId, productId) with a tier",
    ...guard("subscriptions:write"),
    request: jsonBody(CreateSubscriptionRequest),
    responses: { 201: json(Subscription, "The subscription"), ...problems(400, 401, 403, 409) },
  }),
  updateSubscription: createRoute({
    method: "patch",
    path: "/subscriptions/{id}",
    tags,
    security: bearer,
    summary: "Block or unblock a subscription, or change its tier",
    ...guard("subscriptions:manage"),
    request: { params: IdParams, ...jsonBody(UpdateSubscriptionRequest) },
    responses: {
      200: { ...json(Subscription, "The subscription"), headers: etagHeaders },
      ...problems(400, 401, 403, 404, 409, 412),
    },
  }),
  getSubscription: createRoute({
    method: "get",
    path: "/subscriptions/{id}",
    tags,
    security: bearer,
    summary: "Read a subscription (with its ETag)",
    ...read,
    request: { params: IdParams },
    responses: { 200: { ...json(Subscription, "The subscription"), headers: etagHeaders }, ...problems(401, 404) },
  }),
  approve: createRoute({
    method: "post",
    path: "/subscriptions/{id}/approve",
    tags,
    security: bearer,
    summary: "Approve a PENDING subscription",
    ...guard("subscriptions:manage"),
    request: { params: IdParams },
    responses: { 200: json(Subscription, "The subscription, ACTIVE"), ...problems(401, 403, 404, 409) },
  }),
  reject: createRoute({
    method: "post",
    path: "/subscriptions/{id}/reject",
    tags,
    security: bearer,
    summary: "Reject a PENDING subscription",
    ...guard("subscriptions:manage"),
    request: { params: IdParams },
    responses: { 200: json(Subscription, "The subscription, REJECTED"), ...problems(401, 403, 404, 409) },
  }),
  subscriptions: createRoute({
    method: "get",
    path: "/subscriptions",
    tags,
    security: bearer,
    summary: "List subscriptions",
    ...read,
    request: { query: SubscriptionListQuery },
    responses: {
      200: { ...json(z.array(Subscription), "Subscriptions"), headers: pageHeaders },
      ...problems(400, 401),
    },
  }),
};

export function registerApplicationRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.updateSubscription, async (c) =>
    replyWithEtag(
      c,
      await updateSubscription(
        c.var.services,
        c.var.actor,
        c.req.valid("param").id,
        c.req.valid("json"),
        c.req.header("if-match"),
      ),
    ),
  );
  app.openapi(routes.getSubscription, async (c) =>
    replyWithEtag(c, await getSubscription(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.approve, async (c) =>
    reply(c, await decideSubscription(c.var.services, c.var.actor, c.req.valid("param").id, "approve")),
  );
  app.openapi(routes.reject, async (c) =>
    reply(c, await decideSubscription(c.var.services, c.var.actor, c.req.valid("param").id, "reject")),
  );
  app.openapi(routes.create, async (c) =>
    reply(c, await createApplication(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.update, async (c) =>
    replyWithEtag(
      c,
      await updateApplication(
        c.var.services,
        c.var.actor,
        c.req.valid("param").id,
        c.req.valid("json"),
        c.req.header("if-match"),
      ),
    ),
  );
  app.openapi(routes.rotateSecret, async (c) => {
    const { id, clientId } = c.req.valid("param");
    return reply(c, await rotateClientSecret(c.var.services, c.var.actor, id, clientId), 201);
  });
  app.openapi(routes.revokeCredentials, async (c) => {
    const { id, clientId } = c.req.valid("param");
    return replyNoContent(c, await revokeCredentials(c.var.services, c.var.actor, id, clientId));
  });
  app.openapi(routes.list, async (c) =>
    replyPage(c, await listApplications(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.get, async (c) =>
    replyWithEtag(c, await getApplication(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.credentials, async (c) =>
    reply(
      c,
      await createCredentials(
        c.var.services,
        c.var.actor,
        c.req.valid("param").id,
        // An empty POST (no body) validates to nothing or `{}`: a confidential client.
        CreateCredentialsRequest.parse(c.req.valid("json") ?? {}),
      ),
      201,
    ),
  );
  // The body is optional: an empty POST makes a key that never expires.
  app.openapi(routes.createKey, async (c) =>
    reply(c, await createApiKey(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json") ?? {}), 201),
  );
  app.openapi(routes.listKeys, async (c) =>
    reply(c, await listApiKeys(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.revokeKey, async (c) => {
    const { id, keyId } = c.req.valid("param");
    return replyNoContent(c, await revokeApiKey(c.var.services, c.var.actor, id, keyId));
  });
  app.openapi(routes.rotateKey, async (c) => {
    const { id, keyId } = c.req.valid("param");
    const input = RotateApiKeyRequest.parse(c.req.valid("json") ?? {});
    return reply(c, await rotateApiKey(c.var.services, c.var.actor, id, keyId, input), 201);
  });
  app.openapi(routes.externalClient, async (c) =>
    reply(c, await bindExternalClient(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json")), 201),
  );
  app.openapi(routes.subscribe, async (c) =>
    reply(c, await createSubscription(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.subscriptions, async (c) =>
    replyPage(c, await listSubscriptions(c.var.services, c.var.actor, c.req.valid("query"))),
  );
}
