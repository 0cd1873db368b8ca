import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  CatalogApi,
  CatalogQuery,
  Comment,
  CreateCommentRequest,
  CreateDocPageRequest,
  DocPage,
  MyRating,
  PortalInfo,
  PortalSettings,
  RateApiRequest,
  RegisterDeveloperRequest,
  RegisterDeveloperResponse,
  Slug,
  UpdateDocPageRequest,
  UpdatePortalSettingsRequest,
} from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { createDoc, deleteDoc, getDoc, listDocs, listPortalDocs, updateDoc } from "../services/api-docs.js";
import { catalogTags, getCatalogApi, getCatalogOpenApi, listCatalog } from "../services/catalog.js";
import { getPortalSettings, portalInfo, registerDeveloper, updatePortalSettings } from "../services/developers.js";
import { createComment, deleteComment, getMyRating, listComments, rateApi } from "../services/feedback.js";
import { AscendingPageQuery } from "../services/pagination.js";
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

/**
 * The developer portal. `/portal/{tenant}/…` is the tenant's public catalog, readable without
 * a token (as WSO2's portal allows anonymous browsing) and limited to PUBLISHED and DEPRECATED
 * APIs; everything that writes needs a console token.
 */
const tags = ["Developer portal"];
const TenantParams = z.object({ tenant: Slug.meta({ description: "the tenant's slug" }) });
const CatalogParams = TenantParams.extend({ id: z.string().meta({ description: "API id" }) });
const DocParams = IdParams.extend({ docId: z.string().meta({ description: "page id" }) });
const CommentParams = IdParams.extend({ commentId: z.string().meta({ description: "comment id" }) });
const Tags = z.array(z.object({ tag: z.string(), apis: z.number().int() })).meta({ id: "CatalogTags" });

