import "server-only";

import {
  AnalyticsResponse,
  AuditEvent as AuditEventSchema,
  CreatedInvitation as CreatedInvitationSchema,
  CreatedRegistrationToken as CreatedRegistrationTokenSchema,
  CreatedWebhook as CreatedWebhookSchema,
  Environment as EnvironmentSchema,
  GatewayResync,
  Gateway as GatewaySchema,
  Invitation as InvitationSchema,
  KeyManager as KeyManagerSchema,
  RegistrationToken as RegistrationTokenSchema,
  User as UserSchema,
  WebhookDelivery as WebhookDeliverySchema,
  Webhook as WebhookSchema,
} from "@portico/shared";
import { z } from "zod";
import { type CpPage, type CpResult, call, callPage, type Schema } from "./cp-client";

/**
 * The admin and analytics areas' calls to the control plane (ARCHITECTURE §8). Every function
 * takes the console token: the control plane checks the role on each call, whatever the page
 * already checked.
 */

export type User = z.infer<typeof UserSchema>;
export type Role = User["role"];
export type Invitation = z.infer<typeof InvitationSchema>;
export type CreatedInvitation = z.infer<typeof CreatedInvitationSchema>;
export type Environment = z.infer<typeof EnvironmentSchema>;
export type RegistrationToken = z.infer<typeof RegistrationTokenSchema>;
export type CreatedRegistrationToken = z.infer<typeof CreatedRegistrationTokenSchema>;
export type KeyManager = z.infer<typeof KeyManagerSchema>;
export type Webhook = z.infer<typeof WebhookSchema>;
export type CreatedWebhook = z.infer<typeof CreatedWebhookSchema>;
export type WebhookDelivery = z.infer<typeof WebhookDeliverySchema>;
export type AuditEvent = z.infer<typeof AuditEventSchema>;
export type { CpPage };

const noContent: Schema<null> = { safeParse: () => ({ success: true, data: null }) };
const q = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v) {
      search.set(k, v);
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
};
const id = encodeURIComponent;

// ---------- users and invitations ----------

export const listUsers = (token: string) =>
  call("GET", "/api/v1/users?limit=200", { token, schema: UserSchema.array() });

export const changeRole = (token: string, userId: string, role: Role) =>
  call("PATCH", `/api/v1/users/${id(userId)}`, { token, body: { role }, schema: UserSchema });

export const listInvitations = (token: string) =>
  call("GET", "/api/v1/invitations?limit=200", { token, schema: InvitationSchema.array() });

export const createInvitation = (token: string, body: { email: string; role: Role }) =>
  call("POST", "/api/v1/invitations", { token, body, schema: CreatedInvitationSchema });

export const revokeInvitation = (token: string, invitationId: string) =>
  call("DELETE", `/api/v1/invitations/${id(invitationId)}`, { token, schema: noContent });

// ---------- environments, registration tokens, gateways ----------

export const listEnvironments = (token: string) =>
  call("GET", "/api/v1/environments?limit=200", { token, schema: EnvironmentSchema.array() });

export const createEnvironment = (token: string, body: { name: string; gatewayUrl?: string }) =>
  call("POST", "/api/v1/environments", { token, body, schema: EnvironmentSchema });

export const listRegistrationTokens = (token: string, environmentId: string) =>
  call("GET", `/api/v1/environments/${id(environmentId)}/registration-tokens?limit=200&order=desc`, {
    token,
    schema: RegistrationTokenSchema.array(),
  });

export const createRegistrationToken = (
  token: string,
  environmentId: string,
  body: { expiresInSeconds: number; description?: string },
) =>
  call("POST", `/api/v1/environments/${id(environmentId)}/registration-tokens`, {
    token,
    body,
    schema: CreatedRegistrationTokenSchema,
  });

export const revokeRegistrationToken = (token: string, environmentId: string, tokenId: string) =>
  call("DELETE", `/api/v1/environments/${id(environmentId)}/registration-tokens/${id(tokenId)}`, {
    token,
    schema: noContent,
  });

