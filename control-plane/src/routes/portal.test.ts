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

type Tenant = Awaited<ReturnType<typeof signupTenant>>;

async function register(slug: string, email: string) {
  const res = await t.api.call("POST", "/api/v1/developers/register", {
    body: { tenant: slug, email, password: "developer password" },
  });
  expect(res.status).toBe(201);
  return res.body.accessToken as string;
}

/** An API of `tenant` moved through `actions`, with `tags`. */
async function api(tenant: Tenant, name: string, actions: string[], extra: Record<string, unknown> = {}) {
  const call = (method: string, path: string, body?: unknown) =>
    t.api.call(method, path, { token: tenant.token, body });
  const created = await call("POST", "/api/v1/apis", {
    name,
    context: name.toLowerCase().replace(/\W+/g, "-"),
    version: "v1",
    upstream: { url: "http://127.0.0.1:9/" },
    ...extra,
  });
  expect(created.status).toBe(201);
  for (const action of actions) {
    expect((await call("POST", `/api/v1/apis/${created.body.id}/lifecycle`, { action })).status).toBe(200);
  }
  return created.body.id as string;
}

describe("developer self-registration", () => {
  it("makes a developer who is signed in at once and can sign in later", async () => {
    const a = await signupTenant(t.api);
    const token = await register(a.slug, "Dev@Example.org");
    const again = await t.api.call("POST", "/api/v1/login", {
      body: { tenant: a.slug, email: "dev@example.org", password: "developer password" },
    });
    expect(again.status).toBe(200);
    expectProblem(await t.api.call("POST", "/api/v1/apis", { token, body: {} }), 403, "forbidden");
    expectProblem(
      await t.api.call("POST", "/api/v1/developers/register", {
        body: { tenant: a.slug, email: "dev@example.org", password: "another password" },
      }),
      409,
      "conflict",
    );
    const audit = (await t.api.call("GET", "/api/v1/audit?action=developer.register", { token: a.token })).body;
    expect(audit.map((e: { summary: { email: string } }) => e.summary.email)).toContain("dev@example.org");
  });

  it("is refused when the tenant closes it, by admins only, with If-Match", async () => {
    const a = await signupTenant(t.api);
    const dev = await register(a.slug, "early@example.org");
    expectProblem(
      await t.api.call("PATCH", "/api/v1/portal-settings", { token: dev, body: { openRegistration: false } }),
      403,
      "forbidden",
    );
    const current = await t.api.call("GET", "/api/v1/portal-settings", { token: a.token });
    expect(current.body).toEqual({ openRegistration: true });
    const closed = await t.api.call("PATCH", "/api/v1/portal-settings", {
      token: a.token,
      body: { openRegistration: false },
      headers: { "if-match": current.headers.get("etag")! },
    });
    expect(closed.body).toEqual({ openRegistration: false });
    expectProblem(
      await t.api.call("PATCH", "/api/v1/portal-settings", {
        token: a.token,
        body: { openRegistration: true },
        headers: { "if-match": current.headers.get("etag")! },
      }),
      412,
      "precondition-failed",
    );
    expect((await t.api.call("GET", `/api/v1/portal/${a.slug}`)).body.openRegistration).toBe(false);
    expectProblem(
      await t.api.call("POST", "/api/v1/developers/register", {
        body: { tenant: a.slug, email: "late@example.org", password: "developer password" },
      }),
      403,
      "forbidden",
    );
  });

  it("validates input, answers 404 for no tenant and 429 for a flood", async () => {
    const bad = await t.api.call("POST", "/api/v1/developers/register", {
      body: { tenant: "Not A Slug", email: "nope", password: "short" },
    });
    expectProblem(bad, 400, "validation-failed");
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["email", "password", "tenant"]);
    const ghost = uniqueName("ghost-");
    const body = { tenant: ghost, email: "x@example.org", password: "developer password" };
    for (let i = 0; i < 20; i += 1) {
      expectProblem(await t.api.call("POST", "/api/v1/developers/register", { body }), 404, "not-found");
    }
    const flooded = await t.api.call("POST", "/api/v1/developers/register", { body });
    expectProblem(flooded, 429, "rate-limited");
    expect(flooded.headers.get("retry-after")).toBe("60");
  });
});

