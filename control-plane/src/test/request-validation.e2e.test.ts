import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, type Response, signupTenant, type TestControlPlane } from "./harness.js";
import { application, served, startTestStack, type TestStack } from "./journey.js";

/**
 * Imported OpenAPI (3.0 as YAML, 3.1 as JSON) → request-validation on the API → deployed →
 * a real gateway refuses what the document forbids with 400 problem+json listing each error,
 * and the upstream never sees those requests.
 */
let stack: TestStack;
let t: TestControlPlane;
let token: string;
let slug: string;

beforeAll(async () => {
  stack = await startTestStack("validation-gw");
  t = stack.t;
  ({ token, slug } = await signupTenant(t.api));
});
afterAll(() => stack?.close());

const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });

const OPENAPI_30 = `
openapi: 3.0.3
info: { title: Pets, version: v1 }
paths:
  /pets:
    post:
      requestBody: { $ref: '#/components/requestBodies/NewPet' }
      responses: { '201': { description: created } }
  /pets/{petId}:
    parameters:
      - { name: petId, in: path, required: true, schema: { type: integer, minimum: 1 } }
    get:
      parameters:
        - { name: limit, in: query, schema: { type: integer, maximum: 100 } }
        - { name: X-Trace, in: header, required: true, schema: { type: string, format: uuid } }
      responses: { '200': { description: ok } }
components:
  requestBodies:
    NewPet:
      required: true
      content: { application/json: { schema: { $ref: '#/components/schemas/Pet' } } }
  schemas:
    Pet:
      type: object
      required: [name, age]
      properties:
        name: { type: string, minLength: 1 }
        age: { type: number, minimum: 0, exclusiveMinimum: true }
        tag: { type: string, nullable: true }
        owner: { $ref: '#/components/schemas/Owner' }
    Owner:
      type: object
      properties: { email: { type: string, format: email } }
`;

const OPENAPI_31 = {
  openapi: "3.1.0",
  info: { title: "Orders", version: "v1" },
  paths: {
    "/orders": {
      post: {
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: "#/components/schemas/Order" } } },
        },
        responses: { "201": { description: "created" } },
      },
    },
  },
  components: {
    schemas: {
      Order: {
        type: "object",
        required: ["items"],
        properties: {
          note: { type: ["string", "null"] },
          items: { type: "array", minItems: 1, items: { $ref: "#/components/schemas/Item" } },
          parent: { $ref: "#/components/schemas/Order" },
        },
      },
      Item: { type: "object", required: ["sku"], properties: { sku: { const: "A-1" } } },
    },
  },
};

/** Imports, attaches request-validation to the whole API, publishes and deploys; returns an API key. */
async function validatedApi(openapi: unknown, context: string): Promise<string> {
  const imported = await call("POST", "/api/v1/apis/import", {
    openapi,
    context,
    upstream: { url: stack.upstream.url },
  });
  expect(imported.status).toBe(201);
  const id = imported.body.id as string;
  const patched = await call("PATCH", `/api/v1/apis/${id}`, {
    policies: [{ kind: "request-validation", config: {} }],
  });
  expect(patched.status).toBe(200);
  expect((await call("POST", `/api/v1/apis/${id}/lifecycle`, { action: "publish" })).status).toBe(200);
  const rev = await call("POST", `/api/v1/apis/${id}/revisions`);
  expect(rev.status).toBe(201);
  expect(
    (await call("POST", `/api/v1/apis/${id}/deployments`, { revisionId: rev.body.id, environment: "default" })).status,
  ).toBe(201);
  return (await application(t, token, id)).key;
}

const pointers = (body: { errors?: { path: string; pointer: string; message: string }[] }) =>
  (body.errors ?? []).map((e) => `${e.pointer} ${e.message}`);

/** A 400 validation problem listing (at least) these `pointer message` errors. */
function expectRefused(res: Response, ...errors: string[]) {
  expectProblem(res, 400, "validation-failed");
  expect(pointers(res.body)).toEqual(expect.arrayContaining(errors));
}

