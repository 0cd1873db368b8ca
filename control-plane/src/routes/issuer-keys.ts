import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { IssuerKey, ok, RotatedIssuerKey, RotateIssuerKeyRequest } from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { listIssuerKeys, rotateIssuerKey } from "../services/issuer-keys.js";
import { bearer, guard, json, problems, reply } from "./_openapi.js";

const tags = ["Key managers"];

const routes = {
  list: createRoute({
    method: "get",
    path: "/issuer-keys",
    tags,
    security: bearer,
    summary: "The tenant issuer's signing keys (public metadata only)",
    ...guard("key-managers:write"),
    responses: { 200: json(z.array(IssuerKey), "Keys, newest first"), ...problems(401, 403) },
  }),
  rotate: createRoute({
    method: "post",
    path: "/issuer-keys/rotate",
    tags,
    security: bearer,
    summary: "Rotate the tenant issuer's key with an overlap",
    ...guard("key-managers:write"),
    request: { body: { content: { "application/json": { schema: RotateIssuerKeyRequest } }, required: false } },
    responses: { 201: json(RotatedIssuerKey, "The new key and the keys retiring"), ...problems(400, 401, 403) },
  }),
};

export function registerIssuerKeyRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.list, async (c) => reply(c, ok(await listIssuerKeys(c.var.services, c.var.actor))));
  app.openapi(routes.rotate, async (c) =>
    reply(
      c,
      await rotateIssuerKey(c.var.services, c.var.actor, RotateIssuerKeyRequest.parse(c.req.valid("json") ?? {})),
      201,
    ),
  );
}
