import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import {
  AcceptInvitationRequest,
  AcceptInvitationResponse,
  CreatedInvitation,
  CreateInvitationRequest,
  Invitation,
  Me,
  ok,
  UpdateUserRequest,
  User,
} from "@portico/shared";
import { z } from "zod";
import { areasOf, permissionsOf } from "../http/authorize.js";
import type { AppEnv } from "../http/env.js";
import { PageQuery } from "../services/pagination.js";
import {
  acceptInvitation,
  createInvitation,
  deleteUser,
  getUser,
  listInvitations,
  listUsers,
  revokeInvitation,
  updateUser,
} from "../services/users.js";
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

const tags = ["Users and invitations"];
const manage = guard("users:manage");

const routes = {
  me: createRoute({
    method: "get",
    path: "/me",
    tags,
    security: bearer,
    summary: "The signed-in member: role, tenant, and the console areas and permissions the role holds",
    ...guard("profile:read"),
    responses: { 200: json(Me, "The signed-in member"), ...problems(401) },
  }),
  list: createRoute({
    method: "get",
    path: "/users",
    tags,
    security: bearer,
    summary: "Members of the tenant with their roles",
    ...manage,
    request: { query: PageQuery },
    responses: { 200: { ...json(z.array(User), "Users"), headers: pageHeaders }, ...problems(400, 401, 403) },
  }),
  update: createRoute({
    method: "patch",
    path: "/users/{id}",
    tags,
    security: bearer,
    summary: "Change a member's role (the last admin stays admin)",
    ...manage,
    request: { params: IdParams, ...jsonBody(UpdateUserRequest) },
    responses: {
      200: { ...json(User, "The member"), headers: etagHeaders },
      ...problems(400, 401, 403, 404, 409, 412),
    },
  }),
  get: createRoute({
    method: "get",
    path: "/users/{id}",
    tags,
    security: bearer,
    summary: "Read a member (with its ETag)",
    ...manage,
    request: { params: IdParams },
    responses: { 200: { ...json(User, "The member"), headers: etagHeaders }, ...problems(401, 403, 404) },
  }),
  remove: createRoute({
    method: "delete",
    path: "/users/{id}",
    tags,
    security: bearer,
    summary: "Remove a member",
    ...manage,
    request: { params: IdParams },
    responses: { 204: { description: "Removed" }, ...problems(401, 403, 404, 409) },
  }),
  invite: createRoute({
    method: "post",
    path: "/invitations",
    tags,
    security: bearer,
    summary: "Invite someone by email with a role; the token is shown only in this response (valid 7 days)",
    ...manage,
    request: jsonBody(CreateInvitationRequest),
    responses: { 201: json(CreatedInvitation, "The invitation and its token"), ...problems(400, 401, 403, 409) },
  }),
  invitations: createRoute({
    method: "get",
    path: "/invitations",
    tags,
    security: bearer,
    summary: "Pending invitations",
    ...manage,
    request: { query: PageQuery },
    responses: {
      200: { ...json(z.array(Invitation), "Invitations"), headers: pageHeaders },
      ...problems(400, 401, 403),
    },
  }),
  revoke: createRoute({
    method: "delete",
    path: "/invitations/{id}",
    tags,
    security: bearer,
    summary: "Withdraw a pending invitation",
    ...manage,
    request: { params: IdParams },
    responses: { 204: { description: "Withdrawn" }, ...problems(401, 403, 404) },
  }),
  accept: createRoute({
    method: "post",
    path: "/invitations/accept",
    tags,
    summary: "Accept an invitation: set a password, get a console token",
    request: jsonBody(AcceptInvitationRequest),
    responses: { 201: json(AcceptInvitationResponse, "The new member"), ...problems(400, 401, 409) },
  }),
};

export function registerUserRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(routes.me, async (c) => {
    const actor = c.var.actor;
    const user = await getUser(c.var.services, actor, actor.userId);
    const me = user.ok
      ? ok({
          user: { id: user.value.id, email: user.value.email, role: actor.role },
          tenant: { id: actor.tenantId, slug: actor.tenantSlug },
          areas: areasOf(actor.role),
          permissions: permissionsOf(actor.role),
        })
      : user;
    return reply(c, me);
  });
  app.openapi(routes.list, async (c) =>
    replyPage(c, await listUsers(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.get, async (c) =>
    replyWithEtag(c, await getUser(c.var.services, c.var.actor, c.req.valid("param").id)),
  );
  app.openapi(routes.update, async (c) =>
    replyWithEtag(
      c,
      await updateUser(
        c.var.services,
        c.var.actor,
        c.req.valid("param").id,
        c.req.valid("json"),
        c.req.header("if-match"),
      ),
    ),
  );
  app.openapi(routes.remove, async (c) => {
    return replyNoContent(c, await deleteUser(c.var.services, c.var.actor, c.req.valid("param").id));
  });
  app.openapi(routes.invite, async (c) =>
    reply(c, await createInvitation(c.var.services, c.var.actor, c.req.valid("json")), 201),
  );
  app.openapi(routes.invitations, async (c) =>
    replyPage(c, await listInvitations(c.var.services, c.var.actor, c.req.valid("query"))),
  );
  app.openapi(routes.revoke, async (c) => {
    return replyNoContent(c, await revokeInvitation(c.var.services, c.var.actor, c.req.valid("param").id));
  });
  app.openapi(routes.accept, async (c) => reply(c, await acceptInvitation(c.var.services, c.req.valid("json")), 201));
}