describe("request validation against the imported OpenAPI document", () => {
  it("OpenAPI 3.0: path, query and header parameters, and a $ref'd JSON body with nullable and exclusiveMinimum", async () => {
    const key = await validatedApi(OPENAPI_30, "pets30");
    const base = `/t/${slug}/pets30/v1`;
    const trace = "3f2b8c1e-4a5d-4e6f-9a0b-1c2d3e4f5a6b";
    await served(stack.gw, `${base}/pets/7?limit=10`, { "x-api-key": key, "x-trace": trace });
    const seen = stack.upstream.seen.length;

    const badParams = await stack.gw.call("GET", `${base}/pets/0?limit=500`, {
      headers: { "x-api-key": key, "x-trace": "nope" },
    });
    expectRefused(
      badParams,
      "/path/petId must be >= 1",
      "/query/limit must be <= 100",
      '/header/x-trace must match format "uuid"',
    );
    const noHeader = await stack.gw.call("GET", `${base}/pets/abc`, { headers: { "x-api-key": key } });
    expectRefused(noHeader, "/path/petId must be integer", "/header/x-trace is required");

    const post = (body: unknown, headers: Record<string, string> = {}) =>
      stack.gw.call("POST", `${base}/pets`, { body, headers: { "x-api-key": key, ...headers } });
    expect((await post({ name: "Rex", age: 3, tag: null, owner: { email: "a@example.com" } })).status).toBe(200);
    const badBody = await post({ name: "", age: 0, tag: 5, owner: { email: "not-mail" } });
    expectRefused(
      badBody,
      "/body/name must NOT have fewer than 1 characters",
      "/body/age must be > 0",
      "/body/tag must be string,null",
      '/body/owner/email must match format "email"',
    );
    expect(pointers((await post({ age: 2 })).body)).toEqual(["/body/name is required"]);
    expect(pointers((await post("{not json", { "content-type": "application/json" })).body)).toEqual([
      "/body is not valid JSON",
    ]);
    expect(pointers((await stack.gw.call("POST", `${base}/pets`, { headers: { "x-api-key": key } })).body)).toEqual([
      "/body is required",
    ]);
    expectProblem(
      await post("name=Rex", { "content-type": "application/x-www-form-urlencoded" }),
      415,
      "unsupported-media-type",
    );
    // Only the two valid requests reached the upstream, the checked body forwarded intact.
    const forwarded = stack.upstream.seen.slice(seen);
    expect(forwarded.map((r) => r.method)).toEqual(["POST"]);
    expect(JSON.parse(forwarded[0]!.body)).toMatchObject({ name: "Rex", age: 3 });
  });

  it("OpenAPI 3.1: type arrays, const and recursive $refs between component schemas", async () => {
    const key = await validatedApi(JSON.stringify(OPENAPI_31), "orders31");
    const path = `/t/${slug}/orders31/v1/orders`;
    const post = (body: unknown) => stack.gw.call("POST", path, { body, headers: { "x-api-key": key } });
    await until200(() => post({ items: [{ sku: "A-1" }], note: null, parent: { items: [{ sku: "A-1" }] } }));
    const seen = stack.upstream.seen.length;
    expectRefused(
      await post({ items: [], note: 3, parent: { items: [{ sku: "B-2" }] } }),
      "/body/items must NOT have fewer than 1 items",
      "/body/note must be string,null",
      "/body/parent/items/0/sku must be equal to constant",
    );
    expect(stack.upstream.seen.length).toBe(seen);
  });

  it("refuses a revision whose API has no OpenAPI document to validate against", async () => {
    const api = await call("POST", "/api/v1/apis", {
      name: "Plain",
      context: "plain",
      version: "v1",
      upstream: { url: stack.upstream.url },
      resources: [{ method: "GET", path: "/x" }],
      policies: [{ kind: "request-validation", config: {} }],
    });
    expect(api.status).toBe(201);
    const rev = await call("POST", `/api/v1/apis/${api.body.id}/revisions`);
    expectProblem(rev, 400, "validation-failed");
    expect(JSON.stringify(rev.body.errors)).toContain("needs the API's OpenAPI definition");
  });
});

async function until200(send: () => Promise<{ status: number }>): Promise<void> {
  const end = Date.now() + 15_000;
  while ((await send()).status !== 200) {
    if (Date.now() > end) {
      throw new Error("never 200");
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
