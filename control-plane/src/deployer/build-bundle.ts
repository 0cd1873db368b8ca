import type { BundleContent } from "@portico/shared/bundle";
import { BUNDLE_SCHEMA_VERSION, BundleApi, BundleProduct } from "@portico/shared/bundle";
import { and, eq, gt, isNull, ne } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import {
  apiKeys,
  apis,
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
} from "../db/schema/index.js";
import { GATEWAY_AUDIENCE, ISSUER_ALG, issuerJwks, issuerUrl } from "../keys/issuer.js";

const EXTERNAL_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"] as const;

/** One resource of a snapshot as the bundle carries it. */
const bundleResource = (r: RevisionSnapshot["resources"][number]) => ({
  method: r.method,
  path: r.path,
  authRequired: r.authRequired ?? true,
  scopes: r.scopes ?? [],
  ...(r.tier !== undefined ? { tier: r.tier } : {}),
  policies: r.policies ?? [],
});

/** The policies and resources of a revision as the bundle carries them (older snapshots have none). */
export function bundlePolicies(snapshot: RevisionSnapshot) {
  return { policies: snapshot.policies ?? [], resources: snapshot.resources.map(bundleResource) };
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

const PolicyParts = BundleApi.pick({ policies: true, resources: true });
const ProductParts = BundleProduct.pick({ apis: true, resources: true });

/**
 * What the gateway would refuse in a revision's policies and resources, checked with the
 * gateway's own schema before anything is deployed; empty when it is fine.
 */
export function policyProblems(snapshot: RevisionSnapshot): { path: string; message: string }[] {
  return schemaProblems(PolicyParts.safeParse(bundlePolicies(snapshot)));
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
  const [tierRows, subRows, keyRows, clientRows, kmRows, extRows, jwks, revokedRows] = await Promise.all([
    tx.select().from(tiers),
    tx.select().from(subscriptions),
    tx.select().from(apiKeys).where(isNull(apiKeys.revokedAt)),
    tx.select().from(oauthClients),
    tx.select().from(keyManagers),
    tx.select().from(externalClients),
    issuerJwks(tx),
    tx.select().from(revokedTokens).where(gt(revokedTokens.exp, new Date())),
  ]);
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
      upstream: { url: revision.snapshot.upstreamUrl },
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
    tiers: tierRows.map((t) => ({ name: t.name, requestsPerMinute: t.requestsPerMinute, burst: t.burst })),
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
