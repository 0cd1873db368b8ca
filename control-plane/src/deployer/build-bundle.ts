import { err, ok, type Result } from "@portico/shared";
import type { BundleContent } from "@portico/shared/bundle";
import { BUNDLE_SCHEMA_VERSION, BundleApi, BundleProduct } from "@portico/shared/bundle";
import type { RequestSchema } from "@portico/shared/policies";
import { RequestSchemaCompiler } from "@portico/shared/request-validation";
import { and, eq, gt, isNull, ne } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import {
  apiKeys,
  apis,
  applications,
  deployments,
  externalClients,
  keyManagers,
  oauthClients,
  type ProductSnapshot,
  productDeployments,
  productRevisions,
  products,
  type RevisionSnapshot,
  revisions,
  revokedTokens,
  subscriptions,
  tenants,
  tiers,
  type UpstreamGroupConfig,
} from "../db/schema/index.js";
import { GATEWAY_AUDIENCE, ISSUER_ALG, issuerJwks, issuerUrl } from "../keys/issuer.js";
import { tierLimits } from "../services/tiers.js";
import { requestSchemaOf } from "./request-schemas.js";

/** A tier as the gateway reads it: its limits, not its description. */
const bundleTier = (t: typeof tiers.$inferSelect) => ({
  name: t.name,
  kind: t.kind,
  requests: t.requests,
  unit: t.unit,
  burst: t.burst,
  quotaPerMonth: t.quotaPerMonth,
  stopOnQuota: t.stopOnQuota,
});

const EXTERNAL_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"] as const;

const validates = (policies: readonly { kind: string; enabled?: boolean }[] | undefined) =>
  (policies ?? []).some((p) => p.kind === "request-validation" && p.enabled !== false);

/**
 * The OpenAPI operation of each resource a request-validation policy applies to, reduced to
 * what the gateway checks; the rest of the document stays on the control plane.
 */
function requestSchemas(snapshot: RevisionSnapshot): Result<RequestSchema | undefined, string>[] {
  const everywhere = validates(snapshot.policies);
  return snapshot.resources.map((r) => {
    if (!everywhere && !validates(r.policies)) {
      return ok(undefined);
    }
    if (snapshot.openapi === null) {
      return err("request-validation needs the API's OpenAPI definition: import the API from OpenAPI");
    }
    return requestSchemaOf(snapshot.openapi, r.method, r.path);
  });
}

/** One resource of a snapshot as the bundle carries it, with its request schema when validated. */
const bundleResource = (
  r: RevisionSnapshot["resources"][number],
  request?: Result<RequestSchema | undefined, string>,
) => ({
  method: r.method,
  path: r.path,
  authRequired: r.authRequired ?? true,
  scopes: r.scopes ?? [],
  ...(r.tier !== undefined ? { tier: r.tier } : {}),
  policies: r.policies ?? [],
  ...(request?.ok && request.value !== undefined ? { request: request.value } : {}),
});

/** The policies and resources of a revision as the bundle carries them (older snapshots have none). */
export function bundlePolicies(snapshot: RevisionSnapshot) {
  const requests = requestSchemas(snapshot);
  return {
    policies: snapshot.policies ?? [],
    resources: snapshot.resources.map((r, i) => bundleResource(r, requests[i])),
  };
}

/** A product revision's APIs and resources as the bundle carries them. */
export function bundleProductParts(snapshot: ProductSnapshot) {
  return {
    apis: snapshot.apis.map((a) => ({
      id: a.id,
      version: a.version,
      upstream: { url: a.upstreamUrl },
      policies: a.policies,
    })),
    resources: snapshot.resources.map((r) => ({ apiId: r.apiId, ...bundleResource(r) })),
  };
}

/**
 * The REST upstream as the gateway reads it: round-robin is weighted round-robin with equal
 * weights, so the gateway has one balancer.
 */
