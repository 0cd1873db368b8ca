import { PROBLEM_CONTENT_TYPE, type Problem, type ProblemCode, problem } from "@portico/shared";
import type { Context } from "hono";
import type { DomainError } from "../services/errors.js";

/** The single place a response body for an error is made. */
export function problemResponse(c: Context, p: Problem): Response {
  // The request id ties what a client reports to the log lines of that request.
  return c.body(JSON.stringify({ ...p, instance: c.req.path, requestId: c.get("requestId") }), p.status as 400, {
    "content-type": PROBLEM_CONTENT_TYPE,
  });
}

export const sendProblem = (c: Context, code: ProblemCode, detail?: string, errors?: DomainError["errors"]) =>
  problemResponse(c, problem(code, detail, errors ? { errors } : undefined));

export const sendDomainError = (c: Context, e: DomainError) =>
  problemResponse(c, problem(e.code, e.detail, { ...e.extensions, ...(e.errors ? { errors: e.errors } : {}) }));
