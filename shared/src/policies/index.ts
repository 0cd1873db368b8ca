import { z } from "zod";
import { BasicAuthPolicy } from "./basic-auth/schema.js";
import { CorsPolicy } from "./cors/schema.js";
import { HeaderTransformPolicy } from "./header-transform/schema.js";
import { IpFilterPolicy } from "./ip-filter/schema.js";
import { JwtAuthPolicy } from "./jwt-auth/schema.js";
import { KeyAuthPolicy } from "./key-auth/schema.js";
import { MtlsPolicy } from "./mtls/schema.js";
import { PathRewritePolicy } from "./path-rewrite/schema.js";
import { QueryRewritePolicy } from "./query-rewrite/schema.js";
import { QuotaPolicy } from "./quota/schema.js";
import { RateLimitPolicy } from "./rate-limit/schema.js";
import { RequestSizePolicy } from "./request-size/schema.js";
import { RequestValidationPolicy } from "./request-validation/schema.js";
import { ResponseCachePolicy } from "./response-cache/schema.js";
import { ScopesPolicy } from "./scopes/schema.js";
import { SubscriptionPolicy } from "./subscription/schema.js";
import { UpstreamAuthPolicy } from "./upstream-auth/schema.js";

export { HeaderName, PolicyId } from "./base.js";
export { BasicAuthConfig, PasswordHash } from "./basic-auth/schema.js";
export { CorsConfig } from "./cors/schema.js";
export { HeaderTransformConfig } from "./header-transform/schema.js";
export { Cidr, IpFilterConfig } from "./ip-filter/schema.js";
export { JwtAuthConfig } from "./jwt-auth/schema.js";
export { KeyAuthConfig } from "./key-auth/schema.js";
export { CertBinding, CertFingerprint, MtlsConfig } from "./mtls/schema.js";
export { PathRewriteConfig } from "./path-rewrite/schema.js";
export { QueryRewriteConfig } from "./query-rewrite/schema.js";
export { QuotaConfig } from "./quota/schema.js";
export { RateLimitBy, RateLimitConfig } from "./rate-limit/schema.js";
export { RequestSizeConfig } from "./request-size/schema.js";
export { JsonSchemaObject, RequestSchema, RequestValidationConfig } from "./request-validation/schema.js";
export { ResponseCacheConfig } from "./response-cache/schema.js";
export { Scope, ScopesConfig } from "./scopes/schema.js";
export { SubscriptionConfig } from "./subscription/schema.js";
export { UpstreamAuthConfig } from "./upstream-auth/schema.js";

/** Every policy the gateway knows; an unknown `kind` fails to parse, so a bundle using one is refused. */
export const Policy = z
  .discriminatedUnion("kind", [
    KeyAuthPolicy,
    JwtAuthPolicy,
    SubscriptionPolicy,
    ScopesPolicy,
    RateLimitPolicy,
    RequestSizePolicy,
    IpFilterPolicy,
    CorsPolicy,
    HeaderTransformPolicy,
    PathRewritePolicy,
    QueryRewritePolicy,
    QuotaPolicy,
    BasicAuthPolicy,
    UpstreamAuthPolicy,
    RequestValidationPolicy,
    ResponseCachePolicy,
    MtlsPolicy,
  ])
  .meta({ id: "Policy" });
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;
export type PolicyKind = Policy["kind"];
export type PolicyOf<K extends PolicyKind> = Extract<Policy, { kind: K }>;

export const POLICY_KINDS = Policy.options.map((o) => o.shape.kind.value) as readonly PolicyKind[];
