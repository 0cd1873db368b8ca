import type { Role } from "@portico/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";
import { PERMISSIONS, type Permission } from "./authorize.js";

/**
 * Walks every route of the OpenAPI document × every role. The permission each route demands
 * is the `x-permission` the route itself publishes, and the roles come from the one table.
 */
let t: TestControlPlane;
const tokens = {} as Record<Role, string>;
// The registration token in the body is a gateway's credential there.
const PUBLIC = new Set([
  "POST /signup",
  "POST /login",
  "POST /invitations/accept",
  "GET /openapi.json",
  "POST /gateways/register",
  "POST /developers/register",
]);
/** The developer portal's catalog is readable without a token. */
const isPublic = (o: Operation) =>
  PUBLIC.has(`${o.method} ${o.path}`) || (o.method === "GET" && o.path.startsWith("/portal/{tenant}"));

beforeAll(async () => {
  t = await startTestControlPlane();
  const admin = await signupTenant(t.api);
  tokens.admin = admin.token;
  for (const role of ["publisher", "creator", "developer"] as const) {
    const inv = (
      await t.api.call("POST", "/api/v1/invitations", {
        token: admin.token,
        body: { email: `${role}@roles.example`, role },
      })
    ).body;
    const joined = await t.api.call("POST", "/api/v1/invitations/accept", {
      body: { tenant: admin.slug, token: inv.token, password: "role password" },
    });
    tokens[role] = joined.body.accessToken;
  }
});
afterAll(() => t?.close());

interface Operation {
  method: string;
  path: string;
  permission: Permission | undefined;
}

async function operations(): Promise<Operation[]> {
  const doc = (await t.api.call("GET", "/api/v1/openapi.json")).body as {
    paths: Record<string, Record<string, { "x-permission"?: Permission }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, permission: op["x-permission"] })),
  );
}

const concrete = (path: string) => `/api/v1${path.replace(/\{[^}]+\}/g, "00000000-0000-4000-8000-000000000000")}`;

describe("route × role", () => {
  it("every non-public route names its permission", async () => {
    const ops = await operations();
    expect(ops.length).toBeGreaterThan(25);
    const unguarded = ops.filter((o) => !o.permission && !isPublic(o));
    expect(unguarded).toEqual([]);
  });

  it("each role reaches exactly the routes its permissions allow, and nobody without a token", async () => {
    const ops = (await operations()).filter((o) => o.permission);
    const outcomes: string[] = [];
    for (const op of ops) {
      const anonymous = await t.api.call(op.method, concrete(op.path), {
        body: op.method === "GET" || op.method === "DELETE" ? undefined : {},
      });
      expect(anonymous.status, `${op.method} ${op.path} without a token`).toBe(401);
      for (const role of Object.keys(tokens) as Role[]) {
        const res = await t.api.call(op.method, concrete(op.path), {
          token: tokens[role],
          body: op.method === "GET" || op.method === "DELETE" ? undefined : {},
        });
        const allowed = (PERMISSIONS[op.permission!] as readonly Role[]).includes(role);
        const refused = res.status === 403 && res.body?.type === "https://portico.dev/problems/forbidden";
        outcomes.push(`${op.method} ${op.path} ${role}: ${allowed ? "allowed" : "refused"}`);
        expect(refused, `${op.method} ${op.path} as ${role} → ${res.status}`).toBe(!allowed);
        expect(res.status, `${op.method} ${op.path} as ${role}`).not.toBe(500);
      }
    }
    expect(outcomes.length).toBe(ops.length * 4);
  });
});