export function bundleUpstream(url: string, group: UpstreamGroupConfig | null | undefined): BundleApi["upstream"] {
  if (!group) {
    return { url };
  }
  const { algorithm, endpoints, ...rest } = group;
  return {
    url,
    ...rest,
    ...(endpoints
      ? { endpoints: endpoints.map((e) => ({ url: e.url, weight: algorithm === "round-robin" ? 1 : e.weight })) }
      : {}),
  };
}

const PolicyParts = BundleApi.pick({ policies: true, resources: true });
const ProductParts = BundleProduct.pick({ apis: true, resources: true });

/**
 * What the gateway would refuse in a revision's policies and resources, checked with the
 * gateway's own schema (and its request-schema compiler) before anything is deployed; empty
 * when it is fine.
 */
export function policyProblems(snapshot: RevisionSnapshot): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const requests = requestSchemas(snapshot);
  const compiler = requests.some((r) => !r.ok || r.value !== undefined) ? new RequestSchemaCompiler() : undefined;
  requests.forEach((request, i) => {
    const r = snapshot.resources[i]!;
    const compiled = request.ok ? request.value && compiler?.compile(r.path, request.value) : request;
    if (compiled && !compiled.ok) {
      problems.push({ path: `resources.${i}`, message: compiled.error });
    }
  });
  if (problems.length === 0 && snapshot.resources.length === 0 && validates(snapshot.policies)) {
    problems.push({ path: "policies", message: "request-validation needs resources from an OpenAPI definition" });
  }
  problems.push(...schemaProblems(PolicyParts.safeParse(bundlePolicies(snapshot))));
  return problems;
}

/** The same check for a product revision. */
export function productPolicyProblems(snapshot: ProductSnapshot): { path: string; message: string }[] {
  return schemaProblems(ProductParts.safeParse(bundleProductParts(snapshot)));
}

const schemaProblems = (parsed: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) =>
  parsed.success || !parsed.error
    ? []
    : parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message }));

/**
 * Everything one environment needs to serve one tenant, read inside the transaction of the
 * change so the bundle matches what commits with it.
 */