describe("public catalog", () => {
  it("lists PUBLISHED and DEPRECATED APIs only, anonymously, by text and tag", async () => {
    const a = await signupTenant(t.api);
    const pay = await api(a, "Payments", ["publish"], {
      tags: ["Finance", "payments", "finance"],
      description: "Card",
    });
    const old = await api(a, "Ledger", ["publish", "deprecate"], { tags: ["finance"] });
    const hidden = [
      await api(a, "Draft", []),
      await api(a, "Preview", ["pre-release"]),
      await api(a, "Stopped", ["publish", "block"]),
      await api(a, "Gone", ["publish", "deprecate", "retire"]),
    ];
    const list = await t.api.call("GET", `/api/v1/portal/${a.slug}/apis`);
    expect(list.status).toBe(200);
    expect(list.body.map((x: { name: string }) => x.name)).toEqual(["Ledger", "Payments"]);
    expect(list.body[1]).toMatchObject({ status: "PUBLISHED", tags: ["finance", "payments"], rating: { count: 0 } });
    const byText = await t.api.call("GET", `/api/v1/portal/${a.slug}/apis?q=card`);
    expect(byText.body.map((x: { id: string }) => x.id)).toEqual([pay]);
    const byTag = await t.api.call("GET", `/api/v1/portal/${a.slug}/apis?tag=payments`);
    expect(byTag.body.map((x: { id: string }) => x.id)).toEqual([pay]);
    expect((await t.api.call("GET", `/api/v1/portal/${a.slug}/tags`)).body).toEqual([
      { tag: "finance", apis: 2 },
      { tag: "payments", apis: 1 },
    ]);
    const page = await t.api.call("GET", `/api/v1/portal/${a.slug}/apis?limit=1`);
    expect(page.body.map((x: { id: string }) => x.id)).toEqual([old]);
    const next = await t.api.call(
      "GET",
      `/api/v1/portal/${a.slug}/apis?limit=1&cursor=${page.headers.get("x-next-cursor")}`,
    );
    expect(next.body.map((x: { id: string }) => x.id)).toEqual([pay]);

    const doc = await t.api.call("GET", `/api/v1/portal/${a.slug}/apis/${pay}/openapi`);
    expect(doc.body).toMatchObject({ openapi: "3.1.0", info: { title: "Payments" } });
    expect(doc.body.servers[0].url).toMatch(new RegExp(`/t/${a.slug}/payments/v1$`));
    for (const id of hidden) {
      expectProblem(await t.api.call("GET", `/api/v1/portal/${a.slug}/apis/${id}`), 404, "not-found");
      expectProblem(await t.api.call("GET", `/api/v1/portal/${a.slug}/apis/${id}/openapi`), 404, "not-found");
      expectProblem(await t.api.call("GET", `/api/v1/portal/${a.slug}/apis/${id}/docs`), 404, "not-found");
    }
    expectProblem(await t.api.call("GET", `/api/v1/portal/${uniqueName("none-")}/apis`), 404, "not-found");
  });

  it("never shows one tenant's APIs on another tenant's portal", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const id = await api(a, "Secret", ["publish"]);
    expect((await t.api.call("GET", `/api/v1/portal/${b.slug}/apis`)).body).toEqual([]);
    for (const suffix of ["", "/openapi", "/docs", "/comments"]) {
      expectProblem(await t.api.call("GET", `/api/v1/portal/${b.slug}/apis/${id}${suffix}`), 404, "not-found");
    }
  });
});

describe("documentation pages", () => {
  it("are written by publishers, read by developers on catalog APIs, and stay in their tenant", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const dev = await register(a.slug, "reader@example.org");
    const outsider = await register(b.slug, "outsider@example.org");
    const id = await api(a, "Docs", ["publish"]);
    const draft = await api(a, "Unreleased", []);
    const page = { slug: "getting-started", title: "Getting started", body: "# Hello\n\n<script>x</script>" };

    const created = await t.api.call("POST", `/api/v1/apis/${id}/docs`, { token: a.token, body: page });
    expect(created.status).toBe(201);
    expectProblem(await t.api.call("POST", `/api/v1/apis/${id}/docs`, { token: a.token, body: page }), 409, "conflict");
    expectProblem(await t.api.call("POST", `/api/v1/apis/${id}/docs`, { token: dev, body: page }), 403, "forbidden");
    await t.api.call("POST", `/api/v1/apis/${draft}/docs`, { token: a.token, body: page });

    expect((await t.api.call("GET", `/api/v1/apis/${id}/docs`, { token: dev })).body).toEqual([created.body]);
    expect((await t.api.call("GET", `/api/v1/portal/${a.slug}/apis/${id}/docs`)).body).toEqual([created.body]);
    expectProblem(await t.api.call("GET", `/api/v1/apis/${draft}/docs`, { token: dev }), 404, "not-found");
    expect((await t.api.call("GET", `/api/v1/apis/${draft}/docs`, { token: a.token })).body).toHaveLength(1);

    const docUrl = `/api/v1/apis/${id}/docs/${created.body.id}`;
    const read = await t.api.call("GET", docUrl, { token: a.token });
    const etag = read.headers.get("etag")!;
    const changed = await t.api.call("PATCH", docUrl, {
      token: a.token,
      body: { title: "Start here" },
      headers: { "if-match": etag },
    });
    expect(changed.body.title).toBe("Start here");
    expectProblem(
      await t.api.call("PATCH", docUrl, { token: a.token, body: { title: "Lost" }, headers: { "if-match": etag } }),
      412,
      "precondition-failed",
    );

    const bAdmin = { token: b.token };
    expectProblem(await t.api.call("GET", docUrl, bAdmin), 404, "not-found");
    expectProblem(await t.api.call("GET", `/api/v1/apis/${id}/docs`, { token: outsider }), 404, "not-found");
    expectProblem(await t.api.call("PATCH", docUrl, { ...bAdmin, body: { title: "Mine" } }), 404, "not-found");
    expectProblem(await t.api.call("DELETE", docUrl, bAdmin), 404, "not-found");
    expectProblem(
      await t.api.call("POST", `/api/v1/apis/${id}/docs`, { ...bAdmin, body: { ...page, slug: "x" } }),
      404,
      "not-found",
    );

    expect((await t.api.call("DELETE", docUrl, { token: a.token })).status).toBe(204);
    expect((await t.api.call("GET", `/api/v1/portal/${a.slug}/apis/${id}/docs`)).body).toEqual([]);
    const actions = (await t.api.call("GET", `/api/v1/audit?targetId=${created.body.id}`, { token: a.token })).body;
    expect(actions.map((e: { action: string }) => e.action).sort()).toEqual([
      "api-doc.create",
      "api-doc.delete",
      "api-doc.update",
    ]);
  });
});