export type Gateway = z.infer<typeof GatewaySchema>;

export const listGateways = (token: string) =>
  call("GET", "/api/v1/gateways", { token, schema: GatewaySchema.array() });

/** Asks a gateway to re-fetch and re-apply the bundle the control plane expects it to run. */
export const resyncGateway = (token: string, gatewayId: string) =>
  call("POST", `/api/v1/gateways/${id(gatewayId)}/resync`, { token, schema: GatewayResync });

// ---------- key managers ----------

export const listKeyManagers = (token: string) =>
  call("GET", "/api/v1/key-managers?limit=200", { token, schema: KeyManagerSchema.array() });

export const createKeyManager = (
  token: string,
  body: { name: string; issuer: string; jwksUri?: string; audience?: string; clientIdClaim?: string },
) => call("POST", "/api/v1/key-managers", { token, body, schema: KeyManagerSchema });

// ---------- webhooks ----------

export const listWebhooks = (token: string) =>
  call("GET", "/api/v1/webhooks?limit=200", { token, schema: WebhookSchema.array() });

export const createWebhook = (token: string, body: { url: string; events: string[] }) =>
  call("POST", "/api/v1/webhooks", { token, body, schema: CreatedWebhookSchema });

export const deleteWebhook = (token: string, webhookId: string) =>
  call("DELETE", `/api/v1/webhooks/${id(webhookId)}`, { token, schema: noContent });

export const listDeliveries = (token: string, webhookId: string) =>
  call("GET", `/api/v1/webhooks/${id(webhookId)}/deliveries`, { token, schema: WebhookDeliverySchema.array() });

// ---------- audit log ----------

/** The filters `GET /api/v1/audit` supports, as the audit page's query string carries them. */
export interface AuditFilters {
  action?: string;
  targetType?: string;
  actorId?: string;
  from?: string;
  to?: string;
  cursor?: string;
}

export const AUDIT_PAGE_SIZE = 25;

export const listAudit = (token: string, filters: AuditFilters): Promise<CpResult<CpPage<AuditEvent>>> =>
  callPage(`/api/v1/audit${q({ ...filters, limit: String(AUDIT_PAGE_SIZE) })}`, {
    token,
    schema: AuditEventSchema.array(),
  });

// ---------- analytics ----------

const Count = z.number().nonnegative();
/** A ranked row of a "top" list, whatever the control plane names its key. */
const TopRow = z.looseObject({ count: Count, errors: Count.optional() }).transform((r) => {
  const key = [r.apiId, r.applicationId, r.id, r.name].find((v) => typeof v === "string") as string | undefined;
  const name = [r.name, r.apiName, r.applicationName, key].find((v) => typeof v === "string") as string | undefined;
  return { key: key ?? "unknown", name: name ?? "unknown", count: r.count, errors: r.errors ?? null };
});
/** Requests per status class: an object keyed by class, or a list of `{class, count}`. */
const StatusClasses = z.union([
  z
    .record(z.string(), Count)
    .transform((r) => Object.entries(r).map(([statusClass, count]) => ({ statusClass, count }))),
  z
    .array(z.looseObject({ count: Count }))
    .transform((rows) =>
      rows.map((r) => ({ statusClass: String(r.class ?? r.statusClass ?? r.status ?? "?"), count: r.count })),
    ),
]);

/**
 * `GET /api/v1/analytics/requests`. The breakdowns (status classes, top APIs, top applications)
 * are newer fields: absent or in a shape this console does not know, they read as absent and
 * the page says so, rather than losing the whole page.
 */
const Analytics = AnalyticsResponse.extend({
  statusClasses: StatusClasses.optional().catch(undefined),
  topApis: TopRow.array().optional().catch(undefined),
  topApplications: TopRow.array().optional().catch(undefined),
});
export type Analytics = z.infer<typeof Analytics>;

export const getAnalytics = (token: string, query: { apiId?: string; from: string; to: string }) =>
  call("GET", `/api/v1/analytics/requests${q(query)}`, { token, schema: Analytics });
