import "server-only";

import {
  Application as ApplicationSchema,
  CatalogApi,
  Comment,
  CreatedApiKey,
  Credentials,
  DocPage,
  MyRating,
  PortalInfo,
  RegisterDeveloperResponse,
  Subscription as SubscriptionSchema,
  TierDto,
} from "@portico/shared";
import { type CpResult, call, type Schema } from "../cp-client";
import { consoleEnv } from "../env";

/**
 * The developer portal's calls to the control plane. The catalog calls need no token: the
 * catalog is public, and a signed-in developer sees exactly what an anonymous visitor sees.
 */

export type { CatalogApi, Comment, DocPage, PortalInfo };
export type Application = ReturnType<typeof ApplicationSchema.parse>;
export type Subscription = ReturnType<typeof SubscriptionSchema.parse>;
export type Tier = ReturnType<typeof TierDto.parse>;
export type Rating = ReturnType<typeof MyRating.parse>;
export type OpenApiDocument = Record<string, unknown>;

const nothing: Schema<null> = { safeParse: () => ({ success: true, data: null }) };
const anyObject: Schema<OpenApiDocument> = {
  safeParse: (data) =>
    data && typeof data === "object" && !Array.isArray(data)
      ? { success: true, data: data as OpenApiDocument }
      : { success: false, error: { issues: ["not an object"] } },
};
const TagCounts: Schema<{ tag: string; apis: number }[]> = {
  safeParse: (data) =>
    Array.isArray(data) && data.every((t) => typeof t?.tag === "string" && typeof t?.apis === "number")
      ? { success: true, data }
      : { success: false, error: { issues: ["not a tag list"] } },
};

const portal = (tenant: string) => `/api/v1/portal/${encodeURIComponent(tenant)}`;
const query = (params: Record<string, string | undefined>) => {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => Boolean(e[1])));
  return q.size ? `?${q}` : "";
};

export const portalInfo = (tenant: string) => call("GET", portal(tenant), { schema: PortalInfo });

export const catalog = (tenant: string, filter: { q?: string; tag?: string }) =>
  call("GET", `${portal(tenant)}/apis${query({ ...filter, limit: "200" })}`, { schema: CatalogApi.array() });

export const catalogTags = (tenant: string) => call("GET", `${portal(tenant)}/tags`, { schema: TagCounts });

/**
 * Where the console calls an API: the default environment's gateways at the console's own
 * PORTICO_GATEWAY_URL (as the rest of the console shows them), other environments at the URL
 * the control plane states. null when the API is live nowhere.
 */
export function gatewayEndpoint(api: CatalogApi, tenant: string): string | null {
  if (api.endpoints.some((e) => e.environment === "default")) {
    return `${consoleEnv().gatewayUrl}/t/${tenant}/${api.context}/${api.version}`;
  }
  return api.endpoints[0]?.url ?? null;
}

export const catalogApi = (tenant: string, id: string) =>
  call("GET", `${portal(tenant)}/apis/${encodeURIComponent(id)}`, { schema: CatalogApi });

export const catalogOpenApi = (tenant: string, id: string) =>
  call("GET", `${portal(tenant)}/apis/${encodeURIComponent(id)}/openapi`, { schema: anyObject });

export const catalogDocs = (tenant: string, id: string) =>
  call("GET", `${portal(tenant)}/apis/${encodeURIComponent(id)}/docs`, { schema: DocPage.array() });

export const catalogComments = (tenant: string, id: string) =>
  call("GET", `${portal(tenant)}/apis/${encodeURIComponent(id)}/comments?limit=200`, { schema: Comment.array() });

export const registerDeveloper = (input: { tenant: string; email: string; password: string }) =>
  call("POST", "/api/v1/developers/register", { body: input, schema: RegisterDeveloperResponse });

export const myRating = (token: string, apiId: string) =>
  call("GET", `/api/v1/apis/${encodeURIComponent(apiId)}/rating`, { token, schema: MyRating });

export const rateApi = (token: string, apiId: string, rating: number) =>
  call("PUT", `/api/v1/apis/${encodeURIComponent(apiId)}/rating`, { token, body: { rating }, schema: MyRating });

export const addComment = (token: string, apiId: string, body: string) =>
  call("POST", `/api/v1/apis/${encodeURIComponent(apiId)}/comments`, { token, body: { body }, schema: Comment });

export const deleteComment = (token: string, apiId: string, commentId: string) =>
  call("DELETE", `/api/v1/apis/${encodeURIComponent(apiId)}/comments/${encodeURIComponent(commentId)}`, {
    token,
    schema: nothing,
  });

export const applications = (token: string) =>
  call("GET", "/api/v1/applications?limit=200", { token, schema: ApplicationSchema.array() });

export const createApplication = (token: string, name: string) =>
  call("POST", "/api/v1/applications", { token, body: { name }, schema: ApplicationSchema });

export const subscriptions = (token: string) =>
  call("GET", "/api/v1/subscriptions?limit=200", { token, schema: SubscriptionSchema.array() });

export const subscribe = (token: string, input: { applicationId: string; apiId: string; tier: string }) =>
  call("POST", "/api/v1/subscriptions", { token, body: input, schema: SubscriptionSchema });

export const tiers = (token: string) => call("GET", "/api/v1/tiers", { token, schema: TierDto.array() });

export const createApiKey = (token: string, applicationId: string) =>
  call("POST", `/api/v1/applications/${encodeURIComponent(applicationId)}/api-keys`, {
    token,
    schema: CreatedApiKey,
  });

export const createCredentials = (token: string, applicationId: string) =>
  call("POST", `/api/v1/applications/${encodeURIComponent(applicationId)}/credentials`, {
    token,
    schema: Credentials,
  });

export type { CpResult };