describe("ratings and comments", () => {
  it("keep one rating per developer and average them", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const id = await api(a, "Rated", ["publish"]);
    const draft = await api(a, "Unrated", []);
    const one = await register(a.slug, "one@example.org");
    const two = await register(a.slug, "two@example.org");
    const outsider = await register(b.slug, "outsider@example.org");
    const rate = (token: string, rating: unknown, api = id) =>
      t.api.call("PUT", `/api/v1/apis/${api}/rating`, { token, body: { rating } });

    expect((await rate(one, 4)).body).toEqual({ average: 4, count: 1, mine: 4 });
    expect((await rate(one, 5)).body).toEqual({ average: 5, count: 1, mine: 5 });
    expect((await rate(two, 2)).body).toEqual({ average: 3.5, count: 2, mine: 2 });
    expect((await t.api.call("GET", `/api/v1/apis/${id}/rating`, { token: one })).body.mine).toBe(5);
    expect((await t.api.call("GET", `/api/v1/portal/${a.slug}/apis/${id}`)).body.rating).toEqual({
      average: 3.5,
      count: 2,
    });
    expectProblem(await rate(one, 6), 400, "validation-failed");
    expectProblem(await rate(one, 0), 400, "validation-failed");
    expectProblem(await rate(one, 3, draft), 404, "not-found");
    expectProblem(await rate(outsider, 1), 404, "not-found");
    const publisher = await t.api.call("POST", "/api/v1/invitations", {
      token: a.token,
      body: { email: "pub@example.org", role: "publisher" },
    });
    const pub = await t.api.call("POST", "/api/v1/invitations/accept", {
      body: { tenant: a.slug, token: publisher.body.token, password: "publisher password" },
    });
    expectProblem(await rate(pub.body.accessToken, 5), 403, "forbidden");
  });

  it("let authors and admins delete comments, nobody else", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const id = await api(a, "Discussed", ["publish"]);
    const author = await register(a.slug, "ada.lovelace@example.org");
    const other = await register(a.slug, "other@example.org");
    const comment = (token: string, body: unknown) =>
      t.api.call("POST", `/api/v1/apis/${id}/comments`, { token, body });

    const first = await comment(author, { body: "  Works well.  " });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ author: "ada.lovelace", body: "Works well." });
    const second = await comment(author, { body: "Second thought." });
    expectProblem(await comment(author, { body: "" }), 400, "validation-failed");
    expectProblem(await comment(b.token, { body: "hi" }), 404, "not-found");
    const listed = await t.api.call("GET", `/api/v1/portal/${a.slug}/apis/${id}/comments`);
    expect(listed.body.map((c: { id: string }) => c.id)).toEqual([first.body.id, second.body.id]);

    const url = (c: { body: { id: string } }) => `/api/v1/apis/${id}/comments/${c.body.id}`;
    expectProblem(await t.api.call("DELETE", url(first), { token: other }), 403, "forbidden");
    expectProblem(await t.api.call("DELETE", url(first), { token: b.token }), 404, "not-found");
    expect((await t.api.call("DELETE", url(first), { token: author })).status).toBe(204);
    expect((await t.api.call("DELETE", url(second), { token: a.token })).status).toBe(204);
    expect((await t.api.call("GET", `/api/v1/portal/${a.slug}/apis/${id}/comments`)).body).toEqual([]);
  });
});
