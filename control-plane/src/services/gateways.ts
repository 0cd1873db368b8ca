import { GatewayAck, GatewayStatus, type NatsNames } from "@portico/shared";
import type { StreamMessage } from "@portico/shared/bus";
import { eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { bundleVersions, deploymentAcks, environments, gatewayBundles, gateways, tenants } from "../db/schema/index.js";
import type { Actor, Services } from "./context.js";

/** Gateways serving the environments this tenant can see, with what they run for it. */
export async function listGateways(s: Services, actor: Actor) {
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const envs = await tx.select().from(environments);
    const byKey = new Map(envs.map((e) => [e.busKey, e]));
    if (byKey.size === 0) {
      return [];
    }
    const gws = await tx
      .select()
      .from(gateways)
      .where(inArray(gateways.environment, [...byKey.keys()]));
    const running = new Map((await tx.select().from(gatewayBundles)).map((b) => [b.gatewayId, b]));
    const expected = new Map((await tx.select().from(bundleVersions)).map((b) => [b.environmentId, b]));
    const liveSince = Date.now() - s.gatewayLiveMs;
    return gws.map((g) => {
      const env = byKey.get(g.environment)!;
      const run = running.get(g.id);
      const exp = expected.get(env.id);
      return {
        id: g.id,
        environment: env.name,
        softwareVersion: g.softwareVersion,
        bundle: run ? { version: run.version, hash: run.hash } : null,
        expectedBundle: exp ? { version: exp.version, hash: exp.hash } : null,
        inSync: !exp || (run?.hash === exp.hash && run.version === exp.version),
        lastHeartbeat: g.lastHeartbeat.toISOString(),
        live: g.lastHeartbeat.getTime() >= liveSince,
        lastError: visibleError(g.lastError, actor.tenantId),
      };
    });
  });
}

/** A shared gateway's refusal of another tenant's bundle is that tenant's business only. */
function visibleError(error: (typeof gateways.$inferSelect)["lastError"], tenantId: string) {
  if (!error || (error.tenant !== undefined && error.tenant !== tenantId)) {
    return null;
  }
  return { reason: error.reason, detail: error.detail, at: error.at };
}

/**
 * The newer of the stored and the reported error. Heartbeats and rejections travel on
 * separate subjects and are written concurrently, so an older one may land last; a gateway
 * that restarted and reports none clears what came before its start.
 */
const newerError = (reported: SQL, startedAt: SQL) => sql`case
  when ${reported} is null then
    case when (${gateways.lastError}->>'at')::bigint >= ${startedAt} then ${gateways.lastError} else null end
  when ${gateways.lastError} is null or (${reported}->>'at')::bigint >= (${gateways.lastError}->>'at')::bigint
    then ${reported}
  else ${gateways.lastError} end`;

/**
 * Heartbeats: platform-level writes, one per gateway and one per tenant it serves. A message
 * speaks only for the gateway and environment its subject names (NATS credentials decide who
 * may publish there), and a self-hosted environment's gateways only for its tenant.
 */
export async function recordStatus(s: Services, log: Logger, names: NatsNames, msg: StreamMessage): Promise<void> {
  const parsed = GatewayStatus.safeParse(safeJson(msg.data));
  if (!parsed.success || names.statusSubject(parsed.data.environment, parsed.data.id) !== msg.subject) {
    log.warn("gateway status: malformed heartbeat dropped");
    return;
  }
  const st = parsed.data;
  const owner = await environmentOwner(s, st.environment);
  const now = new Date();
  await s.db.system
    .insert(gateways)
    .values({
      id: st.id,
      environment: st.environment,
      softwareVersion: st.softwareVersion,
      startedAt: new Date(st.startedAt),
      lastHeartbeat: now,
      lastError: st.lastError,
    })
    .onConflictDoUpdate({
      target: gateways.id,
      set: {
        environment: st.environment,
        softwareVersion: st.softwareVersion,
        startedAt: new Date(st.startedAt),
        lastHeartbeat: now,
        lastError: newerError(sql`excluded.last_error`, sql`${st.startedAt}::bigint`),
      },
    });
  const known = await knownTenants(
    s,
    st.tenants.map((t) => t.tenant),
  );
  for (const t of st.tenants.filter((t) => known.has(t.tenant) && (owner === null || owner === t.tenant))) {
    await s.db.system
      .insert(gatewayBundles)
      .values({ tenantId: t.tenant, gatewayId: st.id, version: t.version, hash: t.hash, updatedAt: now })
      .onConflictDoUpdate({
        target: [gatewayBundles.tenantId, gatewayBundles.gatewayId],
        set: { version: t.version, hash: t.hash, updatedAt: now },
      });
  }
}

export async function recordAck(s: Services, log: Logger, names: NatsNames, msg: StreamMessage): Promise<void> {
  const parsed = GatewayAck.safeParse(safeJson(msg.data));
  if (!parsed.success || names.ackSubject(parsed.data.environment, parsed.data.gateway) !== msg.subject) {
    log.warn("gateway ack: malformed ack dropped");
    return;
  }
  const ack = parsed.data;
  if (!ack.ok) {
    log.warn(
      { gateway: ack.gateway, tenant: ack.tenant, reason: ack.reason, detail: ack.detail },
      "gateway rejected a bundle",
    );
    const error = {
      reason: ack.reason,
      detail: ack.detail,
      at: ack.at ?? Date.now(),
      ...(ack.tenant === undefined ? {} : { tenant: ack.tenant }),
    };
    await s.db.system
      .update(gateways)
      .set({ lastError: newerError(sql`${JSON.stringify(error)}::jsonb`, sql`0`) })
      .where(eq(gateways.id, ack.gateway));
    return;
  }
  const owner = await environmentOwner(s, ack.environment);
  if (!(await knownTenants(s, [ack.tenant])).has(ack.tenant) || (owner !== null && owner !== ack.tenant)) {
    return;
  }
  await s.db.system
    .insert(deploymentAcks)
    .values({
      tenantId: ack.tenant,
      environment: ack.environment,
      gatewayId: ack.gateway,
      version: ack.version,
      hash: ack.hash,
      applyMs: ack.applyMs,
    })
    .onConflictDoNothing();
}

/** The tenant of a self-hosted environment (by bus key); null for shared or unknown ones. */
async function environmentOwner(s: Services, busKey: string): Promise<string | null> {
  const [env] = await s.db.system
    .select({ tenantId: environments.tenantId })
    .from(environments)
    .where(eq(environments.busKey, busKey));
  return env?.tenantId ?? null;
}

const UUID = /^[0-9a-f-]{36}$/i;

async function knownTenants(s: Services, ids: string[]): Promise<Set<string>> {
  const candidates = ids.filter((id) => UUID.test(id));
  if (candidates.length === 0) {
    return new Set();
  }
  const rows = await s.db.system.select({ id: tenants.id }).from(tenants).where(inArray(tenants.id, candidates));
  return new Set(rows.map((r) => r.id));
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
