import type { BundleResource } from "@portico/shared/bundle";
import { describe, expect, it } from "vitest";
import type { CompiledApi } from "../../config/compile.js";
import { testDeps, testExchange } from "../testing.js";
import { createRequestValidationHandler } from "./handler.js";

const CONFIG = { parameters: true, body: true, maxBodyBytes: 1024 };

const resource = (request: BundleResource["request"]): BundleResource => ({
  method: "GET",
  path: "/items/{id}",
  authRequired: true,
  scopes: [],
  policies: [],
  request,
});

const ITEMS: BundleResource["request"] = {
  parameters: [
    { name: "id", in: "path", required: true, schema: { type: "integer", minimum: 1 } },
    { name: "sort", in: "query", required: false, schema: { enum: ["asc", "desc"] } },
    { name: "ids", in: "query", required: false, schema: { type: "array", items: { type: "integer" } } },
    { name: "x-tenant", in: "header", required: true, schema: { type: "string", pattern: "^t-" } },
  ],
  definitions: {},
};

const handler = (request: BundleResource["request"]) =>
  createRequestValidationHandler(CONFIG, testDeps({}, "v", { resource: resource(request) }));

function get(url: string, headers: Record<string, string> = {}) {
  const ex = testExchange(headers);
  Object.assign(ex.req, { url: `/t/acme/shop/v1${url}`, method: "GET" });
  ex.api = { prefix: "/t/acme/shop/v1" } as CompiledApi;
  return ex;
}

describe("request-validation handler", () => {
  it("passes a request whose path, query and header parameters match (strings coerced to their types)", () => {
    const h = handler(ITEMS);
    expect(h.onRequest(get("/items/12?sort=asc&ids=1&ids=2", { "x-tenant": "t-1" }))).toEqual({ ok: true });
    expect(h.onRequest(get("/items/%31%32?ids=3", { "x-tenant": "t-1" }))).toEqual({ ok: true });
  });

  it("lists every invalid parameter as a pointer and a message", () => {
    expect(handler(ITEMS).onRequest(get("/items/0?sort=up&ids=x"))).toEqual({
      ok: false,
      code: "validation-failed",
      detail: "The request does not match the API's definition",
      errors: expect.arrayContaining([
        { pointer: "/path/id", message: "must be >= 1" },
        { pointer: "/query/sort", message: "must be equal to one of the allowed values" },
        { pointer: "/query/ids/0", message: "must be integer" },
        { pointer: "/header/x-tenant", message: "is required" },
      ]),
    });
  });

  it("checks nothing where the resource carries no operation, and refuses to build on a broken schema", () => {
    expect(handler(undefined).onRequest(get("/items/abc"))).toEqual({ ok: true });
    expect(() => handler({ parameters: [{ name: "nope", in: "path", required: true }], definitions: {} })).toThrow(
      /path parameter "nope"/,
    );
  });
});
