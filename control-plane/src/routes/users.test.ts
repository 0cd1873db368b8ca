import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(() => t?.close());

describe("invitations", () => {
  it("bring a member in with the invited role, once", async () => {
    const { token, slug } = await signupTenant(t.api);
    const inv = await t.api.call("POST", "/api/v1/invitations", {
      token,
      body: { email: "Dev@Example.org", role: "developer" },
    });
    expect(inv.status).toBe(201);
    expect(inv.body).toMatchObject({ email: "dev@example.org", role: "developer", acceptedAt: null });
    expect(inv.body.token).toMatch(/^inv_/);
    expect((await t.api.call("GET", "/api/v1/invitations", { token })).body.map((i: { id: string }) => i.id)).toEqual([
      inv.body.id,
    ]);

    const accept = { tenant: slug, token: inv.body.token, password: "developer password" };
    const joined = await t.api.call("POST", "/api/v1/invitations/accept", { body: accept });
    expect(joined.status).toBe(201);
    expect(joined.body.user).toMatchObject({ email: "dev@example.org", role: "developer" });
    expectProblem(await t.api.call("POST", "/api/v1/invitations/accept", { body: accept }), 401, "invalid-credentials");
    expectProblem(
      await t.api.call("POST", "/api/v1/invitations/accept", { body: { ...accept, tenant: "other-tenant" } }),
      401,
      "invalid-credentials",
    );

    const login = await t.api.call("POST", "/api/v1/login", {
      body: { tenant: slug, email: "dev@example.org", password: "developer password" },
    });
    expect(login.status).toBe(200);
    expectProblem(
      await t.api.call("POST", "/api/v1/apis", { token: login.body.accessToken, body: {} }),
      403,
      "forbidden",
    );
    expect((await t.api.call("GET", "/api/v1/invitations", { token })).body).toEqual([]);
    expectProblem(
      await t.api.call("POST", "/api/v1/invitations", { token, body: { email: "dev@example.org", role: "admin" } }),
      409,
      "conflict",
    );
  });

  it("can be withdrawn", async () => {
    const { token, slug } = await signupTenant(t.api);
    const inv = (
      await t.api.call("POST", "/api/v1/invitations", { token, body: { email: "x@example.org", role: "publisher" } })
    ).body;
    expect((await t.api.call("DELETE", `/api/v1/invitations/${inv.id}`, { token })).status).toBe(204);
    expectProblem(
      await t.api.call("POST", "/api/v1/invitations/accept", {
        body: { tenant: slug, token: inv.token, password: "long enough" },
      }),
      401,
      "invalid-credentials",
    );
  });
});

describe("members", () => {
  it("change role and leave, but the last admin stays", async () => {
    const { token, slug } = await signupTenant(t.api);
    const users = (await t.api.call("GET", "/api/v1/users", { token })).body;
    expect(users).toHaveLength(1);
    const admin = users[0];
    expectProblem(
      await t.api.call("PATCH", `/api/v1/users/${admin.id}`, { token, body: { role: "developer" } }),
      409,
      "conflict",
    );
    expectProblem(await t.api.call("DELETE", `/api/v1/users/${admin.id}`, { token }), 409, "conflict");

    const inv = (
      await t.api.call("POST", "/api/v1/invitations", { token, body: { email: "p@example.org", role: "publisher" } })
    ).body;
    const p = (
      await t.api.call("POST", "/api/v1/invitations/accept", {
        body: { tenant: slug, token: inv.token, password: "publisher pw" },
      })
    ).body;
    const promoted = await t.api.call("PATCH", `/api/v1/users/${p.user.id}`, { token, body: { role: "admin" } });
    expect(promoted.body.role).toBe("admin");
    expect(
      (await t.api.call("PATCH", `/api/v1/users/${admin.id}`, { token, body: { role: "developer" } })).body.role,
    ).toBe("developer");
    // The old admin's token carries "admin", but the member is a developer now, at once.
    expectProblem(await t.api.call("GET", "/api/v1/users", { token }), 403, "forbidden");
    expect((await t.api.call("DELETE", `/api/v1/users/${admin.id}`, { token: p.accessToken })).status).toBe(204);
    expectProblem(await t.api.call("GET", "/api/v1/apis", { token }), 401, "unauthorized");
    const audit = (await t.api.call("GET", "/api/v1/audit?targetType=user", { token: p.accessToken })).body;
    expect(audit.map((e: { action: string }) => e.action)).toEqual([
      "user.delete",
      "user.update",
      "user.update",
      "invitation.accept",
    ]);
  });
});
