import { type ImportApiRequest, ok, type Resource } from "@portico/shared";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { apis } from "../db/schema/index.js";
import { createApi, findApi } from "./apis.js";
import type { Actor, Services } from "./context.js";
import { fail, notFound, type ServiceResult } from "./errors.js";

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch"] as const;

/** The part of an OpenAPI 3.0/3.1 document Portico relies on; the rest is kept as given. */
const OpenApiDocument = z.object({
  openapi: z.string().regex(/^3\.[01]\.\d+$/, "must be 3.0.x or 3.1.x"),
  info: z.object({ title: z.string().min(1), version: z.string().min(1), description: z.string().optional() }),
  servers: z.array(z.object({ url: z.string() })).optional(),
  paths: z.record(
    z.string().regex(/^\//, "path must start with /"),
    z.record(z.string(), z.unknown()).refine((item) => typeof item === "object", "must be a path item"),
  ),
});

type ResourceT = z.infer<typeof Resource>;

function parseDocument(input: string | Record<string, unknown>): ServiceResult<Record<string, unknown>> {
  if (typeof input !== "string") {
    return ok(input);
  }
  try {
    const doc: unknown = parseYaml(input, { maxAliasCount: 100 });
    if (doc && typeof doc === "object" && !Array.isArray(doc)) {
      return ok(doc as Record<string, unknown>);
    }
  } catch (e) {
    return fail("invalid-openapi", "the document is neither JSON nor YAML", [
      { path: "(root)", message: e instanceof Error ? e.message.split("\n")[0]! : "unparsable" },
    ]);
  }
  return fail("invalid-openapi", "the document must be an object", [{ path: "(root)", message: "not an object" }]);
}

const slugify = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60) || "api";

export async function importApi(s: Services, actor: Actor, input: z.infer<typeof ImportApiRequest>) {
  const raw = parseDocument(input.openapi);
  if (!raw.ok) {
    return raw;
  }
  const parsed = OpenApiDocument.safeParse(raw.value);
  if (!parsed.success) {
    return fail(
      "invalid-openapi",
      `the document has ${parsed.error.issues.length} problem(s)`,
      parsed.error.issues.map((i) => ({ path: i.path.join(".") || "(root)", message: i.message })),
    );
  }
  const doc = parsed.data;
  const resources: ResourceT[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const m of METHODS) {
      const op = item[m] as { summary?: unknown } | undefined;
      if (op && typeof op === "object") {
        resources.push({
          method: m.toUpperCase() as ResourceT["method"],
          path,
          ...(typeof op.summary === "string" ? { summary: op.summary } : {}),
        });
      }
    }
  }
  const upstream = input.upstream?.url ?? doc.servers?.find((sv) => /^https?:\/\//.test(sv.url))?.url;
  if (!upstream) {
    return fail("invalid-openapi", "no upstream: give upstream.url or an absolute servers[].url", [
      { path: "servers", message: "no absolute http(s) server URL" },
    ]);
  }
  const version = input.version ?? doc.info.version.replace(/[^a-zA-Z0-9._-]/g, "-");
  return createApi(s, actor, {
    name: doc.info.title,
    context: input.context ?? slugify(doc.info.title),
    version,
    upstream: input.upstream ?? { url: upstream },
    description: doc.info.description,
    resources,
    openapiDoc: raw.value,
  });
}

function pathsFromResources(resources: ResourceT[]): Record<string, Record<string, unknown>> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of resources) {
    paths[r.path] ??= {};
    paths[r.path]![r.method.toLowerCase()] = {
      ...(r.summary ? { summary: r.summary } : {}),
      responses: { default: { description: "Upstream response" } },
    };
  }
  return paths;
}

/** The API's definition as OpenAPI 3.1, served at its gateway URL. */
export async function exportOpenApi(
  s: Services,
  actor: Actor,
  id: string,
): Promise<ServiceResult<Record<string, unknown>>> {
  const row = await s.db.withTenant(actor.tenantId, (tx) => findApi(tx, id));
  if (!row) {
    return notFound("API");
  }
  return ok(openApiDocument(row, `${s.gatewayUrl}/t/${actor.tenantSlug}`));
}

/** The stored document with the API's own name, version and gateway URL (`base` ends at the tenant). */
export function openApiDocument(row: typeof apis.$inferSelect, base: string): Record<string, unknown> {
  const stored = row.openapi ?? {};
  return {
    ...stored,
    openapi: "3.1.0",
    info: {
      ...((stored.info as object | undefined) ?? {}),
      title: row.name,
      version: row.version,
      ...(row.description ? { description: row.description } : {}),
    },
    servers: [{ url: `${base}/${row.context}/${row.version}` }],
    paths: (stored.paths as Record<string, unknown> | undefined) ?? pathsFromResources(row.resources),
  };
}
