"use server";

import {
  CreateEnvironmentRequest,
  CreateInvitationRequest,
  CreateKeyManagerRequest,
  CreateRegistrationTokenRequest,
  CreateWebhookRequest,
  type Problem,
  Role,
} from "@portico/shared";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { requireArea } from "@/lib/access";
import {
  type CreatedInvitation,
  type CreatedRegistrationToken,
  type CreatedWebhook,
  changeRole,
  createEnvironment,
  createInvitation,
  createKeyManager,
  createRegistrationToken,
  createWebhook,
  deleteWebhook,
  resyncGateway,
  revokeInvitation,
  revokeRegistrationToken,
} from "@/lib/cp-admin";
import type { CpResult } from "@/lib/cp-client";
import { emptyFormState, type FormState, field, problemState, validate } from "@/lib/forms";
import { SESSION_EXPIRED_PATH } from "@/lib/session";

/**
 * The admin area's Server Actions. Each checks the area first, like the pages: an action is a
 * public endpoint that a direct POST reaches without the page. The control plane checks the
 * role again on every call.
 */

/** A form that creates something whose secret is shown once, in this state only. */
export interface CreatedState<T> extends FormState {
  created: T | null;
}

const INVALID = { title: "Check the highlighted fields" } as const;

function failed<T>(
  problem: Pick<Problem, "title" | "detail" | "errors"> & { status?: number },
  fields: readonly string[],
  values: Record<string, string>,
): CreatedState<T> {
  if (problem.status === 401) {
    redirect(SESSION_EXPIRED_PATH);
  }
  return { ...problemState(problem, fields, values), created: null };
}

function done<T>(result: CpResult<unknown>, path: string, created: T | null = null): CreatedState<T> {
  if (!result.ok) {
    return failed(result.error, [], {});
  }
  revalidatePath(path);
  return { ...emptyFormState, created };
}

// ---------- users and invitations ----------

const ROLE_FIELDS = ["role"] as const;

export async function changeRoleAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("admin");
  const role = Role.safeParse(field(form, "role"));
  if (!role.success) {
    return failed({ title: "Choose a role" }, ROLE_FIELDS, {});
  }
  return done(await changeRole(session.token, field(form, "id"), role.data), "/admin/users");
}

const INVITE_FIELDS = ["email", "role"] as const;

export async function inviteAction(
  _prev: CreatedState<CreatedInvitation>,
  form: FormData,
): Promise<CreatedState<CreatedInvitation>> {
  const { session } = await requireArea("admin");
  const values = { email: field(form, "email").trim(), role: field(form, "role") };
  const input = validate(CreateInvitationRequest, values);
  if (!input.ok) {
    return failed({ ...INVALID, errors: input.errors }, INVITE_FIELDS, values);
  }
  const result = await createInvitation(session.token, input.value);
  if (!result.ok) {
    return failed(result.error, INVITE_FIELDS, values);
  }
  return done(result, "/admin/invitations", result.value);
}

export async function revokeInvitationAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("admin");
  return done(await revokeInvitation(session.token, field(form, "id")), "/admin/invitations");
}

// ---------- gateways ----------

export async function resyncGatewayAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("admin");
  return done(await resyncGateway(session.token, field(form, "id")), "/admin/gateways");
}

// ---------- environments and registration tokens ----------

const ENVIRONMENT_FIELDS = ["name", "gatewayUrl"] as const;

export async function createEnvironmentAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("admin");
  const values = { name: field(form, "name").trim().toLowerCase(), gatewayUrl: field(form, "gatewayUrl").trim() };
  const input = validate(CreateEnvironmentRequest, {
    name: values.name,
    ...(values.gatewayUrl ? { gatewayUrl: values.gatewayUrl } : {}),
  });
  if (!input.ok) {
    return failed({ ...INVALID, errors: input.errors }, ENVIRONMENT_FIELDS, values);
  }
  const result = await createEnvironment(session.token, input.value);
  if (!result.ok) {
    return failed(result.error, ENVIRONMENT_FIELDS, values);
  }
  revalidatePath("/admin/environments");
  redirect(`/admin/environments/${encodeURIComponent(result.value.id)}`);
}

const TOKEN_FIELDS = ["description", "expiresInSeconds"] as const;

export async function createRegistrationTokenAction(
  _prev: CreatedState<CreatedRegistrationToken>,
  form: FormData,
): Promise<CreatedState<CreatedRegistrationToken>> {
  const { session } = await requireArea("admin");
  const environmentId = field(form, "environmentId");
  const values = { description: field(form, "description").trim(), expiresInSeconds: field(form, "expiresInSeconds") };
  const input = validate(CreateRegistrationTokenRequest, {
    expiresInSeconds: Number(values.expiresInSeconds),
    ...(values.description ? { description: values.description } : {}),
  });
  if (!input.ok) {
    return failed({ ...INVALID, errors: input.errors }, TOKEN_FIELDS, values);
  }
  const result = await createRegistrationToken(session.token, environmentId, input.value);
  if (!result.ok) {
    return failed(result.error, TOKEN_FIELDS, values);
  }
  return done(result, `/admin/environments/${encodeURIComponent(environmentId)}`, result.value);
}

export async function revokeRegistrationTokenAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("admin");
  const environmentId = field(form, "environmentId");
  return done(
    await revokeRegistrationToken(session.token, environmentId, field(form, "id")),
    `/admin/environments/${encodeURIComponent(environmentId)}`,
  );
}

// ---------- key managers ----------

const KEY_MANAGER_FIELDS = ["name", "issuer", "jwksUri", "audience", "clientIdClaim"] as const;

export async function createKeyManagerAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("admin");
  const values = Object.fromEntries(KEY_MANAGER_FIELDS.map((f) => [f, field(form, f).trim()]));
  // Empty optional fields mean "not given": the control plane then uses discovery and defaults.
  const input = validate(
    CreateKeyManagerRequest,
    Object.fromEntries(Object.entries(values).filter(([, v]) => v !== "")),
  );
  if (!input.ok) {
    return failed({ ...INVALID, errors: input.errors }, KEY_MANAGER_FIELDS, values);
  }
  const result = await createKeyManager(session.token, input.value);
  if (!result.ok) {
    return failed(result.error, KEY_MANAGER_FIELDS, values);
  }
  return done(result, "/admin/key-managers");
}

// ---------- webhooks ----------

const WEBHOOK_FIELDS = ["url", "events"] as const;

export async function createWebhookAction(
  _prev: CreatedState<CreatedWebhook>,
  form: FormData,
): Promise<CreatedState<CreatedWebhook>> {
  const { session } = await requireArea("admin");
  const values = { url: field(form, "url").trim(), events: field(form, "events").trim() };
  const events = values.events.split(/[\s,]+/).filter(Boolean);
  const input = validate(CreateWebhookRequest, { url: values.url, events });
  if (!input.ok) {
    // `events.0` and the like are about the one events field of the form.
    const errors = input.errors.map((e) => ({ ...e, path: e.path.startsWith("events") ? "events" : e.path }));
    return failed({ ...INVALID, errors }, WEBHOOK_FIELDS, values);
  }
  const result = await createWebhook(session.token, input.value);
  if (!result.ok) {
    return failed(result.error, WEBHOOK_FIELDS, values);
  }
  return done(result, "/admin/webhooks", result.value);
}

export async function deleteWebhookAction(_prev: FormState, form: FormData): Promise<FormState> {
  const { session } = await requireArea("admin");
  return done(await deleteWebhook(session.token, field(form, "id")), "/admin/webhooks");
}
