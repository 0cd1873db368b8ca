import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";

let t: TestControlPlane;
let token: string;
let slug: string;
beforeAll(async () => {
  t = await startTestControlPlane();
  ({ token, slug } = await signupTenant(t.api));
});
afterAll(() => t?.close());

const newApi = (over: Record<string, unknown> = {}) => ({
  name: "Pets",
  context: "/pets",
  version: "v1",
  upstream: { url: "http://127.0.0.1:9/pets" },
  ...over,
});

describe("APIs", () => {
  it("creates, lists, reads, changes and deletes an API", async () => {
    const created = await t.api.call("POST", "/api/v1/apis", {
      token,
      body: newApi({ context: "/crud/", version: "v2" }),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "Pets",
      context: "crud",
      version: "v2",
      status: "CREATED",
      upstream: { url: "http://127.0.0.1:9/pets" },
    });
    const id = created.body.id;
    expect((await t.api.call("GET", "/api/v1/apis", { token })).body.map((a: { id: string }) => a.id)).toContain(id);
    expect((await t.api.call("GET", `/api/v1/apis/${id}`, { token })).body.id).toBe(id);
    const patched = await t.api.call("PATCH", `/api/v1/apis/${id}`, {
      token,
      body: { name: "Pets 2", upstream: { url: "https://example.org" } },
    });
    expect(patched.body).toMatchObject({ name: "Pets 2", upstream: { url: "https://example.org" } });
    expectProblem(
      await t.api.call("PATCH", `/api/v1/apis/${id}`, { token, body: { context: "moved" } }),
      400,
      "validation-failed",
    );
    expect((await t.api.call("DELETE", `/api/v1/apis/${id}`, { token })).status).toBe(204);
    expectProblem(await t.api.call("GET", `/api/v1/apis/${id}`, { token }), 404, "not-found");
    expectProblem(await t.api.call("GET", "/api/v1/apis/not-a-uuid", { token }), 404, "not-found");
  });

  it("refuses a duplicate context and version with 409, and bad fields with 400", async () => {
    const body = newApi({ context: "dup" });
    expect((await t.api.call("POST", "/api/v1/apis", { token, body })).status).toBe(201);
    expectProblem(await t.api.call("POST", "/api/v1/apis", { token, body }), 409, "conflict");
    for (const bad of [{ context: "../x" }, { context: "" }, { upstream: { url: "ftp://x" } }, { version: "v 1" }]) {
      expectProblem(await t.api.call("POST", "/api/v1/apis", { token, body: newApi(bad) }), 400, "validation-failed");
    }
  });
});

describe("lifecycle", () => {
  it("follows the state machine and refuses forbidden moves with 409", async () => {
    const { body: api } = await t.api.call("POST", "/api/v1/apis", { token, body: newApi({ context: "life" }) });
    const move = (action: string) =>
      t.api.call("POST", `/api/v1/apis/${api.id}/lifecycle`, { token, body: { action } });
    expectProblem(await move("retire"), 409, "invalid-transition");
    expectProblem(await move("deprecate"), 409, "invalid-transition");
    expect((await move("pre-release")).body.status).toBe("PRE-RELEASED");
    expect((await move("publish")).body.status).toBe("PUBLISHED");
    expect((await move("block")).body.status).toBe("BLOCKED");
    expect((await move("publish")).body.status).toBe("PUBLISHED");
    expect((await move("deprecate")).body.status).toBe("DEPRECATED");
    expectProblem(await move("publish"), 409, "invalid-transition");
    expect((await move("retire")).body.status).toBe("RETIRED");
    expectProblem(await move("publish"), 409, "invalid-transition");
    expectProblem(await move("explode"), 400, "validation-failed");
  });
});

describe("OpenAPI import and export", () => {
  const yaml = `
openapi: 3.0.3
info: { title: Orders Service, version: "2.1" }
servers: [{ url: "http://127.0.0.1:9/orders" }]
paths:
  /orders:
    get: { summary: List orders, responses: { "200": { description: ok } } }
    post: { responses: { "201": { description: created } } }
  /orders/{id}:
    get: { responses: { "200": { description: ok } } }
`;

  it("turns operations into resources and exports OpenAPI 3.1 at the gateway URL", async () => {
    const res = await t.api.call("POST", "/api/v1/apis/import", { token, body: { openapi: yaml } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: "Orders Service",
      context: "orders-service",
      version: "2.1",
      upstream: { url: "http://127.0.0.1:9/orders" },
    });
    expect(res.body.resources).toEqual([
      { method: "GET", path: "/orders", summary: "List orders" },
      { method: "POST", path: "/orders" },
      { method: "GET", path: "/orders/{id}" },
    ]);
    const out = await t.api.call("GET", `/api/v1/apis/${res.body.id}/openapi`, { token });
    expect(out.body.openapi).toBe("3.1.0");
    expect(Object.keys(out.body.paths)).toEqual(["/orders", "/orders/{id}"]);
    expect(out.body.servers[0].url).toBe(`http://127.0.0.1:8000/t/${slug}/orders-service/2.1`);
  });

  it("accepts JSON objects with overrides", async () => {
    const doc = { openapi: "3.1.0", info: { title: "Inline", version: "1" }, paths: { "/a": { get: {} } } };
    const res = await t.api.call("POST", "/api/v1/apis/import", {
      token,
      body: { openapi: doc, upstream: { url: "http://127.0.0.1:9" }, context: "inline/x", version: "v9" },
    });
    expect(res.body).toMatchObject({ context: "inline/x", version: "v9", resources: [{ method: "GET", path: "/a" }] });
  });

  it("lists what is wrong with a bad document", async () => {
    const bad = { openapi: "2.0", info: { version: "1" }, paths: { orders: {} } };
    const res = await t.api.call("POST", "/api/v1/apis/import", { token, body: { openapi: bad } });
    expectProblem(res, 400, "invalid-openapi");
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual([
      "info.title",
      "openapi",
      "paths.orders",
    ]);
    expectProblem(
      await t.api.call("POST", "/api/v1/apis/import", { token, body: { openapi: "a: [unclosed" } }),
      400,
      "invalid-openapi",
    );
    const noUpstream = { openapi: "3.0.0", info: { title: "x", version: "1" }, paths: {} };
    expectProblem(
      await t.api.call("POST", "/api/v1/apis/import", { token, body: { openapi: noUpstream } }),
      400,
      "invalid-openapi",
    );
  });
});

describe("OpenAPI document of the control plane", () => {
  it("describes every contract call", async () => {
    const res = await t.api.call("GET", "/api/v1/openapi.json");
    expect(res.body.openapi).toBe("3.1.0");
    for (const path of [
      "/signup",
      "/login",
      "/apis",
      "/apis/{id}",
      "/apis/{id}/lifecycle",
      "/apis/{id}/revisions",
      "/apis/{id}/deployments",
      "/environments",
      "/gateways",
      "/applications",
      "/applications/{id}/credentials",
      "/applications/{id}/api-keys",
      "/subscriptions",
      "/analytics/requests",
      "/apis/import",
      "/apis/{id}/openapi",
      "/tiers",
      "/applications/{id}/api-keys/{keyId}",
      "/key-managers",
      "/applications/{id}/external-clients",
    ]) {
      expect(res.body.paths, path).toHaveProperty([path]);
    }
  });
});
