import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { LoginRequest, LoginResponse, SignupRequest, SignupResponse } from "@portico/shared";
import type { AppEnv } from "../http/env.js";
import { login, signup } from "../services/tenants.js";
import { json, jsonBody, problems, reply } from "./_openapi.js";

const signupRoute = createRoute({
  method: "post",
  path: "/signup",
  tags: ["Tenants"],
  summary: "Create a tenant with its first admin",
  request: jsonBody(SignupRequest),
  responses: { 201: json(SignupResponse, "The tenant, its admin and a console token"), ...problems(400, 409) },
});

const loginRoute = createRoute({
  method: "post",
  path: "/login",
  tags: ["Tenants"],
  summary: "Sign in to a tenant",
  request: jsonBody(LoginRequest),
  responses: { 200: json(LoginResponse, "A console token"), ...problems(400, 401) },
});

export function registerAuthRoutes(app: OpenAPIHono<AppEnv>) {
  app.openapi(signupRoute, async (c) => reply(c, await signup(c.var.services, c.req.valid("json")), 201));
  app.openapi(loginRoute, async (c) => reply(c, await login(c.var.services, c.req.valid("json"))));
}
