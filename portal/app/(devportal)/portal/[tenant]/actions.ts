"use server";

import { RegisterDeveloperRequest } from "@portico/shared";
import { redirect } from "next/navigation";
import type { SecretState } from "@/components/devportal/application-forms";
import { login } from "@/lib/cp-client";
import {
  addComment,
  createApiKey,
  createApplication,
  createCredentials,
  deleteComment,
  rateApi,
  registerDeveloper,
  subscribe,
} from "@/lib/devportal/client";
import { portalSession } from "@/lib/devportal/session";
import { type TryItOutcome, type TryItRequest, tryIt } from "@/lib/devportal/try-it";
import { type FormState, field, problemState, validate } from "@/lib/forms";
import { endSession, startSession } from "@/lib/session";

/**
 * The developer portal's Server Actions. Every one takes the tenant from the form, and acts
 * only with a session of that tenant: a token of another tenant is "signed out" here.
 */

const INVALID = { title: "Check the highlighted fields" } as const;
const SIGNED_OUT = { title: "Sign in first", detail: "Your session on this portal has ended." } as const;

const portalPath = (tenant: string, rest = "") => `/portal/${encodeURIComponent(tenant)}${rest}`;

/** A path inside this tenant's portal to return to, or the catalog. */
function backTo(tenant: string, raw: string): string {
  return raw.startsWith(`${portalPath(tenant)}/`) && !raw.startsWith("//") ? raw : portalPath(tenant);
}

export async function registerAction(_prev: FormState, form: FormData): Promise<FormState> {
  const tenant = field(form, "tenant");
  const values = { email: field(form, "email").trim() };
  const input = validate(RegisterDeveloperRequest, { tenant, ...values, password: field(form, "password") });
  if (!input.ok) {
    return problemState({ ...INVALID, errors: input.errors }, ["email", "password"], values);
  }
  const result = await registerDeveloper(input.value);
  if (!result.ok) {
    return problemState(result.error, ["email", "password"], values);
  }
  await startSession(result.value.accessToken, tenant);
  redirect(backTo(tenant, field(form, "next")));
}

export async function portalLoginAction(_prev: FormState, form: FormData): Promise<FormState> {
  const tenant = field(form, "tenant");
  const values = { email: field(form, "email").trim() };
  const password = field(form, "password");
  if (!values.email || !password) {
    return problemState(
      {
        ...INVALID,
        errors: [
          ...(values.email ? [] : [{ path: "email", message: "Required" }]),
          ...(password ? [] : [{ path: "password", message: "Required" }]),
        ],
      },
      ["email", "password"],
      values,
    );
  }
  const result = await login({ tenant, email: values.email, password });
  if (!result.ok) {
    return problemState(result.error, ["email", "password"], values);
  }
  await startSession(result.value.accessToken, tenant);
  redirect(backTo(tenant, field(form, "next")));
}

export async function portalSignOutAction(form: FormData): Promise<void> {
  await endSession();
  redirect(portalPath(field(form, "tenant")));
}

export async function rateAction(form: FormData): Promise<void> {
  const tenant = field(form, "tenant");
  const apiId = field(form, "apiId");
  const session = await portalSession(tenant);
  const back = portalPath(tenant, `/apis/${encodeURIComponent(apiId)}`);
  if (!session) {
    redirect(portalPath(tenant, `/login?next=${encodeURIComponent(back)}`));
  }
  const rating = Number(field(form, "rating"));
  const result = Number.isInteger(rating) ? await rateApi(session.token, apiId, rating) : null;
  redirect(`${back}?rated=${result?.ok ? "1" : "0"}#feedback`);
}

