"use server";

import { CreateApiRequest, ImportApiRequest, type Problem } from "@portico/shared";
import { redirect } from "next/navigation";
import { requireArea } from "@/lib/access";
import { invalid } from "@/lib/action-outcome";
import { isUnauthorized } from "@/lib/cp-client";
import { createApi, importApi } from "@/lib/cp-publisher";
import { type FormState, field, problemState, validate } from "@/lib/forms";
import { SESSION_EXPIRED_PATH } from "@/lib/session";

const CREATE_FIELDS = ["name", "context", "version", "upstream.url", "description"] as const;
const IMPORT_FIELDS = ["openapi", "upstream.url", "context", "version"] as const;

/** Larger documents belong to the REST API; the console keeps its request bodies small. */
const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

/** Creates an API from the form's fields and opens it. */
export async function createApiAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const values = Object.fromEntries(CREATE_FIELDS.map((f) => [f, field(form, f).trim()]));
  const input = validate(CreateApiRequest, {
    name: values.name,
    context: values.context,
    version: values.version,
    upstream: { url: values["upstream.url"] },
    ...(values.description ? { description: values.description } : {}),
  });
  if (!input.ok) {
    return invalid(input.errors, CREATE_FIELDS, values);
  }
  const result = await createApi(session.token, input.value);
  if (!result.ok) {
    return refused(result.error, CREATE_FIELDS, values);
  }
  redirect(`/apis/${result.value.id}?created=1`);
}

/**
 * Creates an API from an uploaded OpenAPI 3.0/3.1 document (JSON or YAML). What the control
 * plane finds wrong in the document is listed at the file field, one line per problem.
 */
export async function importApiAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("publisher");
  const values = Object.fromEntries(IMPORT_FIELDS.slice(1).map((f) => [f, field(form, f).trim()]));
  const file = form.get("openapi");
  if (!(file instanceof File) || file.size === 0) {
    return invalid([{ path: "openapi", message: "Choose an OpenAPI document (JSON or YAML)" }], IMPORT_FIELDS, values);
  }
  if (file.size > MAX_DOCUMENT_BYTES) {
    return invalid([{ path: "openapi", message: "The document is larger than 2 MB" }], IMPORT_FIELDS, values);
  }
  const input = validate(ImportApiRequest, {
    openapi: await file.text(),
    ...(values["upstream.url"] ? { upstream: { url: values["upstream.url"] } } : {}),
    ...(values.context ? { context: values.context } : {}),
    ...(values.version ? { version: values.version } : {}),
  });
  if (!input.ok) {
    return invalid(input.errors, IMPORT_FIELDS, values);
  }
  const result = await importApi(session.token, input.value);
  if (!result.ok) {
    return refused(documentErrors(result.error), IMPORT_FIELDS, values);
  }
  redirect(`/apis/${result.value.id}?created=1`);
}

function refused(problem: Problem, fields: readonly string[], values: Record<string, string>): FormState {
  if (isUnauthorized(problem)) {
    redirect(SESSION_EXPIRED_PATH);
  }
  return problemState(problem, fields, values);
}

/**
 * The import's errors point inside the document (`info.title`, `paths./pets.get`); they all
 * belong to the file field, joined one per line, which the field lists.
 */
function documentErrors(problem: Problem): Problem {
  const own = new Set<string>(IMPORT_FIELDS);
  const inDocument = (problem.errors ?? []).filter((e) => !own.has(e.path));
  if (inDocument.length === 0) {
    return problem;
  }
  const listed = inDocument.map((e) => (e.path && e.path !== "(root)" ? `At ${e.path}: ${e.message}` : e.message));
  return {
    ...problem,
    errors: [...(problem.errors ?? []).filter((e) => own.has(e.path)), { path: "openapi", message: listed.join("\n") }],
  };
}
