import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  expectProblem,
  signupTenant,
  startTestControlPlane,
  type TestControlPlane,
  uniqueName,
} from "../test/harness.js";

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(() => t?.close());

describe("signup", () => {
  it("creates the tenant, its admin, Unlimited and the default tiers, and a console token", async () => {
    const { token, slug } = await signupTenant(t.api);
    expect(slug).toBeTruthy();
    const tiers = await t.api.call("GET", "/api/v1/tiers", { token });
    expect(tiers.status).toBe(200);
    expect(tiers.body.map((x: { name: string }) => x.name)).toEqual(["Unlimited", "Gold", "Silver", "Bronze"]);
    expect(tiers.body[0]).toMatchObject({
      name: "Unlimited",
      kind: "subscription",
      requestsPerMinute: null,
      burst: null,
    });
    const envs = await t.api.call("GET", "/api/v1/environments", { token });
    expect(envs.body).toEqual([expect.objectContaining({ name: "default", type: "shared" })]);
  });

  it("stores the password as an argon2id hash", async () => {
    const { tenantId } = await signupTenant(t.api);
    const [row] = await t.cp.database.system.execute<{ password_hash: string }>(
      sql`select password_hash from users where tenant_id = ${tenantId}`,
    );
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);
  });

  it("refuses a taken slug with 409", async () => {
    const { slug } = await signupTenant(t.api);
    const res = await t.api.call("POST", "/api/v1/signup", {
      body: { tenant: { name: "Other", slug }, admin: { email: "x@y.example", password: "long enough pw" } },
    });
    expectProblem(res, 409, "slug-taken");
  });

  it("lists every invalid field of a bad body", async () => {
    const res = await t.api.call("POST", "/api/v1/signup", {
      body: { tenant: { name: "", slug: "Not A Slug" }, admin: { email: "nope", password: "short" } },
    });
    expectProblem(res, 400, "validation-failed");
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      "admin.email",
      "admin.password",
      "tenant.name",
      "tenant.slug",
    ]);
  });

  it("answers malformed JSON and a wrong content type with problems, not crashes", async () => {
    expectProblem(await t.api.call("POST", "/api/v1/signup", { body: "{nope" }), 400, "validation-failed");
    const res = await t.api.call("POST", "/api/v1/signup", { body: "a=b", headers: { "content-type": "text/plain" } });
    expect([400, 415]).toContain(res.status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("login", () => {
  it("returns a console token for the right password and 401 otherwise", async () => {
    const slug = uniqueName("login-");
    await t.api.call("POST", "/api/v1/signup", {
      body: {
        tenant: { name: "Login Co", slug },
        admin: { email: "Owner@Login.example", password: "correct horse battery" },
      },
    });
    const good = await t.api.call("POST", "/api/v1/login", {
      body: { tenant: slug, email: "owner@login.example", password: "correct horse battery" },
    });
    expect(good.status).toBe(200);
    expect((await t.api.call("GET", "/api/v1/apis", { token: good.body.accessToken })).status).toBe(200);

    for (const body of [
      { tenant: slug, email: "owner@login.example", password: "wrong password" },
      { tenant: slug, email: "nobody@login.example", password: "correct horse battery" },
      { tenant: uniqueName("missing-"), email: "owner@login.example", password: "correct horse battery" },
    ]) {
      expectProblem(await t.api.call("POST", "/api/v1/login", { body }), 401, "invalid-credentials");
    }
  });

  it("refuses calls without, or with a forged, console token", async () => {
    expectProblem(await t.api.call("GET", "/api/v1/apis"), 401, "unauthorized");
    const { token } = await signupTenant(t.api);
    const [h, p] = token.split(".");
    expectProblem(await t.api.call("GET", "/api/v1/apis", { token: `${h}.${p}.AAAA` }), 401, "unauthorized");
  });
});
