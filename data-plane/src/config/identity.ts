import { mkdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { err, GatewayRegistration, ok, type Result } from "@portico/shared";
import { request } from "undici";
import { z } from "zod";
import { writeFileAtomic } from "./disk.js";

/**
 * A self-hosted gateway's identity, from its one registration: kept in the data dir, so
 * restarts need neither the token (consumed) nor the control plane.
 */
const StoredIdentity = z.object({
  gatewayId: z.string(),
  tenant: z.object({ id: z.string(), slug: z.string() }),
  environment: z.object({ id: z.string(), name: z.string(), busKey: z.string() }),
  nats: z.object({
    servers: z.array(z.string()),
    prefix: z.string(),
    domain: z.string().nullable().default(null),
    hasCreds: z.boolean(),
  }),
  controlPlaneUrl: z.string(),
  registeredAt: z.string(),
});
export type StoredIdentity = z.infer<typeof StoredIdentity>;

export interface GatewayIdentity extends StoredIdentity {
  /** Files next to identity.json. */
  credsPath: string | undefined;
  bundleKeysPath: string;
}

const dirOf = (dataDir: string) => join(dataDir, "gateway");
const paths = (dataDir: string) => ({
  identity: join(dirOf(dataDir), "identity.json"),
  creds: join(dirOf(dataDir), "nats.creds"),
  bundleKeys: join(dirOf(dataDir), "bundle-keys.json"),
});

function withPaths(dataDir: string, stored: StoredIdentity): GatewayIdentity {
  const p = paths(dataDir);
  return { ...stored, credsPath: stored.nats.hasCreds ? p.creds : undefined, bundleKeysPath: p.bundleKeys };
}

/** The identity stored by an earlier registration, if any. */
export async function loadIdentity(dataDir: string): Promise<Result<GatewayIdentity | undefined, string>> {
  let text: string;
  try {
    text = await readFile(paths(dataDir).identity, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? ok(undefined) : err(String(error));
  }
  const parsed = StoredIdentity.safeParse(JSON.parse(text));
  return parsed.success ? ok(withPaths(dataDir, parsed.data)) : err(`${paths(dataDir).identity} is not valid`);
}

/** A gateway id hint the control plane accepts: the host name, tamed. */
export function nameHint(name = hostname()): string {
  const tamed = name.replace(/[^a-zA-Z0-9_-]/g, "-").slice(0, 40);
  return /[a-zA-Z0-9]/.test(tamed) ? tamed : "gw";
}

/**
 * Exchanges the one-time token for the gateway's identity and keeps it. Credentials and keys
 * are written before identity.json, so a crash in between leaves no identity that lacks them.
 */
export async function register(opts: {
  controlPlaneUrl: string;
  token: string;
  dataDir: string;
  name?: string;
  timeoutMs?: number;
}): Promise<Result<GatewayIdentity, string>> {
  const url = `${opts.controlPlaneUrl.replace(/\/+$/, "")}/api/v1/gateways/register`;
  let status: number;
  let body: unknown;
  try {
    const res = await request(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: opts.token, name: nameHint(opts.name) }),
      headersTimeout: opts.timeoutMs ?? 10_000,
      bodyTimeout: opts.timeoutMs ?? 10_000,
    });
    status = res.statusCode;
    body = await res.body.json().catch(() => null);
  } catch (error) {
    return err(`cannot reach ${url}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (status !== 201) {
    const detail = (body as { detail?: string } | null)?.detail ?? "";
    return err(`registration refused (HTTP ${status}) ${detail}`.trim());
  }
  const parsed = GatewayRegistration.safeParse(body);
  if (!parsed.success) {
    return err("the control plane's answer is not a gateway registration");
  }
  const reg = parsed.data;
  const p = paths(opts.dataDir);
  await mkdir(dirOf(opts.dataDir), { recursive: true });
  if (reg.nats.creds) {
    await writeFileAtomic(p.creds, reg.nats.creds);
  }
  await writeFileAtomic(p.bundleKeys, JSON.stringify(reg.bundleKeys));
  const stored: StoredIdentity = {
    gatewayId: reg.gatewayId,
    tenant: reg.tenant,
    environment: reg.environment,
    nats: {
      servers: reg.nats.servers,
      prefix: reg.nats.prefix,
      domain: reg.nats.domain,
      hasCreds: reg.nats.creds !== null,
    },
    controlPlaneUrl: opts.controlPlaneUrl,
    registeredAt: new Date().toISOString(),
  };
  await writeFileAtomic(p.identity, JSON.stringify(stored, null, 2));
  return ok(withPaths(opts.dataDir, stored));
}

/** The stored identity, or a new one when a token is given and none is stored yet. */
export async function ensureIdentity(opts: {
  dataDir: string;
  controlPlaneUrl?: string;
  token?: string;
}): Promise<Result<GatewayIdentity | undefined, string>> {
  const stored = await loadIdentity(opts.dataDir);
  if (!stored.ok || stored.value || !opts.token) {
    return stored;
  }
  if (!opts.controlPlaneUrl) {
    return err("PORTICO_REGISTRATION_TOKEN needs PORTICO_CP_URL, the control plane to register with");
  }
  return register({ controlPlaneUrl: opts.controlPlaneUrl, token: opts.token, dataDir: opts.dataDir });
}
