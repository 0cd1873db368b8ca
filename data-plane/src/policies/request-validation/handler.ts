import type { RequestValidationConfig } from "@portico/shared/policies";
import {
  type CompiledRequestSchema,
  type RequestError,
  RequestSchemaCompiler,
  requestErrors,
} from "@portico/shared/request-validation";
import type { z } from "zod";
import type { Exchange } from "../../http/exchange.js";
import { type Outcome, PASS, type PolicyDeps, type PolicyHandler, reject, type TenantPolicyContext } from "../types.js";

/**
 * One compiler per tenant and bundle apply, made from the tenant's previous one: operations a
 * new bundle did not change keep their validators, the rest of the old ones go away with it.
 */
const compilers = new Map<
  string,
  { readonly context: TenantPolicyContext; readonly compiler: RequestSchemaCompiler }
>();

function compilerFor(tenant: TenantPolicyContext): RequestSchemaCompiler {
  const current = compilers.get(tenant.id);
  if (current?.context === tenant) {
    return current.compiler;
  }
  const compiler = new RequestSchemaCompiler(current?.compiler);
  compilers.set(tenant.id, { context: tenant, compiler });
  return compiler;
}

/** A removed tenant's validators are not kept. */
export function forgetRequestSchemas(tenantId: string): void {
  compilers.delete(tenantId);
}

const DETAIL = "The request does not match the API's definition";
const NOTHING_TO_CHECK: PolicyHandler = { onRequest: () => PASS };
const isJson = (type: string) => /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type);

function invalid(errors: RequestError[]): Outcome {
  return reject("validation-failed", DETAIL, errors.slice(0, 50));
}

/** The declared parameters of the request, as strings (ajv coerces them to their schemas' types). */
function parametersOf(ex: Exchange, schema: CompiledRequestSchema): Record<string, Record<string, unknown>> {
  const url = ex.req.url ?? "/";
  const q = url.indexOf("?");
  const path: Record<string, unknown> = {};
  if (schema.pathParams.length > 0) {
    const segments = (q < 0 ? url : url.slice(0, q)).slice(ex.api?.prefix.length ?? 0).split("/");
    for (const [index, name] of schema.pathParams) {
      const raw = segments[index + 1] ?? "";
      try {
        path[name] = decodeURIComponent(raw);
      } catch {
        path[name] = raw;
      }
    }
  }
  const query: Record<string, unknown> = {};
  if (schema.queryNames.length > 0 && q >= 0) {
    const params = new URLSearchParams(url.slice(q + 1));
    for (const name of schema.queryNames) {
      const values = params.getAll(name);
      if (values.length > 0) {
        query[name] = values.length === 1 ? values[0] : values;
      }
    }
  }
  const header: Record<string, unknown> = {};
  for (const name of schema.headerNames) {
    const value = ex.req.headers[name];
    if (value !== undefined) {
      header[name] = value;
    }
  }
  return { path, query, header };
}

/** Reads the whole body, or null once it passes `maxBytes`. */
function readBody(ex: Exchange, maxBytes: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stream = ex.req.body;
    if (stream === null) {
      resolve(Buffer.alloc(0));
      return;
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        stream.off("data", onData);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    stream.on("data", onData);
    stream.once("end", () => resolve(Buffer.concat(chunks, size)));
    stream.once("error", () => resolve(null));
  });
}

function checkBody(
  ex: Exchange,
  body: NonNullable<CompiledRequestSchema["body"]>,
  maxBytes: number,
  errors: RequestError[],
): Outcome | Promise<Outcome> {
  const { headers } = ex.req;
  const hasBody =
    headers["transfer-encoding"] !== undefined ||
    (headers["content-length"] !== undefined && headers["content-length"] !== "0");
  if (!hasBody) {
    if (body.required) {
      errors.push({ pointer: "/body", message: "is required" });
    }
    return errors.length > 0 ? invalid(errors) : PASS;
  }
  if (!isJson(headers["content-type"] ?? "")) {
    if (errors.length > 0) {
      return invalid(errors);
    }
    return body.jsonOnly ? reject("unsupported-media-type", "The body must be JSON") : PASS;
  }
  if (errors.length > 0) {
    return invalid(errors);
  }
  return readBody(ex, maxBytes).then((buffer) => {
    if (buffer === null) {
      return reject("payload-too-large", `The limit for checked bodies is ${maxBytes} bytes`);
    }
    ex.body = buffer;
    ex.bytesIn = buffer.length;
    let value: unknown;
    try {
      value = JSON.parse(buffer.toString("utf8"));
    } catch {
      return invalid([{ pointer: "/body", message: "is not valid JSON" }]);
    }
    const validate = body.validate;
    if (validate === null || validate(value)) {
      return PASS;
    }
    return invalid(requestErrors(validate.errors, "/body"));
  });
}

/**
 * Checks a request against its operation in the API's OpenAPI document, with validators
 * compiled once per bundle apply: parameters first (no body is read when they fail), then a
 * JSON body, which is then forwarded from memory.
 */
export function createRequestValidationHandler(
  config: z.infer<typeof RequestValidationConfig>,
  deps: PolicyDeps,
): PolicyHandler {
  const request = deps.resource?.request;
  if (deps.resource === null || request === undefined) {
    // The chain of an API without resources, or a resource the document does not describe.
    return NOTHING_TO_CHECK;
  }
  const compiled = compilerFor(deps.tenant).compile(deps.resource.path, request);
  if (!compiled.ok) {
    throw new Error(`request-validation ${deps.policyId}: ${compiled.error}`);
  }
  const schema = compiled.value;
  const params = config.parameters ? schema.params : null;
  const body = config.body ? schema.body : null;
  const { maxBodyBytes } = config;
  return {
    onRequest(ex) {
      const errors: RequestError[] = [];
      if (params !== null && !params(parametersOf(ex, schema))) {
        errors.push(...requestErrors(params.errors));
      }
      if (body === null || ex.req.method === "GET" || ex.req.method === "HEAD") {
        return errors.length > 0 ? invalid(errors) : PASS;
      }
      return checkBody(ex, body, Math.min(maxBodyBytes, ex.bodyLimit), errors);
    },
  };
}
