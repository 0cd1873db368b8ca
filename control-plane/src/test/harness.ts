import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { type NatsNames, natsNames } from "@portico/shared";
import { NatsBus } from "@portico/shared/bus/nats";
import pino from "pino";
import postgres from "postgres";
import { expect } from "vitest";
import { type ControlPlane, startControlPlane } from "../control-plane.js";
import type { GatewayRegistrationConfig } from "../services/context.js";

/** Real servers, as CI starts them; each run gets its own database and NATS names. */
export const PG_ADMIN_URL = process.env.PORTICO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const NATS_URL = process.env.PORTICO_TEST_NATS_URL ?? "nats://127.0.0.1:4222";

export const uniqueName = (prefix: string) => `${prefix}${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh PostgreSQL database, dropped (with its connections) by the returned function. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = uniqueName("portico_test_");
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  return {
    url: databaseUrl(name),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Deletes the streams and KV buckets a test run made under its prefix. */
export async function deleteNatsPrefix(prefix: string): Promise<void> {
  const nc = await connect({ servers: NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    for await (const s of jsm.streams.list()) {
      if (s.config.name.startsWith(prefix) || s.config.name.startsWith(`KV_${prefix}`)) {
        await jsm.streams.delete(s.config.name);
      }
    }
  } finally {
    await nc.close();
  }
}

export interface Response<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Client {
  call<T = any>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Response<T>>;
}

export function client(baseUrl: string): Client {
  return {
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token) {
        headers.authorization = `Bearer ${opts.token}`;
      }
      let body: string | undefined;
      if (opts.body !== undefined) {
        headers["content-type"] ??= "application/json";
        body = typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
      }
      const res = await fetch(baseUrl + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // not JSON: keep the text
      }
      return { status: res.status, headers: res.headers, body: parsed as never };
    },
  };
}

export interface TestControlPlane {
  cp: ControlPlane;
  bus: NatsBus;
  names: NatsNames;
  prefix: string;
  api: Client;
  databaseUrl: string;
  /** Stops the control plane and its bus connection, then starts both again on the same database and names. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestControlPlane(
  opts: {
    gatewayLiveMs?: number;
    natsUrl?: string;
    natsCreds?: string;
    gatewayRegistration?: Partial<GatewayRegistrationConfig>;
  } = {},
): Promise<TestControlPlane> {
  const db = await createTestDatabase();
  const prefix = uniqueName("t");
  const dataDir = mkdtempSync(join(tmpdir(), "portico-cp-"));
  const start = async () => {
    const bus = new NatsBus({
      servers: opts.natsUrl ?? NATS_URL,
      credsFile: opts.natsCreds,
      name: `test-cp-${prefix}`,
    });
    const cp = await startControlPlane({
      databaseUrl: db.url,
      dataDir,
      bus,
      natsPrefix: prefix,
      port: 0,
      host: "127.0.0.1",
      logger: pino({ level: process.env.LOG_LEVEL ?? "silent" }),
      gatewayLiveMs: opts.gatewayLiveMs,
      gatewayRegistration: opts.gatewayRegistration,
      webhookAllowPrivate: true,
      webhookBackoffMs: 100,
      analyticsExportBackoffMs: 100,
    });
    return { cp, bus, api: client(cp.url) };
  };
  const stop = async () => {
    await t.cp.close();
    await t.bus.close();
  };
  const t: TestControlPlane = {
    ...(await start()),
    names: natsNames(prefix),
    prefix,
    databaseUrl: db.url,
    restart: async () => {
      await stop();
      Object.assign(t, await start());
    },
    close: async () => {
      await stop();
      await db.drop();
      if (!opts.natsUrl) {
        await deleteNatsPrefix(prefix);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

/** Signs up a tenant and returns what later calls need. */
export async function signupTenant(api: Client, slug = uniqueName("acme-")) {
  const res = await api.call("POST", "/api/v1/signup", {
    body: {
      tenant: { name: `Tenant ${slug}`, slug },
      admin: { email: `admin@${slug}.example`, password: "correct horse battery" },
    },
  });
  if (res.status !== 201) {
    throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return { slug, tenantId: res.body.tenant.id as string, token: res.body.accessToken as string };
}

/** Asserts an RFC 9457 problem+json answer with Portico's stable type URI. */
export function expectProblem(res: Response, status: number, type: string) {
  expect({
    status: res.status,
    contentType: res.headers.get("content-type"),
    type: res.body?.type,
    title: typeof res.body?.title,
  }).toEqual({
    status,
    contentType: "application/problem+json",
    type: `https://portico.dev/problems/${type}`,
    title: "string",
  });
}