const routes = {
  register: createRoute({
    method: "post",
    path: "/developers/register",
    tags,
    summary: "Register as a developer on a tenant's portal (when the tenant allows it); returns a console token",
    request: jsonBody(RegisterDeveloperRequest),
    responses: {
      201: json(RegisterDeveloperResponse, "The new developer and a console token"),
      ...problems(400, 403, 404, 409, 429),
    },
  }),
  settings: createRoute({
    method: "get",
    path: "/portal-settings",
    tags,
    security: bearer,
    summary: "The portal's settings (with their ETag)",
    ...guard("users:manage"),
    responses: { 200: { ...json(PortalSettings, "Settings"), headers: etagHeaders }, ...problems(401, 403) },
  }),
  updateSettings: createRoute({
    method: "patch",
    path: "/portal-settings",
    tags,
    security: bearer,
    summary: "Open or close developer self-registration",
    ...guard("users:manage"),
    request: jsonBody(UpdatePortalSettingsRequest),
    responses: {
      200: { ...json(PortalSettings, "Settings"), headers: etagHeaders },
      ...problems(400, 401, 403, 412),
    },
  }),
  info: createRoute({
    method: "get",
    path: "/portal/{tenant}",
    tags,
    summary: "A tenant's portal: its name and whether it takes registrations (no token needed)",
    request: { params: TenantParams },
    responses: { 200: json(PortalInfo, "The portal"), ...problems(400, 404) },
  }),
  catalog: createRoute({
    method: "get",
    path: "/portal/{tenant}/apis",
    tags,
    summary: "The catalog: PUBLISHED and DEPRECATED APIs by name, searchable by text and tag (no token needed)",
    request: { params: TenantParams, query: AscendingPageQuery.extend(CatalogQuery.shape) },
    responses: {
      200: { ...json(z.array(CatalogApi), "Catalog APIs"), headers: pageHeaders },
      ...problems(400, 404),
    },
  }),
  tags: createRoute({
    method: "get",
    path: "/portal/{tenant}/tags",
    tags,
    summary: "Tags of the catalog's APIs, most used first (no token needed)",
    request: { params: TenantParams },
    responses: { 200: json(Tags, "Tags"), ...problems(400, 404) },
  }),
  catalogApi: createRoute({
    method: "get",
    path: "/portal/{tenant}/apis/{id}",
    tags,
    summary: "A catalog API (no token needed)",
    request: { params: CatalogParams },
    responses: { 200: json(CatalogApi, "The API"), ...problems(400, 404) },
  }),
  catalogOpenApi: createRoute({
    method: "get",
    path: "/portal/{tenant}/apis/{id}/openapi",
    tags,
    summary: "A catalog API's definition as OpenAPI 3.1 (no token needed)",
    request: { params: CatalogParams },
    responses: { 200: json(z.record(z.string(), z.unknown()), "OpenAPI 3.1 document"), ...problems(400, 404) },
  }),
  catalogDocs: createRoute({
    method: "get",
    path: "/portal/{tenant}/apis/{id}/docs",
    tags,
    summary: "A catalog API's documentation pages (no token needed)",
    request: { params: CatalogParams },
    responses: { 200: json(z.array(DocPage), "Pages in order"), ...problems(400, 404) },
  }),
  comments: createRoute({
    method: "get",
    path: "/portal/{tenant}/apis/{id}/comments",
    tags,
    summary: "Comments on a catalog API, oldest first (no token needed)",
    request: { params: CatalogParams, query: AscendingPageQuery },
    responses: { 200: { ...json(z.array(Comment), "Comments"), headers: pageHeaders }, ...problems(400, 404) },
  }),
  docs: createRoute({
    method: "get",
    path: "/apis/{id}/docs",
    tags,
    security: bearer,
    summary: "An API's documentation pages (developers: catalog APIs only)",
    ...guard("apis:read"),
    request: { params: IdParams },
    responses: { 200: json(z.array(DocPage), "Pages in order"), ...problems(401, 404) },
  }),
  createDoc: createRoute({
    method: "post",
    path: "/apis/{id}/docs",
    tags,
    security: bearer,
    summary: "Add a Markdown documentation page",
    ...guard("apis:write"),
    request: { params: IdParams, ...jsonBody(CreateDocPageRequest) },
    responses: { 201: json(DocPage, "The page"), ...problems(400, 401, 403, 404, 409) },
  }),
  doc: createRoute({
    method: "get",
    path: "/apis/{id}/docs/{docId}",
    tags,
    security: bearer,
    summary: "Read a documentation page (with its ETag)",
    ...guard("apis:read"),
    request: { params: DocParams },
    responses: { 200: { ...json(DocPage, "The page"), headers: etagHeaders }, ...problems(401, 404) },
  }),
  updateDoc: createRoute({
    method: "patch",
    path: "/apis/{id}/docs/{docId}",
    tags,
    security: bearer,
    summary: "Change a documentation page",
    ...guard("apis:write"),
    request: { params: DocParams, ...jsonBody(UpdateDocPageRequest) },
    responses: {
      200: { ...json(DocPage, "The page"), headers: etagHeaders },
      ...problems(400, 401, 403, 404, 409, 412),
    },
  }),
  deleteDoc: createRoute({
    method: "delete",
    path: "/apis/{id}/docs/{docId}",
    tags,
    security: bearer,
    summary: "Delete a documentation page",
    ...guard("apis:write"),
    request: { params: DocParams },
    responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404) },
  }),
  rating: createRoute({
    method: "get",
    path: "/apis/{id}/rating",
    tags,
    security: bearer,
    summary: "A catalog API's rating, with the caller's own",
    ...guard("apis:read"),
    request: { params: IdParams },
    responses: { 200: json(MyRating, "The rating"), ...problems(401, 404) },
  }),
  rate: createRoute({
    method: "put",
    path: "/apis/{id}/rating",
    tags,
    security: bearer,
    summary: "Rate a catalog API from 1 to 5 (replaces the caller's previous rating)",
    ...guard("feedback:write"),
    request: { params: IdParams, ...jsonBody(RateApiRequest) },
    responses: { 200: json(MyRating, "The rating"), ...problems(400, 401, 403, 404) },
  }),
  comment: createRoute({
    method: "post",
    path: "/apis/{id}/comments",
    tags,
    security: bearer,
    summary: "Comment on a catalog API",
    ...guard("feedback:write"),
    request: { params: IdParams, ...jsonBody(CreateCommentRequest) },
    responses: { 201: json(Comment, "The comment"), ...problems(400, 401, 403, 404) },
  }),
  deleteComment: createRoute({
    method: "delete",
    path: "/apis/{id}/comments/{commentId}",
    tags,
    security: bearer,
    summary: "Delete a comment (its author, or an admin)",
    ...guard("feedback:write"),
    request: { params: CommentParams },
    responses: { 204: { description: "Deleted" }, ...problems(401, 403, 404) },
  }),
};

