"use server";

import { AcceptInvitationRequest, LoginRequest, PROBLEM_TYPE_BASE, type Problem, SignupRequest } from "@portico/shared";
import { redirect } from "next/navigation";
import { acceptInvitation, login, signup } from "@/lib/cp-client";
import { homeOf } from "@/lib/devportal/session";
import { type FormState, field, problemState, validate } from "@/lib/forms";
import { startSession } from "@/lib/session";

const SIGNUP_FIELDS = ["tenant.name", "tenant.slug", "admin.email", "admin.password"] as const;
const LOGIN_FIELDS = ["tenant", "email", "password"] as const;

const INVALID = { title: "Check the highlighted fields" } as const;

/** Creates a tenant with its first admin, signs that admin in and opens the console. */
export async function signupAction(_prev: FormState, form: FormData): Promise<FormState> {
  const values = {
    "tenant.name": field(form, "tenant.name").trim(),
    "tenant.slug": field(form, "tenant.slug").trim().toLowerCase(),
    "admin.email": field(form, "admin.email").trim(),
  };
  const input = validate(SignupRequest, {
    tenant: { name: values["tenant.name"], slug: values["tenant.slug"] },
    admin: { email: values["admin.email"], password: field(form, "admin.password") },
  });
  if (!input.ok) {
    return problemState({ ...INVALID, errors: input.errors }, SIGNUP_FIELDS, values);
  }

  const result = await signup(input.value);
  if (!result.ok) {
    return problemState(withSlugField(result.error), SIGNUP_FIELDS, values);
  }
  await startSession(result.value.accessToken, result.value.tenant.slug);
  redirect("/apis");
}

/** Exchanges tenant, email and password for a console token. */
export async function loginAction(_prev: FormState, form: FormData): Promise<FormState> {
  const values = {
    tenant: field(form, "tenant").trim().toLowerCase(),
    email: field(form, "email").trim(),
  };
  const input = validate(LoginRequest, { ...values, password: field(form, "password") });
  if (!input.ok) {
    return problemState({ ...INVALID, errors: input.errors }, LOGIN_FIELDS, values);
  }

  const result = await login(input.value);
  if (!result.ok) {
    return problemState(result.error, LOGIN_FIELDS, values);
  }
  await startSession(result.value.accessToken, input.value.tenant);
  redirect(homeOf(result.value.accessToken, input.value.tenant));
}

/** Accepts an invitation with a new password and signs the new member in. */
export async function acceptInvitationAction(_prev: FormState, form: FormData): Promise<FormState> {
  const input = validate(AcceptInvitationRequest, {
    tenant: field(form, "tenant"),
    token: field(form, "token"),
    password: field(form, "password"),
  });
  if (!input.ok) {
    return problemState({ ...INVALID, errors: input.errors }, ["password"], {});
  }
  const result = await acceptInvitation(input.value);
  if (!result.ok) {
    return problemState(result.error, ["password"], {});
  }
  await startSession(result.value.accessToken, input.value.tenant);
  redirect(homeOf(result.value.accessToken, input.value.tenant));
}

/** A taken slug is about one field: point at it even when the problem lists no `errors`. */
function withSlugField(problem: Problem): Problem {
  if (problem.type !== `${PROBLEM_TYPE_BASE}slug-taken` || problem.errors?.length) {
    return problem;
  }
  return {
    ...problem,
    errors: [{ path: "tenant.slug", message: "Taken by another organisation: choose another slug" }],
  };
}
