import { describe, expect, it } from "vitest";
import { RequestSchema, RequestValidationConfig } from "./schema.js";
import { RequestSchemaCompiler, requestErrors } from "./validator.js";

describe("request-validation schema", () => {
  it("fills defaults and bounds the checked body", () => {
    expect(RequestValidationConfig.parse({})).toEqual({ parameters: true, body: true, maxBodyBytes: 1024 * 1024 });
    expect(RequestValidationConfig.safeParse({ maxBodyBytes: 0 }).success).toBe(false);
    expect(RequestValidationConfig.safeParse({ maxBodyBytes: 64 * 1024 * 1024 }).success).toBe(false);
  });

  it("describes an operation's parameters and body; only path, query and header parameters", () => {
    expect(RequestSchema.parse({ parameters: [{ name: "id", in: "path" }] })).toEqual({
      parameters: [{ name: "id", in: "path", required: false }],
      definitions: {},
    });
    expect(RequestSchema.safeParse({ parameters: [{ name: "c", in: "cookie" }] }).success).toBe(false);
  });
});

describe("request schema compiler", () => {
  const compiler = new RequestSchemaCompiler();

  it("coerces parameters to their types and reports pointers; bodies are not coerced", () => {
    const compiled = compiler.compile("/items/{id}", {
      parameters: [
        { name: "id", in: "path", required: true, schema: { type: "integer" } },
        { name: "tags", in: "query", required: false, schema: { type: "array", items: { type: "string" } } },
      ],
      body: { required: true, jsonOnly: true, schema: { $ref: "#/$defs/Item" } },
      definitions: { Item: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] } },
    });
    if (!compiled.ok) {
      throw new Error(compiled.error);
    }
    const { params, body, pathParams } = compiled.value;
    expect(pathParams).toEqual([[1, "id"]]);
    expect(params?.({ path: { id: "7" }, query: { tags: "a" }, header: {} })).toBe(true);
    expect(params?.({ path: { id: "x" }, query: {}, header: {} })).toBe(false);
    expect(requestErrors(params?.errors)).toEqual([{ pointer: "/path/id", message: "must be integer" }]);
    expect(body?.validate?.({ n: "1" })).toBe(false);
    expect(requestErrors(body?.validate?.errors, "/body")).toEqual([
      { pointer: "/body/n", message: "must be integer" },
    ]);
    expect(body?.validate?.({})).toBe(false);
    expect(requestErrors(body?.validate?.errors, "/body")).toEqual([{ pointer: "/body/n", message: "is required" }]);
  });

  it("reuses the previous apply's validators for unchanged operations only", () => {
    const op = { parameters: [{ name: "q", in: "query" as const, required: true }], definitions: {} };
    const first = new RequestSchemaCompiler();
    const before = first.compile("/a", op);
    const next = new RequestSchemaCompiler(first);
    const same = next.compile("/a", op);
    const changed = next.compile("/a", { ...op, parameters: [{ ...op.parameters[0]!, required: false }] });
    expect(same.ok && before.ok && same.value === before.value).toBe(true);
    expect(changed.ok && before.ok && changed.value === before.value).toBe(false);
  });

  it("refuses a path parameter the template lacks and a schema that does not compile", () => {
    expect(
      compiler.compile("/items", { parameters: [{ name: "id", in: "path", required: true }], definitions: {} }),
    ).toEqual({
      ok: false,
      error: 'path parameter "id" is not in /items',
    });
    const broken = compiler.compile("/x", {
      parameters: [],
      body: { required: false, jsonOnly: true, schema: { $ref: "#/$defs/Missing" } },
      definitions: {},
    });
    expect(broken.ok).toBe(false);
  });
});
