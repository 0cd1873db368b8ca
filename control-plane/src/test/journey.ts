import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Gateway, startGateway } from "@portico/data-plane";
import { NatsBus } from "@portico/shared/bus/nats";
import type { JSONWebKeySet } from "jose";
import pino from "pino";
import { expect } from "vitest";
import { type Client, client, NATS_URL, startTestControlPlane, type TestControlPlane } from "./harness.js";
import { startEchoUpstream } from "./upstream.js";

/** Polls until `probe` yields a value: bundles and analytics travel asynchronously. */
export async function until<T>(probe: () => Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) {
      return v;
    }
    if (Date.now() > end) {
      throw new Error(`timed out: ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Publisher side: one published API deployed to `default` (or `opts.environment`). */
export async function publishedApi(
  t: Pick<TestControlPlane, "api">,
  token: string,
  opts: { context: string; upstreamUrl: string; environment?: string; resources?: unknown[] },
) {
  const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
  const api = (
    await call("POST", "/api/v1/apis", {
      name: opts.context,
      context: opts.context,
      version: "v1",
      upstream: { url: opts.upstreamUrl },
      ...(opts.resources ? { resources: opts.resources } : {}),
    })
  ).body;
  expect((await call("POST", `/api/v1/apis/${api.id}/lifecycle`, { action: "publish" })).status).toBe(200);
  const rev = (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body;
  const dep = await call("POST", `/api/v1/apis/${api.id}/deployments`, {
    revisionId: rev.id,
    environment: opts.environment ?? "default",
  });
  expect(dep.status).toBe(201);
  return { api, deployment: dep.body };
}

/** Consumer side: an application with client credentials and an API key, subscribed to the API. */
export async function application(t: TestControlPlane, token: string, apiId: string, tier = "Gold") {
  const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
  const app = (await call("POST", "/api/v1/applications", { name: `app-${tier}` })).body;
  const creds = (await call("POST", `/api/v1/applications/${app.id}/credentials`)).body;
  const key = (await call("POST", `/api/v1/applications/${app.id}/api-keys`)).body;
  const sub = await call("POST", "/api/v1/subscriptions", { applicationId: app.id, apiId, tier });
  expect(sub.status).toBe(201);
  return { app, creds, key: key.key as string };
}

export async function accessToken(
  t: TestControlPlane,
  slug: string,
  creds: { clientId: string; clientSecret: string },
  scope?: string,
) {
  const res = await fetch(`${t.cp.url}/t/${slug}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
      ...(scope ? { scope } : {}),
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Waits until the gateway answers `path` with `status`. */
export const served = (gw: Client, path: string, headers: Record<string, string>, status = 200) =>
  until(async () => {
    const res = await gw.call("GET", path, { headers });
    return res.status === status ? res : undefined;
  }, `${path} → ${status}`);

/**
 * What end-to-end suites run against: a control plane on real PostgreSQL and NATS, an echo
 * upstream, and one real gateway on the control plane's NATS names.
 */
export async function startTestStack(gatewayId: string) {
  const t = await startTestControlPlane();
  const upstream = await startEchoUpstream();
  const dataDir = mkdtempSync(join(tmpdir(), `portico-${gatewayId}-`));
  const gateway = await startTestGateway(t, { gatewayId, dataDir });
  return {
    t,
    upstream,
    gateway: gateway.gateway,
    gw: client(gateway.gateway.url),
    close: async () => {
      await gateway.close();
      await upstream.close();
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
export type TestStack = Awaited<ReturnType<typeof startTestStack>>;

/**
 * A real gateway on the control plane's NATS names, holding only the public bundle keys the
 * control plane publishes. `close` stops it and its own bus connection.
 */
export async function startTestGateway(
  t: Pick<TestControlPlane, "api" | "prefix">,
  opts: { gatewayId: string; dataDir: string; natsUrl?: string; environment?: string; tenant?: string },
): Promise<{ gateway: Gateway; close(): Promise<void> }> {
  const bundleKeys = (await t.api.call<JSONWebKeySet>("GET", "/.well-known/portico/bundle-keys")).body;
  const bus = new NatsBus({ servers: opts.natsUrl ?? NATS_URL, name: opts.gatewayId });
  const gateway = await startGateway({
    bus,
    environment: opts.environment ?? "default",
    gatewayId: opts.gatewayId,
    tenant: opts.tenant,
    dataDir: opts.dataDir,
    port: 0,
    host: "127.0.0.1",
    bundleKeys,
    natsPrefix: t.prefix,
    heartbeatMs: 500,
    analyticsFlushMs: 100,
    logger: pino({ level: process.env.LOG_LEVEL ?? "silent" }),
  });
  return {
    gateway,
    close: async () => {
      await gateway.close();
      await bus.close();
    },
  };
}
