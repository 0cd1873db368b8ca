import "server-only";

import {
  AcceptInvitationResponse,
  Api,
  err,
  LoginResponse,
  ok,
  PROBLEM_TYPE_BASE,
  Problem,
  type ProblemCode,
  type Result,
  SignupResponse,
} from "@portico/shared";
import { consoleEnv } from "./env";

/**
 * Typed server-side client of the control-plane REST API (ARCHITECTURE §8). The console talks
 * to the control plane through this file only.
 *
 * Every call resolves to a `Result`: the parsed body on success, or an RFC 9457 problem on
 * failure. Problems from the control plane are passed through as they are (their `detail`
 * and `errors` are written for users); transport failures and malformed answers become
 * problems here, with a public message only: the technical cause goes to the server log.
 */

export type { Api, Problem };
export type ApiStatus = Api["status"];
export type Signup = ReturnType<typeof SignupResponse.parse>;
export type Login = ReturnType<typeof LoginResponse.parse>;
export type AcceptedInvitation = ReturnType<typeof AcceptInvitationResponse.parse>;
export type CpResult<T> = Result<T, Problem>;

export interface SignupInput {
  tenant: { name: string; slug: string };
  admin: { email: string; password: string };
}

export interface LoginInput {
  tenant: string;
  email: string;
  password: string;
}

/** How long the console waits for the control plane before giving up on a call. */
const TIMEOUT_MS = 10_000;

/** `POST /api/v1/signup`: creates a tenant and its first admin; 409 when the slug is taken. */
export function signup(input: SignupInput): Promise<CpResult<Signup>> {
  return call("POST", "/api/v1/signup", { body: input, schema: SignupResponse });
}

/** `POST /api/v1/login`: a console token for a user of a tenant; 401 on bad credentials. */
export function login(input: LoginInput): Promise<CpResult<Login>> {
  return call("POST", "/api/v1/login", { body: input, schema: LoginResponse });
}

/** `POST /api/v1/invitations/accept`: the invitee's password for a console token; 401 on a bad or used token. */
export function acceptInvitation(input: {
  tenant: string;
  token: string;
  password: string;
}): Promise<CpResult<AcceptedInvitation>> {
  return call("POST", "/api/v1/invitations/accept", { body: input, schema: AcceptInvitationResponse });
}

/** `GET /api/v1/apis`: every API of the token's tenant. */
export function listApis(token: string): Promise<CpResult<Api[]>> {
  return call("GET", "/api/v1/apis", { token, schema: Api.array() });
}

/** True for a problem that means the console token is missing, expired or revoked. */
export function isUnauthorized(problem: Problem): boolean {
  return problem.status === 401;
}

/** The part of a zod schema this file uses; keeps the portal free of a direct zod import. */
export interface Schema<T> {
  safeParse(data: unknown): { success: true; data: T } | { success: false; error: { issues: unknown[] } };
}

export interface CallOptions<T> {
  schema: Schema<T>;
  token?: string;
  body?: unknown;
}

/** One call to the control plane; the typed functions of the console are built on it. */
export async function call<T>(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  options: CallOptions<T>,
): Promise<CpResult<T>> {
  const result = await send(method, path, options);
  return result.ok ? ok(result.value.body) : result;
}

/** One page of a list and the cursor of the next (`X-Next-Cursor`), null on the last page. */
export interface CpPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** `GET` of a paginated list (keyset pagination: the cursor travels in a header). */
export async function callPage<T>(path: string, options: CallOptions<T[]>): Promise<CpResult<CpPage<T>>> {
  const result = await send("GET", path, options);
  return result.ok ? ok({ items: result.value.body, nextCursor: result.value.headers.get("x-next-cursor") }) : result;
}

async function send<T>(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  { schema, token, body }: CallOptions<T>,
): Promise<CpResult<{ body: T; headers: Headers }>> {
  const { cpUrl } = consoleEnv();
  const headers: Record<string, string> = { Accept: "application/json, application/problem+json" };
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }

  let res: Response;
  try {
    res = await fetch(cpUrl + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      redirect: "error",
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (cause) {
    const timedOut = cause instanceof DOMException && cause.name === "TimeoutError";
    console.error(`control plane ${method} ${cpUrl}${path} failed:`, cause);
    return err(
      timedOut
        ? localProblem(
            504,
            "gateway-timeout",
            "The control plane did not answer",
            "It did not answer in time. Try again in a moment.",
          )
        : localProblem(
            503,
            "upstream-unavailable",
            "The control plane is unreachable",
            "The console could not reach the control plane. Try again in a moment.",
          ),
    );
  }

  const payload = await readJson(res);

  if (!res.ok) {
    const parsed = Problem.safeParse(payload);
    if (parsed.success) {
      return err({ ...parsed.data, status: res.status });
    }
    console.error(`control plane ${method} ${path} answered ${res.status} without a problem body`);
    return err(statusProblem(res.status));
  }

  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    console.error(`control plane ${method} ${path} answered an unexpected body:`, parsed.error.issues);
    return err(
      localProblem(
        502,
        "bad-gateway",
        "Unexpected answer from the control plane",
        "The control plane answered in a form this console does not understand. It may be a different version.",
      ),
    );
  }
  return ok({ body: parsed.data, headers: res.headers });
}

async function readJson(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => "");
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A problem produced by the console itself, when the control plane gave none. */
function localProblem(status: number, code: ProblemCode, title: string, detail?: string): Problem {
  return { type: PROBLEM_TYPE_BASE + code, title, status, ...(detail ? { detail } : {}) };
}

function statusProblem(status: number): Problem {
  switch (status) {
    case 401:
      return localProblem(status, "unauthorized", "Authentication is required", "Sign in again.");
    case 403:
      return localProblem(status, "forbidden", "The operation is not allowed");
    case 404:
      return localProblem(status, "not-found", "The resource does not exist");
    case 429:
      return localProblem(status, "rate-limited", "Too many requests", "Wait a moment, then try again.");
    default:
      return status >= 500
        ? localProblem(
            502,
            "bad-gateway",
            "The control plane failed",
            `It answered with status ${status}. Try again in a moment.`,
          )
        : localProblem(
            status,
            "internal",
            "The control plane refused the request",
            `It answered with status ${status}.`,
          );
  }
}
