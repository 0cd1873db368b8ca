import { err, ok, type Result } from "@portico/shared";
import type { RequestSchema } from "@portico/shared/policies";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Keywords whose values are data, not schemas: never rewritten. */
const DATA_KEYWORDS = new Set(["enum", "const", "default", "example", "examples"]);
/** Identifiers would collide when one definition is compiled into several operations. */
const DROPPED_KEYWORDS = new Set(["$id", "$schema"]);
/** Request headers OpenAPI says a parameter cannot describe. */
const IGNORED_HEADERS = new Set(["accept", "content-type", "authorization"]);
const SCHEMA_REF = "#/components/schemas/";

const unescapeToken = (t: string) => decodeURIComponent(t).replace(/~1/g, "/").replace(/~0/g, "~");
const escapeToken = (t: string) => t.replace(/~/g, "~0").replace(/\//g, "~1");

function resolveRef(doc: Json, ref: string): unknown {
  if (!ref.startsWith("#/")) {
    return undefined;
  }
  let node: unknown = doc;
  for (const token of ref.slice(2).split("/")) {
    node = isObject(node) ? node[unescapeToken(token)] : undefined;
  }
  return node;
}

/** Follows `$ref`s to components (parameters, request bodies) until a real object. */
function deref(doc: Json, node: unknown, depth = 0): Json | undefined {
  if (!isObject(node) || depth > 10) {
    return undefined;
  }
  return typeof node.$ref === "string" ? deref(doc, resolveRef(doc, node.$ref), depth + 1) : node;
}

/**
 * One schema of the document as JSON Schema 2020-12: `#/components/schemas/X` becomes
 * `#/$defs/X` (and X is collected), and OpenAPI 3.0's `nullable` and boolean
 * `exclusiveMinimum/Maximum` become their JSON Schema forms.
 */
class SchemaTranslator {
  readonly #doc: Json;
  readonly #is30: boolean;
  readonly definitions: Record<string, Json> = {};
  readonly #pending: string[] = [];

  constructor(doc: Json) {
    this.#doc = doc;
    this.#is30 = String(doc.openapi).startsWith("3.0");
  }

  translate(schema: unknown): Json {
    const out = this.#walk(schema) as Json;
    for (let name = this.#pending.pop(); name !== undefined; name = this.#pending.pop()) {
      const target = resolveRef(this.#doc, SCHEMA_REF + escapeToken(name));
      if (!isObject(target)) {
        throw new Error(`$ref ${SCHEMA_REF}${name} points nowhere`);
      }
      this.definitions[name] = {};
      this.definitions[name] = this.#walk(target) as Json;
    }
    return out;
  }

  #walk(node: unknown): unknown {
    if (Array.isArray(node)) {
      return node.map((n) => this.#walk(n));
    }
    if (!isObject(node)) {
      return node;
    }
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      if (DROPPED_KEYWORDS.has(key)) {
        continue;
      }
      out[key] = DATA_KEYWORDS.has(key) ? value : this.#walk(value);
    }
    if (typeof node.$ref === "string") {
      if (!node.$ref.startsWith(SCHEMA_REF)) {
        throw new Error(`$ref ${node.$ref} is not a local component schema`);
      }
      const name = unescapeToken(node.$ref.slice(SCHEMA_REF.length));
      if (!(name in this.definitions) && !this.#pending.includes(name)) {
        this.#pending.push(name);
      }
      out.$ref = `#/$defs/${escapeToken(name)}`;
    }
    if (this.#is30) {
      from30(out);
    }
    return out;
  }
}

function from30(s: Json): void {
  if (s.nullable === true) {
    if (typeof s.type === "string") {
      s.type = [s.type, "null"];
    }
    if (Array.isArray(s.enum) && !s.enum.includes(null)) {
      s.enum = [...s.enum, null];
    }
  }
  delete s.nullable;
  for (const [flag, bound] of [
    ["exclusiveMinimum", "minimum"],
    ["exclusiveMaximum", "maximum"],
  ] as const) {
    if (typeof s[flag] === "boolean") {
      if (s[flag] === true && typeof s[bound] === "number") {
        s[flag] = s[bound];
        delete s[bound];
      } else {
        delete s[flag];
      }
    }
  }
}

const isJson = (mediaType: string) => /^application\/(?:[\w.+-]+\+)?json(?:;|$)/i.test(mediaType.trim());

/**
 * What the gateway needs to validate requests of one operation (`method path` of the
 * document's `paths`), and nothing else of the document.
 */
export function requestSchemaOf(doc: Json, method: string, path: string): Result<RequestSchema, string> {
  const item = deref(doc, (doc.paths as Json | undefined)?.[path]);
  const op = item === undefined ? undefined : deref(doc, item[method.toLowerCase()]);
  if (item === undefined || op === undefined) {
    return err(`the OpenAPI document has no operation ${method} ${path}`);
  }
  const translator = new SchemaTranslator(doc);
  try {
    const byKey = new Map<string, RequestSchema["parameters"][number]>();
    for (const raw of [...asArray(item.parameters), ...asArray(op.parameters)]) {
      const p = deref(doc, raw);
      if (p === undefined || typeof p.name !== "string" || (p.in !== "path" && p.in !== "query" && p.in !== "header")) {
        continue;
      }
      const name = p.in === "header" ? p.name.toLowerCase() : p.name;
      if (p.in === "header" && IGNORED_HEADERS.has(name)) {
        continue;
      }
      byKey.set(`${p.in} ${name}`, {
        name,
        in: p.in,
        required: p.required === true || p.in === "path",
        ...(isObject(p.schema) ? { schema: translator.translate(p.schema) } : {}),
      });
    }
    const request: RequestSchema = { parameters: [...byKey.values()], definitions: {} };
    const body = deref(doc, op.requestBody);
    const content = isObject(body?.content) ? body.content : {};
    const types = Object.keys(content);
    const json = types.find(isJson);
    if (json !== undefined) {
      const media = deref(doc, content[json]) ?? {};
      request.body = {
        required: body?.required === true,
        jsonOnly: types.every(isJson),
        ...(isObject(media.schema) ? { schema: translator.translate(media.schema) } : {}),
      };
    }
    request.definitions = translator.definitions;
    return ok(request);
  } catch (e) {
    return err(`${method} ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
