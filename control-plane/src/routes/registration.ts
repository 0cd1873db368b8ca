import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  CreatedRegistrationToken,
  CreateRegistrationTokenRequest,
  GatewayRegistration,
  GatewayRegistrationRequest,
  RegistrationToken,
} from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { AscendingPageQuery } from "../services/pagination.js";
import {
  createRegistrationToken,
  listRegistrationTokens,
  registerGateway,
  revokeRegistrationToken,
} from "../services/registration.js";
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

const tags = ["Environments and gateways"];

const routes = {
  create: createRoute({
    method: "post",
    path: "/environments/{id}/registration-tokens",
    tags,
    security: bearer,
    summary: "A one-time token a self-hosted gateway registers with; the token is shown only here",
    ...guard("environments:write"),
    request: {
      params: IdParams,
      body: { content: { "application/json": { schema: CreateRegistrationTokenRequest } }, required: false },
    },
    responses: { 201: json(CreatedRegistrationToken, "The token"), ...problems(400, 401, 403, 404) },
  }),
  list: createRoute({
    method: "get",
    path: "/environments/{id}/registration-tokens",
    tags,
    security: bearer,
    summary: "Registration tokens of a self-hosted environment (prefixes only), with the gateway that used each",
    ...guard("environments:write"),
    request: { params: IdParams, query: AscendingPageQuery },
    responses: {
      200: { ...json(z.array(RegistrationToken), "Tokens"), headers: pageHeaders },
      ...problems(400, 401, 403, 404),
    },
  }),
  revoke: createRoute({
    method: "delete",
    path: "/environments/{id}/registration-tokens/{tokenId}",
    tags,
    security: bearer,
    summary: "Revoke an unused registration token",
    ...guard("environments:write"),
    request: { params: z.object({ id: z.string(), tokenId: z.string() }) },
    responses: { 204: { description: "Revoked" }, ...problems(401, 403, 404) },
  }),
  register: createRoute({
    method: "post",
    path: "/gateways/register",
    tags,
    summary:
      "A self-hosted gateway exchanges its registration token (once) for its id, bundle keys and NATS credentials limited to it",
    request: jsonBody(GatewayRegistrationRequest),
    responses: { 201: json(GatewayRegistration, "The gateway's identity"), ...problems(400, 401) },
  }),
};

export function registerRegistrationRoutes(app: OpenAPIHono<AppEnv>) {
  // The body is optional: an empty POST makes a token valid for a day.
  app.openapi(routes.create, async (c) =>
    reply(
      c,
      await createRegistrationToken(
        c.var.services,
        c.var.actor,
        c.req.valid("param").id,
        CreateRegistrationTokenRequest.parse(c.req.valid("json") ?? {}),
      ),
      201,
    ),
  );
  app.openapi(routes.list, async (c) =>
    replyPage(
      c,
      await listRegistrationTokens(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("query")),
    ),
  );
  app.openapi(routes.revoke, async (c) => {
    const { id, tokenId } = c.req.valid("param");
    return replyNoContent(c, await revokeRegistrationToken(c.var.services, c.var.actor, id, tokenId));
  });
  app.openapi(routes.register, async (c) => reply(c, await registerGateway(c.var.services, c.req.valid("json")), 201));
}
