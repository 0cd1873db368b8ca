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
    const me = await t.api.call("GET", "/api/v1/me", { token: login.body.accessToken });
    expect(me.body).toMatchObject({
      user: { email: "dev@example.org", role: "developer" },
      tenant: { slug },
      areas: [],
    });
    expect(me.body.permissions).toContain("applications:write");
    expect(me.body.permissions).not.toContain("apis:write");
    const adminMe = (await t.api.call("GET", "/api/v1/me", { token })).body;
    expect(adminMe.areas).toEqual(["publisher", "admin", "analytics"]);
    expectProblem(await t.api.call("GET", "/api/v1/me"), 401, "unauthorized");
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

describe("applications of developers", () => {
  it("are their own: other developers neither see nor use them, publishers see all", async () => {
    const { token, slug } = await signupTenant(t.api);
    const member = async (email: string, role: string) => {
      const inv = (await t.api.call("POST", "/api/v1/invitations", { token, body: { email, role } })).body;
      return (
        await t.api.call("POST", "/api/v1/invitations/accept", {
          body: { tenant: slug, token: inv.token, password: "member password" },
        })
      ).body.accessToken as string;
    };
    const dev1 = await member("one@dev.example", "developer");
    const dev2 = await member("two@dev.example", "developer");
    const publisher = await member("pub@dev.example", "publisher");
    const app = (await t.api.call("POST", "/api/v1/applications", { token: dev1, body: { name: "mine" } })).body;
    const api = (
      await t.api.call("POST", "/api/v1/apis", {
        token,
        body: { name: "P", context: "owned", version: "v1", upstream: { url: "http://127.0.0.1:9" } },
      })
    ).body;
    await t.api.call("POST", `/api/v1/apis/${api.id}/lifecycle`, { token, body: { action: "publish" } });
    const sub = (
      await t.api.call("POST", "/api/v1/subscriptions", {
        token: dev1,
        body: { applicationId: app.id, apiId: api.id, tier: "Gold" },
      })
    ).body;

    expect((await t.api.call("GET", "/api/v1/applications", { token: dev2 })).body).toEqual([]);
    expectProblem(await t.api.call("GET", `/api/v1/applications/${app.id}`, { token: dev2 }), 404, "not-found");
    expectProblem(
      await t.api.call("POST", `/api/v1/applications/${app.id}/api-keys`, { token: dev2 }),
      404,
      "not-found",
    );
    expectProblem(
      await t.api.call("POST", `/api/v1/applications/${app.id}/credentials`, { token: dev2 }),
      404,
      "not-found",
    );
    expect(
      (
        await t.api.call("POST", "/api/v1/subscriptions", {
          token: dev2,
          body: { applicationId: app.id, apiId: api.id, tier: "Gold" },
        })
      ).status,
    ).toBe(400);
    expect((await t.api.call("GET", "/api/v1/subscriptions", { token: dev2 })).body).toEqual([]);
    expectProblem(await t.api.call("GET", `/api/v1/subscriptions/${sub.id}`, { token: dev2 }), 404, "not-found");

    expect(
      (await t.api.call("GET", "/api/v1/applications", { token: dev1 })).body.map((a: { id: string }) => a.id),
    ).toEqual([app.id]);
    expect(
      (await t.api.call("GET", "/api/v1/applications", { token: publisher })).body.map((a: { id: string }) => a.id),
    ).toEqual([app.id]);
    expect(
      (await t.api.call("GET", "/api/v1/subscriptions", { token: publisher })).body.map((x: { id: string }) => x.id),
    ).toEqual([sub.id]);
  });
});