export async function buildBundle(
  tx: Tx,
  input: { tenantId: string; environmentId: string; busKey: string; version: number; publicUrl: string },
): Promise<BundleContent> {
  const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, input.tenantId));
  if (!tenant) {
    throw new Error(`tenant ${input.tenantId} not visible`);
  }
  const live = await tx
    .select({ api: apis, revision: revisions })
    .from(deployments)
    .innerJoin(apis, eq(apis.id, deployments.apiId))
    .innerJoin(revisions, eq(revisions.id, deployments.revisionId))
    .where(
      and(
        eq(deployments.environmentId, input.environmentId),
        isNull(deployments.undeployedAt),
        ne(apis.status, "RETIRED"),
      ),
    );
  const liveProducts = await tx
    .select({ product: products, revision: productRevisions })
    .from(productDeployments)
    .innerJoin(products, eq(products.id, productDeployments.productId))
    .innerJoin(productRevisions, eq(productRevisions.id, productDeployments.revisionId))
    .where(
      and(
        eq(productDeployments.environmentId, input.environmentId),
        isNull(productDeployments.undeployedAt),
        ne(products.status, "RETIRED"),
      ),
    );
  const apiIds = new Set(live.map((l) => l.api.id));
  const productIds = new Set(liveProducts.map((l) => l.product.id));
  const issuer = issuerUrl(input.publicUrl, tenant.slug);
  const [tierRows, appRows, subRows, keyRows, clientRows, kmRows, extRows, jwks, revokedRows] = await Promise.all([
    tx.select().from(tiers),
    tx.select({ id: applications.id, tier: applications.tier }).from(applications),
    tx.select().from(subscriptions),
    tx.select().from(apiKeys).where(isNull(apiKeys.revokedAt)),
    tx.select().from(oauthClients),
    tx.select().from(keyManagers),
    tx.select().from(externalClients),
    issuerJwks(tx),
    tx.select().from(revokedTokens).where(gt(revokedTokens.exp, new Date())),
  ]);
  // Only applications whose tier limits something: an unlisted application is unlimited.
  const limitingAppTiers = new Set(
    tierRows.filter((t) => t.kind === "application" && tierLimits(t)).map((t) => t.name),
  );
  const kmIssuer = new Map(kmRows.map((k) => [k.id, k.issuer]));
  return {
    schemaVersion: BUNDLE_SCHEMA_VERSION,
    tenant: { id: tenant.id, slug: tenant.slug },
    environment: input.busKey,
    version: input.version,
    issuedAt: new Date().toISOString(),
    apis: live.map(({ api, revision }) => ({
      id: api.id,
      name: revision.snapshot.name,
      context: revision.snapshot.context,
      version: revision.snapshot.version,
      status: api.status,
      upstream: bundleUpstream(revision.snapshot.upstreamUrl, revision.snapshot.upstreamGroup),
      ...(revision.snapshot.tier ? { tier: revision.snapshot.tier } : {}),
      revision: { id: revision.id, number: revision.number },
      authRequired: true,
      deprecatedAt: api.deprecatedAt?.toISOString() ?? null,
      sunsetAt: api.sunsetAt?.toISOString() ?? null,
      ...bundlePolicies(revision.snapshot),
    })),
    // Absent without products, so bundles of tenants that use none stay what older gateways read.
    ...(liveProducts.length > 0
      ? {
          products: liveProducts.map(({ product, revision }) => ({
            id: product.id,
            name: revision.snapshot.name,
            context: revision.snapshot.context,
            version: revision.snapshot.version,
            status: product.status,
            revision: { id: revision.id, number: revision.number },
            deprecatedAt: product.deprecatedAt?.toISOString() ?? null,
            sunsetAt: product.sunsetAt?.toISOString() ?? null,
            ...bundleProductParts(revision.snapshot),
          })),
        }
      : {}),
    tiers: tierRows.map(bundleTier),
    applications: appRows.filter((a) => limitingAppTiers.has(a.tier)),
    subscriptions: subRows.flatMap((s): BundleContent["subscriptions"] => {
      const base = { id: s.id, applicationId: s.applicationId, tier: s.tier, status: s.status };
      if (s.apiId !== null && apiIds.has(s.apiId)) {
        return [{ ...base, apiId: s.apiId }];
      }
      return s.productId !== null && productIds.has(s.productId) ? [{ ...base, productId: s.productId }] : [];
    }),
    apiKeys: keyRows.map((k) => ({
      id: k.id,
      hash: k.keyHash,
      applicationId: k.applicationId,
      // Rounded up: the gateway's whole-second clock must not end a key before its time.
      expiresAt: k.expiresAt ? Math.ceil(k.expiresAt.getTime() / 1000) : null,
      allowedIps: k.allowedIps ?? null,
      allowedReferrers: k.allowedReferrers ?? null,
    })),
    clients: [
      ...clientRows.map((c) => ({ issuer, clientId: c.clientId, applicationId: c.applicationId })),
      ...extRows.map((c) => ({
        issuer: kmIssuer.get(c.keyManagerId)!,
        clientId: c.clientId,
        applicationId: c.applicationId,
      })),
    ],
    issuers: [
      { issuer, audience: GATEWAY_AUDIENCE, clientIdClaim: "client_id", jwks, algorithms: [ISSUER_ALG] },
      ...kmRows.map((k) => ({
        issuer: k.issuer,
        ...(k.audience ? { audience: k.audience } : {}),
        clientIdClaim: k.clientIdClaim,
        scopeClaim: k.scopeClaim,
        jwksUri: k.jwksUri,
        algorithms: [...EXTERNAL_ALGORITHMS],
      })),
    ],
    // Only tokens not yet expired: the gateway refuses expired ones anyway.
    revokedTokens: revokedRows.map((r) => ({ jti: r.jti, exp: Math.floor(r.exp.getTime() / 1000) })),
  };
}
