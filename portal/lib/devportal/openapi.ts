/**
 * The parts of an OpenAPI 3.x document the portal shows: operations with their parameters,
 * bodies and responses, and the named schemas. Tolerant of partial documents: the catalog
 * serves whatever the publisher imported, and APIs without one get paths from resources.
 */

export const HTTP_METHODS = ["get", "post", "put", "patch", "delete", "head", "options"] as const;

type Json = Record<string, unknown>;

export interface Field {
  name: string;
  type: string;
  required: boolean;
  description?: string;
}

export interface Parameter extends Field {
  in: string;
}

export interface Operation {
  /** `GET /pets/{id}`: unique per document, stable across renders. */
  key: string;
  method: string;
  path: string;
  summary?: string;
  description?: string;
  parameters: Parameter[];
  requestBody?: { contentType: string; type: string; fields: Field[]; example?: string };
  responses: { status: string; description: string; type?: string }[];
}

export interface NamedSchema {
  name: string;
  description?: string;
  type: string;
  fields: Field[];
}

const obj = (v: unknown): Json => (v && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() ? v : undefined);

function resolve(doc: Json, value: unknown, depth = 0): Json {
  const o = obj(value);
  const ref = str(o.$ref);
  if (!ref || depth > 8 || !ref.startsWith("#/")) {
    return o;
  }
  let target: unknown = doc;
  for (const part of ref.slice(2).split("/")) {
    target = obj(target)[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return resolve(doc, target, depth + 1);
}

const refName = (schema: Json) => str(schema.$ref)?.split("/").at(-1);

/** A short, readable type: `string (uuid)`, `Pet[]`, `"a" | "b"`, `object`. */
export function typeOf(doc: Json, raw: unknown, depth = 0): string {
  const schema = obj(raw);
  const named = refName(schema);
  if (named) {
    return named;
  }
  if (depth > 3) {
    return "…";
  }
  for (const combinator of ["oneOf", "anyOf", "allOf"] as const) {
    if (Array.isArray(schema[combinator])) {
      const parts = (schema[combinator] as unknown[]).map((s) => typeOf(doc, s, depth + 1));
      return parts.join(combinator === "allOf" ? " & " : " | ");
    }
  }
  if (Array.isArray(schema.enum)) {
    return schema.enum.map((e) => JSON.stringify(e)).join(" | ");
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).join(" | ") : str(schema.type);
  if (type === "array") {
    const item = typeOf(doc, schema.items, depth + 1);
    return item.includes(" ") ? `(${item})[]` : `${item}[]`;
  }
  const format = str(schema.format);
  return type ? (format ? `${type} (${format})` : type) : schema.properties ? "object" : "any";
}

/** The properties of an object schema (through a $ref and allOf), required ones first. */
export function fieldsOf(doc: Json, raw: unknown): Field[] {
  const schema = resolve(doc, raw);
  const parts = Array.isArray(schema.allOf) ? (schema.allOf as unknown[]).map((s) => resolve(doc, s)) : [schema];
  const fields: Field[] = [];
  for (const part of parts) {
    const required = new Set(Array.isArray(part.required) ? (part.required as string[]) : []);
    for (const [name, prop] of Object.entries(obj(part.properties))) {
      const description = str(resolve(doc, prop).description);
      fields.push({
        name,
        type: typeOf(doc, prop),
        required: required.has(name),
        ...(description ? { description } : {}),
      });
    }
  }
  return fields.sort((a, b) => Number(b.required) - Number(a.required));
}

/** A JSON example for a request body: the document's own example, else one built from the schema. */
function exampleOf(doc: Json, media: Json): string | undefined {
  if (media.example !== undefined) {
    return JSON.stringify(media.example, null, 2);
  }
  const schema = resolve(doc, media.schema);
  if (schema.example !== undefined) {
    return JSON.stringify(schema.example, null, 2);
  }
  const build = (raw: unknown, depth: number): unknown => {
    const s = resolve(doc, raw);
    if (s.example !== undefined) {
      return s.example;
    }
    if (Array.isArray(s.enum)) {
      return s.enum[0];
    }
    switch (s.type) {
      case "object":
        return depth > 3
          ? {}
          : Object.fromEntries(Object.entries(obj(s.properties)).map(([k, v]) => [k, build(v, depth + 1)]));
      case "array":
        return depth > 3 ? [] : [build(s.items, depth + 1)];
      case "integer":
      case "number":
        return 0;
      case "boolean":
        return true;
      case "string":
        return str(s.format) === "date-time" ? new Date(0).toISOString() : "string";
      default:
        return s.properties ? build({ ...s, type: "object" }, depth) : null;
    }
  };
  return schema.type || schema.properties ? JSON.stringify(build(schema, 0), null, 2) : undefined;
}

export function operationsOf(doc: Json): Operation[] {
  const ops: Operation[] = [];
  for (const [path, rawItem] of Object.entries(obj(doc.paths))) {
    const item = resolve(doc, rawItem);
    const shared = Array.isArray(item.parameters) ? (item.parameters as unknown[]) : [];
    for (const method of HTTP_METHODS) {
      if (!item[method]) {
        continue;
      }
      const op = resolve(doc, item[method]);
      const params = [...shared, ...(Array.isArray(op.parameters) ? (op.parameters as unknown[]) : [])]
        .map((p) => resolve(doc, p))
        .filter((p) => str(p.name) && str(p.in));
      const byKey = new Map(params.map((p) => [`${p.in}:${p.name}`, p]));
      const body = resolve(doc, op.requestBody);
      const [contentType, media] = Object.entries(obj(body.content))[0] ?? [];
      const summary = str(op.summary);
      const description = str(op.description);
      ops.push({
        key: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        ...(summary ? { summary } : {}),
        ...(description ? { description } : {}),
        parameters: [...byKey.values()].map((p) => {
          const d = str(p.description);
          return {
            name: p.name as string,
            in: p.in as string,
            type: typeOf(doc, p.schema),
            required: p.required === true || p.in === "path",
            ...(d ? { description: d } : {}),
          };
        }),
        ...(contentType
          ? {
              requestBody: {
                contentType,
                type: typeOf(doc, obj(media).schema),
                fields: fieldsOf(doc, obj(media).schema),
                ...(contentType.includes("json") ? { example: exampleOf(doc, obj(media)) } : {}),
              },
            }
          : {}),
        responses: Object.entries(obj(op.responses)).map(([status, raw]) => {
          const r = resolve(doc, raw);
          const [, m] = Object.entries(obj(r.content))[0] ?? [];
          return {
            status,
            description: str(r.description) ?? "",
            ...(m && obj(m).schema ? { type: typeOf(doc, obj(m).schema) } : {}),
          };
        }),
      });
    }
  }
  return ops;
}

export function schemasOf(doc: Json): NamedSchema[] {
  return Object.entries(obj(obj(doc.components).schemas)).map(([name, raw]) => {
    const s = resolve(doc, raw);
    const description = str(s.description);
    return {
      name,
      type: typeOf(doc, { ...s, $ref: undefined }),
      fields: fieldsOf(doc, s),
      ...(description ? { description } : {}),
    };
  });
}
