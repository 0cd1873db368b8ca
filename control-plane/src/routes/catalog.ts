import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { CreateKeyManagerRequest, CreateTierRequest, KeyManager, TierDto, UpdateTierRequest } from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { createKeyManager, listKeyManagers } from "../services/key-managers.js";
import { PageQuery } from "../services/pagination.js";
import {
  createTier,
  deleteTier,
  getTier,
  listTiers,
  TierKindQuery,
  TierListQuery,
  updateTier,
} from "../services/tiers.js";
import {
  bearer,
  etagHeaders,
  guard,
  json,
  jsonBody,
  pageHeaders,
  problems,
  reply,
  replyNoContent,
  replyPage,
  replyWithEtag,
} from "./_openapi.js";

const TierParams = z.object({ name: z.string().min(1).max(60) });
const tierRef = (p: z.infer<typeof TierParams>, q: z.infer<typeof TierKindQuery>) => ({ kind: q.kind, name: p.name });

const routes = {
  tiers: createRoute({
    method: "get",
    path: "/tiers",
    tags: ["Tiers"],
    security: bearer,
    summary: "Tiers (business plans): subscription tiers, or another kind (or all) with ?kind=",
    ...guard("apis:read"),
    request: { query: TierListQuery },
    responses: { 200: { ...json(z.array(TierDto), "Tiers"), headers: pageHeaders }, ...problems(400, 401) },
  }),
  createTier: createRoute({
    method: "post",
    path: "/tiers",
    tags: ["Tiers"],
    security: bearer,
    summary: "Add a tier (subscription by default; application or api with kind)",
    ...guard("tiers:write"),
    request: jsonBody(CreateTierRequest),
    responses: { 201: json(TierDto, "The tier"), ...problems(400, 401, 403, 409) },
  }),
  updateTier: createRoute({
    method: "patch",
    path: "/tiers/{name}",
    tags: ["Tiers"],
    security: bearer,
    summary: "Change a tier's limits (gateways apply them with the next bundle)",
    ...guard("tiers:write"),
    request: { params: TierParams, query: TierKindQuery, ...jsonBody(UpdateTierRequest) },
    responses: { 200: { ...json(TierDto, "The tier"), headers: etagHeaders }, ...problems(400, 401, 403, 404, 412) },
  }),
  getTier: createRoute({
    method: "get",
    path: "/tiers/{name}",
    tags: ["Tiers"],
    security: bearer,
    summary: "Read a tier (with its ETag)",
    ...guard("apis:read"),
    request: { params: TierParams, query: TierKindQuery },
    responses: { 200: { ...json(TierDto, "The tier"), headers: etagHeaders }, ...problems(401, 404) },
  }),
  deleteTier: createRoute({
    method: "delete",
    path: "/tiers/{name}",
    tags: ["Tiers"],
    security: bearer,
    summary: "Delete a tier that no subscription, application or API uses",
    ...guard("tiers:write"),
    request: { params: TierParams, query: TierKindQuery },
    responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404, 409) },
  }),
  keyManagers: createRoute({
    method: "get",
    path: "/key-managers",
    tags: ["Key managers"],
    security: bearer,
    summary: "External OIDC issuers",
    ...guard("apis:read"),
    request: { query: PageQuery },
    responses: { 200: { ...json(z.array(KeyManager), "Key managers"), headers: pageHeaders }, ...problems(400, 401) },
  }),
  createKeyManager: createRoute({
    method: "post",
    path: "/key-managers",
    tags: ["Key managers"],
    security: bearer,
    summary: "Register an external OIDC issuer (discovery when jwksUri is absent)",
    ...guard("key-managers:write"),
    request: jsonBody(CreateKeyManagerRequest),
    responses: { 201: json(KeyManager, "The key manager"), ...problems(400, 401, 403, 409) },
  }),
};

export function registerCatalogRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.getTier, async (c) =>
    replyWithEtag(c, await getTier(c.var.services, c.var.actor, tierRef(c.req.valid("param"), c.req.valid("query")))),
  );
  app.openapi(routes.updateTier, async (c) =>
    replyWithEtag(
      c,
      await updateTier(
        c.var.services,
        c.var.actor,
        tierRef(c.req.valid("param"), c.req.valid("query")),
        c.req.valid("json"),
        c.req.header("if-match"),
      ),
    ),
  );
  app.openapi(routes.deleteTier, async (c) => {
    return replyNoContent(
      c,
      await deleteTier(c.var.services, c.var.actor, tierRef(c.req.valid("param"), c.req.valid("query"))),
    );
  });
  app.openapi(routes.tiers, async (c) =>
    replyPage(c, await listTiers(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.createTier, async (c) =>
    reply(c, await createTier(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.keyManagers, async (c) =>
    replyPage(c, await listKeyManagers(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.createKeyManager, async (c) =>
    reply(c, await createKeyManager(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
}
