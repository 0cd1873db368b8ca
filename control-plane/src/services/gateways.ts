import { GatewayAck, GatewayStatus, type NatsNames, ok, parseJson } from "@portico/shared";
import type { StreamMessage } from "@portico/shared/bus";
import { and, desc, eq, inArray, notInArray, type SQL, sql } from "drizzle-orm";
import type { Logger } from "pino";
import {
  bundleVersions,
  deploymentAcks,
  environments,
  gatewayBundles,
  gateways,
  outbox,
  tenants,
} from "../db/schema/index.js";
import { audit } from "./audit.js";
import type { Actor, Services } from "./context.js";
import { driftOf } from "./drift.js";
import { fail, notFound } from "./errors.js";

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
    const now = Date.now();
    return gws.map((g) => {
      const env = byKey.get(g.environment)!;
      const run = running.get(g.id);
      const exp = expected.get(env.id);
      const live = g.lastHeartbeat.getTime() >= now - s.gatewayLiveMs;
      const lastError = visibleError(g.lastError, actor.tenantId);
      return {
        id: g.id,
        environment: env.name,
        softwareVersion: g.softwareVersion,
        bundle: run ? { version: run.version, hash: run.hash } : null,
        expectedBundle: exp ? { version: exp.version, hash: exp.hash } : null,
        inSync: !exp || (run?.hash === exp.hash && run.version === exp.version),
        lastHeartbeat: g.lastHeartbeat.toISOString(),
        live,
        lastError,
        capabilities: {
          schemaVersions: g.capabilities?.schemaVersions ?? [],
          policyKinds: g.capabilities?.policyKinds ?? null,
        },
        drift: driftOf({
          run,
          exp,
          live,
          rejectedAt: lastError !== null && g.lastError?.tenant === actor.tenantId ? lastError.at : null,
          now,
        }),
      };
    });
  });
}

/**
 * Puts the tenant's newest signed bundle of the gateway's environment on the bus again
 * (through the outbox, so it cannot overtake a deploy committing meanwhile) and asks the
 * gateway to re-fetch and re-apply it. That repairs a bus copy that was tampered with or lost,
 * a gateway that missed it, and a bad copy on its disk; the gateway acks and reports anew.
 */
export async function resyncGateway(s: Services, actor: Actor, gatewayId: string) {
  const result = await s.db.withTenant(actor.tenantId, async (tx) => {
    const [found] = await tx
      .select({ environment: environments, gateway: gateways.id })
      .from(gateways)
      .innerJoin(environments, eq(environments.busKey, gateways.environment))
      .where(eq(gateways.id, gatewayId));
    if (!found) {
      return notFound("gateway");
    }
    const env = found.environment;
    // Locks out deploys of this tenant to the environment, which bump this row, until commit.
    const [expected] = await tx
      .select()
      .from(bundleVersions)
      .where(eq(bundleVersions.environmentId, env.id))
      .for("update");
    const [latest] = await tx
      .select()
      .from(outbox)
      .where(eq(outbox.busKey, env.busKey))
      .orderBy(desc(outbox.id))
      .limit(1);
    if (!expected || !latest) {
      return fail("conflict", "nothing of this tenant is deployed to the gateway's environment");
    }
    await tx
      .insert(outbox)
      .values({ tenantId: actor.tenantId, busKey: env.busKey, version: latest.version, jws: latest.jws });
    await audit(tx, actor, {
      action: "gateway.resync",
      target: { type: "gateway", id: gatewayId },
      summary: { environment: env.name, bundleVersion: expected.version },
    });
    return ok({ env, expected: { version: expected.version, hash: expected.hash } });
  });
  if (!result.ok) {
    return result;
  }
  const { env, expected } = result.value;
  s.publishBundles();
  const requestedAt = Date.now();
  s.commandGateway(env.busKey, gatewayId, { action: "resync", tenant: actor.tenantId, requestedAt });
  return ok({ gateway: gatewayId, environment: env.name, expected, requestedAt: new Date(requestedAt).toISOString() });
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
  const parsed = GatewayStatus.safeParse(parseJson(msg.data));
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
      capabilities: st.capabilities,
      startedAt: new Date(st.startedAt),
      lastHeartbeat: now,
      lastError: st.lastError,
    })
    .onConflictDoUpdate({
      target: gateways.id,
      set: {
        environment: st.environment,
        softwareVersion: st.softwareVersion,
        capabilities: st.capabilities,
        startedAt: new Date(st.startedAt),
        lastHeartbeat: now,
        lastError: newerError(sql`excluded.last_error`, sql`${st.startedAt}::bigint`),
      },
    });
  const known = await knownTenants(
    s,
    st.tenants.map((t) => t.tenant),
  );
  const serving = st.tenants.filter((t) => known.has(t.tenant) && (owner === null || owner === t.tenant));
  for (const t of serving) {
    await s.db.system
      .insert(gatewayBundles)
      .values({ tenantId: t.tenant, gatewayId: st.id, version: t.version, hash: t.hash, updatedAt: now })
      .onConflictDoUpdate({
        target: [gatewayBundles.tenantId, gatewayBundles.gatewayId],
        set: { version: t.version, hash: t.hash, updatedAt: now },
      });
  }
  // A tenant it no longer reports (its bundle refused at boot, or removed) it runs nothing for.
  const dropped = eq(gatewayBundles.gatewayId, st.id);
  await s.db.system.delete(gatewayBundles).where(
    serving.length === 0
      ? dropped
      : and(
          dropped,
          notInArray(
            gatewayBundles.tenantId,
            serving.map((t) => t.tenant),
          ),
        ),
  );
}

export async function recordAck(s: Services, log: Logger, names: NatsNames, msg: StreamMessage): Promise<void> {
  // Propagation is measured to the ack's arrival, not to the end of the checks below.
  const ackedAt = new Date();
  const parsed = GatewayAck.safeParse(parseJson(msg.data));
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
      ackedAt,
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