export function registerPortalRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.register, async (c) => {
    const r = await registerDeveloper(c.var.services, c.req.valid("json"));
    if (!r.ok && r.error.code === "rate-limited") {
      c.header("Retry-After", "60");
    }
    return reply(c, r, 201);
  });
  app.openapi(routes.settings, async (c) => replyWithEtag(c, await getPortalSettings(c.var.services, c.var.actor)));
  app.openapi(routes.updateSettings, async (c) =>
    replyWithEtag(
      c,
      await updatePortalSettings(c.var.services, c.var.actor, c.req.valid("json"), c.req.header("if-match")),
    ),
  );
  app.openapi(routes.info, async (c) => reply(c, await portalInfo(c.var.services, c.req.valid("param").tenant)));
  app.openapi(routes.catalog, async (c) =>
    replyPage(c, await listCatalog(c.var.services, c.req.valid("param").tenant, c.req.valid("query"))),
  );
  app.openapi(routes.tags, async (c) => reply(c, await catalogTags(c.var.services, c.req.valid("param").tenant)));
  app.openapi(routes.catalogApi, async (c) => {
    const { tenant, id } = c.req.valid("param");
    return reply(c, await getCatalogApi(c.var.services, tenant, id));
  });
  app.openapi(routes.catalogOpenApi, async (c) => {
    const { tenant, id } = c.req.valid("param");
    return reply(c, await getCatalogOpenApi(c.var.services, tenant, id));
  });
  app.openapi(routes.catalogDocs, async (c) => {
    const { tenant, id } = c.req.valid("param");
    return reply(c, await listPortalDocs(c.var.services, tenant, id));
  });
  app.openapi(routes.comments, async (c) => {
    const { tenant, id } = c.req.valid("param");
    return replyPage(c, await listComments(c.var.services, tenant, id, c.req.valid("query")));
  });
  app.openapi(routes.docs, async (c) => reply(c, await listDocs(c.var.services, c.var.actor, c.req.valid("param").id)));
  app.openapi(routes.createDoc, async (c) =>
    reply(c, await createDoc(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json")), 201),
  );
  app.openapi(routes.doc, async (c) => {
    const { id, docId } = c.req.valid("param");
    return replyWithEtag(c, await getDoc(c.var.services, c.var.actor, id, docId));
  });
  app.openapi(routes.updateDoc, async (c) => {
    const { id, docId } = c.req.valid("param");
    return replyWithEtag(
      c,
      await updateDoc(c.var.services, c.var.actor, id, docId, c.req.valid("json"), c.req.header("if-match")),
    );
  });
  app.openapi(routes.deleteDoc, async (c) => {
    const { id, docId } = c.req.valid("param");
    return replyNoContent(c, await deleteDoc(c.var.services, c.var.actor, id, docId));
  });
  app.openapi(routes.rating, async (c) =>
    reply(c, await getMyRating(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.rate, async (c) =>
    reply(c, await rateApi(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json").rating)),
  );
  app.openapi(routes.comment, async (c) =>
    reply(c, await createComment(c.var.services, c.var.actor, c.req.valid("param").id, c.req.valid("json")), 201),
  );
  app.openapi(routes.deleteComment, async (c) => {
    const { id, commentId } = c.req.valid("param");
    return replyNoContent(c, await deleteComment(c.var.services, c.var.actor, id, commentId));
  });
}