export async function commentAction(_prev: FormState, form: FormData): Promise<FormState> {
  const tenant = field(form, "tenant");
  const apiId = field(form, "apiId");
  const values = { body: field(form, "body") };
  const session = await portalSession(tenant);
  if (!session) {
    return problemState(SIGNED_OUT, ["body"], values);
  }
  const result = await addComment(session.token, apiId, values.body);
  if (!result.ok) {
    return problemState(result.error, ["body"], values);
  }
  redirect(portalPath(tenant, `/apis/${encodeURIComponent(apiId)}#comment-${result.value.id}`));
}

export async function deleteCommentAction(form: FormData): Promise<void> {
  const tenant = field(form, "tenant");
  const apiId = field(form, "apiId");
  const session = await portalSession(tenant);
  if (session) {
    await deleteComment(session.token, apiId, field(form, "commentId"));
  }
  redirect(portalPath(tenant, `/apis/${encodeURIComponent(apiId)}#feedback`));
}

export async function createApplicationAction(_prev: FormState, form: FormData): Promise<FormState> {
  const tenant = field(form, "tenant");
  const values = { name: field(form, "name").trim() };
  const session = await portalSession(tenant);
  if (!session) {
    return problemState(SIGNED_OUT, ["name"], values);
  }
  if (!values.name) {
    return problemState({ ...INVALID, errors: [{ path: "name", message: "Required" }] }, ["name"], values);
  }
  const result = await createApplication(session.token, values.name);
  if (!result.ok) {
    return problemState(result.error, ["name"], values);
  }
  const next = field(form, "subscribe");
  redirect(
    portalPath(tenant, `/applications?app=${result.value.id}${next ? `&subscribe=${encodeURIComponent(next)}` : ""}`),
  );
}

export async function subscribeAction(_prev: FormState, form: FormData): Promise<FormState> {
  const tenant = field(form, "tenant");
  const values = {
    applicationId: field(form, "applicationId"),
    apiId: field(form, "apiId"),
    tier: field(form, "tier"),
  };
  const session = await portalSession(tenant);
  if (!session) {
    return problemState(SIGNED_OUT, [], values);
  }
  const result = await subscribe(session.token, values);
  if (!result.ok) {
    return problemState(result.error, ["apiId", "tier"], values);
  }
  redirect(portalPath(tenant, `/applications?app=${values.applicationId}#app-${values.applicationId}`));
}

/** A new API key or client secret: returned to this one render, stored nowhere in the console. */
export async function createSecretAction(_prev: SecretState, form: FormData): Promise<SecretState> {
  const tenant = field(form, "tenant");
  const applicationId = field(form, "applicationId");
  const session = await portalSession(tenant);
  if (!session) {
    return { kind: "error", message: "Your session on this portal has ended. Sign in again." };
  }
  if (field(form, "kind") === "oauth") {
    const r = await createCredentials(session.token, applicationId);
    return r.ok && r.value.clientSecret
      ? { kind: "oauth", clientId: r.value.clientId, clientSecret: r.value.clientSecret }
      : { kind: "error", message: r.ok ? "No secret was issued." : (r.error.detail ?? r.error.title) };
  }
  const r = await createApiKey(session.token, applicationId);
  return r.ok ? { kind: "api-key", key: r.value.key } : { kind: "error", message: r.error.detail ?? r.error.title };
}

/** Arguments come from the browser: checked here, then handed to the one place that calls gateways. */
export async function tryItAction(input: TryItRequest): Promise<TryItOutcome> {
  const s = (v: unknown) => (typeof v === "string" ? v : "");
  if (!(await portalSession(s(input?.tenant)))) {
    return { ok: false, error: "Sign in to this portal to try the API." };
  }
  const c = (input?.credential ?? {}) as Record<string, unknown>;
  return tryIt({
    tenant: s(input?.tenant),
    apiId: s(input?.apiId),
    method: s(input?.method).toUpperCase(),
    path: s(input?.path),
    body: s(input?.body),
    credential:
      c.kind === "oauth"
        ? { kind: "oauth", clientId: s(c.clientId), clientSecret: s(c.clientSecret) }
        : { kind: "api-key", key: s(c.key) },
  });
}
