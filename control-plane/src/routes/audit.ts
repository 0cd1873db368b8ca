import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { AuditEvent } from "@portico/shared";
import { z } from "zod";
import type { AppEnv } from "../http/env.js";
import { AuditQuery, listAudit } from "../services/audit-log.js";
import { bearer, guard, json, pageHeaders, problems, replyPage } from "./_openapi.js";

const list = createRoute({
  method: "get",
  path: "/audit",
  tags: ["Audit"],
  security: bearer,
  summary: "Changes to tenant state, newest first: who, what, before/after, when",
  ...guard("audit:read"),
  request: { query: AuditQuery },
  responses: {
    200: { ...json(z.array(AuditEvent), "Audit events"), headers: pageHeaders },
    ...problems(400, 401, 403),
  },
});

export function registerAuditRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(list, async (c) => replyPage(c, await listAudit(c.var.services, c.var.actor, c.req.valid("query"))));
}
