import type { BundleContent } from "@portico/shared/bundle";
import { BUNDLE_SCHEMA_VERSION, BundleApi } from "@portico/shared/bundle";
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

/** The policies and resources of a revision as the bundle carries them (older snapshots have none). */
export function bundlePolicies(snapshot: RevisionSnapshot) {
  return {
    policies: snapshot.policies ?? [],
    resources: snapshot.resources.map((r) => ({
      method: r.method,
      path: r.path,
      authRequired: r.authRequired ?? true,
      scopes: r.scopes ?? [],
      ...(r.tier !== undefined ? { tier: r.tier } : {}),
      policies: r.policies ?? [],
    })),
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

/**
 * What the gateway would refuse in a revision's policies and resources, checked with the
 * gateway's own schema before anything is deployed; empty when it is fine.
 */
export function policyProblems(snapshot: RevisionSnapshot): { path: string; message: string }[] {
  const parsed = PolicyParts.safeParse(bundlePolicies(snapshot));
  return parsed.success
    ? []
    : parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message }));
}

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
  const apiIds = new Set(live.map((l) => l.api.id));
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
    tiers: tierRows.map(bundleTier),
    applications: appRows.filter((a) => limitingAppTiers.has(a.tier)),
    subscriptions: subRows
      .filter((s) => apiIds.has(s.apiId))
      .map((s) => ({ id: s.id, applicationId: s.applicationId, apiId: s.apiId, tier: s.tier, status: s.status })),
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
