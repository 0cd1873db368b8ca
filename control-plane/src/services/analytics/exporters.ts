import type { CreateAnalyticsExporterRequest, UpdateAnalyticsExporterRequest } from "@portico/shared";
import { ok } from "@portico/shared";
import { asc, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Tx } from "../../db/client.js";
import { analyticsExportBatches, analyticsExporters } from "../../db/schema/index.js";
import { isId } from "../apis.js";
import { audit } from "../audit.js";
import type { Actor, Services } from "../context.js";
import { fail, notFound, type ServiceResult } from "../errors.js";
import { isPrivateTarget } from "../webhooks.js";

type ExporterRow = typeof analyticsExporters.$inferSelect;

const queued = {
  pending: sql<number>`(select count(*) from ${analyticsExportBatches} b where b.exporter_id = ${analyticsExporters.id} and b.status = 'pending')::int`,
  failed: sql<number>`(select count(*) from ${analyticsExportBatches} b where b.exporter_id = ${analyticsExporters.id} and b.status = 'failed')::int`,
};

/** The secret is never part of an answer: only which header carries it. */
const toExporter = (x: ExporterRow, q: { pending: number; failed: number }) => ({
  id: x.id,
  name: x.name,
  kind: x.kind,
  url: x.url,
  secretHeader: x.secretSealed ? x.secretHeader : null,
  enabled: x.enabled,
  pendingBatches: q.pending,
  failedBatches: q.failed,
  lastDeliveredAt: x.lastDeliveredAt?.toISOString() ?? null,
  lastError: x.lastError,
  createdAt: x.createdAt.toISOString(),
});

const privateUrl = (s: Services, url: string | undefined) =>
  url !== undefined && !s.webhookAllowPrivate && isPrivateTarget(new URL(url))
    ? fail("validation-failed", "exporter URLs must be public", [
        { path: "url", message: "loopback or private address" },
      ])
    : null;

async function read(tx: Tx, id: string) {
  const [row] = isId(id)
    ? await tx
        .select({ x: analyticsExporters, ...queued })
        .from(analyticsExporters)
        .where(eq(analyticsExporters.id, id))
    : [];
  return row ? toExporter(row.x, row) : null;
}

export async function createExporter(s: Services, actor: Actor, input: z.infer<typeof CreateAnalyticsExporterRequest>) {
  const refused = privateUrl(s, input.url);
  if (refused) {
    return refused;
  }
  return s.db.withTenant(actor.tenantId, async (tx) => {
    const [row] = await tx
      .insert(analyticsExporters)
      .values({
        tenantId: actor.tenantId,
        name: input.name,
        kind: input.kind,
        url: input.url,
        enabled: input.enabled,
        secretHeader: input.secret?.header.toLowerCase() ?? null,
        secretSealed: input.secret ? s.secrets.seal(input.secret.value) : null,
      })
      .returning();
    await audit(tx, actor, {
      action: "analytics-exporter.create",
      target: { type: "analytics-exporter", id: row!.id },
      summary: { after: { name: input.name, kind: input.kind, url: input.url } },
    });
    return ok(toExporter(row!, { pending: 0, failed: 0 }));
  });
}

export const listExporters = (s: Services, actor: Actor) =>
  s.db.withTenant(actor.tenantId, async (tx) =>
    ok(
      (
        await tx
          .select({ x: analyticsExporters, ...queued })
          .from(analyticsExporters)
          .orderBy(asc(analyticsExporters.createdAt))
      ).map((r) => toExporter(r.x, r)),
    ),
  );

export const getExporter = (s: Services, actor: Actor, id: string) =>
  s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<ReturnType<typeof toExporter>>> => {
    const found = await read(tx, id);
    return found ? ok(found) : notFound("analytics exporter");
  });

export async function updateExporter(
  s: Services,
  actor: Actor,
  id: string,
  input: z.infer<typeof UpdateAnalyticsExporterRequest>,
) {
  const refused = privateUrl(s, input.url);
  if (refused) {
    return refused;
  }
  return s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<ReturnType<typeof toExporter>>> => {
    const secret =
      input.secret === undefined
        ? {}
        : input.secret === null
          ? { secretHeader: null, secretSealed: null }
          : { secretHeader: input.secret.header.toLowerCase(), secretSealed: s.secrets.seal(input.secret.value) };
    const changes = Object.fromEntries(
      Object.entries({ name: input.name, url: input.url, enabled: input.enabled, ...secret }).filter(
        ([, v]) => v !== undefined,
      ),
    );
    const found = isId(id) && (await read(tx, id));
    if (!found) {
      return notFound("analytics exporter");
    }
    if (Object.keys(changes).length === 0) {
      return ok(found);
    }
    await tx.update(analyticsExporters).set(changes).where(eq(analyticsExporters.id, id));
    await audit(tx, actor, {
      action: "analytics-exporter.update",
      target: { type: "analytics-exporter", id },
      summary: {
        // The secret itself never goes into the audit trail.
        after: { ...changes, secretSealed: undefined, secretChanged: input.secret !== undefined },
      },
    });
    return ok((await read(tx, id))!);
  });
}

export const deleteExporter = (s: Services, actor: Actor, id: string) =>
  s.db.withTenant(actor.tenantId, async (tx): Promise<ServiceResult<null>> => {
    const [row] = isId(id) ? await tx.delete(analyticsExporters).where(eq(analyticsExporters.id, id)).returning() : [];
    if (!row) {
      return notFound("analytics exporter");
    }
    await audit(tx, actor, {
      action: "analytics-exporter.delete",
      target: { type: "analytics-exporter", id },
      summary: { before: { name: row.name, url: row.url } },
    });
    return ok(null);
  });
