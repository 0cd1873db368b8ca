import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { fullFormats } from "ajv-formats/dist/formats.js";
import { err, ok, type Result } from "../../result.js";
import type { RequestSchema } from "./schema.js";

/** One invalid part of a request: where (a JSON pointer into `{path, query, header, body}`) and what. */
export interface RequestError {
  pointer: string;
  message: string;
}

export interface CompiledBody {
  readonly required: boolean;
  readonly jsonOnly: boolean;
  readonly validate: ValidateFunction | null;
}

/** Validators of one operation, built once per bundle apply. */
export interface CompiledRequestSchema {
  /** `[segment index below the API, parameter name]` of each path parameter of the template */
  readonly pathParams: readonly (readonly [number, string])[];
  readonly queryNames: readonly string[];
  readonly headerNames: readonly string[];
  /** null: the operation declares no parameters */
  readonly params: ValidateFunction | null;
  /** null: no JSON body declared */
  readonly body: CompiledBody | null;
}

function newAjv(coerce: boolean): Ajv2020 {
  // strict off: OpenAPI schemas carry keywords JSON Schema does not know (example, xml, discriminator).
  const ajv = new Ajv2020({
    strict: false,
    allErrors: true,
    logger: false,
    coerceTypes: coerce ? "array" : false,
  });
  for (const [name, format] of Object.entries(fullFormats)) {
    ajv.addFormat(name, format);
  }
  return ajv;
}

/**
 * Compiles the operations of one bundle. Parameters arrive as strings and are coerced to
 * their schema's types; bodies are JSON and are not. Keep one compiler per bundle apply: ajv
 * keeps what it compiled for as long as the compiler lives. Compiling costs milliseconds per
 * operation, so a compiler made from the previous apply's reuses what that one compiled for
 * operations that did not change, and keeps only what the new bundle uses.
 */
export class RequestSchemaCompiler {
  readonly #params = newAjv(true);
  readonly #body = newAjv(false);
  readonly #compiled = new Map<string, CompiledRequestSchema>();
  readonly #previous: ReadonlyMap<string, CompiledRequestSchema> | undefined;

  constructor(previous?: RequestSchemaCompiler) {
    this.#previous = previous === undefined ? undefined : previous.#compiled;
  }

  compile(template: string, request: RequestSchema): Result<CompiledRequestSchema, string> {
    const key = `${template}\n${JSON.stringify(request)}`;
    const known = this.#compiled.get(key) ?? this.#previous?.get(key);
    if (known !== undefined) {
      this.#compiled.set(key, known);
      return ok(known);
    }
    const compiled = this.#build(template, request);
    if (compiled.ok) {
      this.#compiled.set(key, compiled.value);
    }
    return compiled;
  }

  #build(template: string, request: RequestSchema): Result<CompiledRequestSchema, string> {
    const segments = template.split("/").slice(1);
    const pathParams: [number, string][] = [];
    const groups = { path: group(), query: group(), header: group() };
    for (const p of request.parameters) {
      if (p.in === "path") {
        const index = segments.indexOf(`{${p.name}}`);
        if (index < 0) {
          return err(`path parameter "${p.name}" is not in ${template}`);
        }
        pathParams.push([index, p.name]);
      }
      const g = groups[p.in];
      g.properties[p.name] = p.schema ?? {};
      if (p.required || p.in === "path") {
        g.required.push(p.name);
      }
    }
    try {
      const params =
        request.parameters.length === 0
          ? null
          : this.#params.compile({
              type: "object",
              properties: groups,
              required: ["path", "query", "header"],
              $defs: request.definitions,
            });
      const body =
        request.body === undefined
          ? null
          : {
              required: request.body.required,
              jsonOnly: request.body.jsonOnly,
              validate:
                request.body.schema === undefined
                  ? null
                  : this.#body.compile({
                      ...request.body.schema,
                      $defs: { ...request.definitions, ...(request.body.schema.$defs as object | undefined) },
                    }),
            };
      return ok({
        pathParams,
        queryNames: Object.keys(groups.query.properties),
        headerNames: Object.keys(groups.header.properties),
        params,
        body,
      });
    } catch (e) {
      return err(`the schema of ${template} does not compile: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function group(): { type: "object"; properties: Record<string, unknown>; required: string[] } {
  return { type: "object", properties: {}, required: [] };
}

const escapePointer = (s: string) => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** ajv's errors as pointers into the validated value (under `prefix`) and short messages. */
export function requestErrors(errors: readonly ErrorObject[] | null | undefined, prefix = ""): RequestError[] {
  return (errors ?? []).map((e) =>
    e.keyword === "required"
      ? {
          pointer: `${prefix}${e.instancePath}/${escapePointer(String(e.params.missingProperty))}`,
          message: "is required",
        }
      : { pointer: `${prefix}${e.instancePath}` || "/", message: e.message ?? `fails ${e.keyword}` },
  );
}
