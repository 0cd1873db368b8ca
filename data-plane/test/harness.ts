import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type GatewayAck, type NatsNames, natsNames } from "@portico/shared";
import { type BundleContent, sha256Hex, signBundle } from "@portico/shared/bundle";
import type { Bus } from "@portico/shared/bus";
import { NatsBus } from "@portico/shared/bus/nats";
import { CompactSign, exportJWK, generateKeyPair, type JSONWebKeySet, type JWK, SignJWT } from "jose";
import { pino } from "pino";
import { request } from "undici";
import { expect } from "vitest";
import { type Gateway, type GatewayOptions, startGateway } from "../src/index.js";

export const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
export const ENV = "test";
export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** Every run gets its own bucket and stream names on the shared NATS server. */
export const uniquePrefix = () => `t${Date.now()}${randomBytes(3).toString("hex")}`;

export async function tempDir(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "portico-gw-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(
  check: () => T | undefined | false,
  timeoutMs = 10_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await sleep(20);
  }
}

export function natsBus(name: string, servers = NATS_URL): NatsBus {
  return new NatsBus({ servers, name, onError: () => {} });
}

/** The control plane's signing key, and the public JWKS a gateway is installed with. */
export async function bundleSigningKey(kid = `bk-${randomBytes(3).toString("hex")}`) {
  const { privateKey, publicKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid, alg: "EdDSA", use: "sig" }] };
  return {
    kid,
    jwks,
    sign: async (draft: BundleContent) => (await signBundle(draft, { kid, privateKey })).jws,
    /** Signs anything, valid bundle or not. */
    signRaw: (payload: unknown) =>
      new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
        .setProtectedHeader({ alg: "EdDSA", kid })
        .sign(privateKey),
  };
}

/** A tenant's OAuth issuer: ES256 key, public JWKS for the bundle, and a token minter. */
export async function tenantIssuer(issuer = "https://cp.test/t/acme", audience = "portico") {
  const kid = `ik-${randomBytes(3).toString("hex")}`;
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  return {
    issuer,
    audience,
    publicJwk,
    token: (claims: Record<string, unknown> = {}, opts: { iss?: string; aud?: string; exp?: number | string } = {}) =>
      new SignJWT({ client_id: "cid_app1", scope: "", jti: randomUUID(), ...claims })
        .setProtectedHeader({ alg: "ES256", kid })
        .setIssuer(opts.iss ?? issuer)
        .setAudience(opts.aud ?? audience)
        .setSubject("cid_app1")
        .setIssuedAt()
        .setExpirationTime(opts.exp ?? "5m")
        .sign(privateKey),
  };
}

export interface EchoRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real upstream that answers every request with what it received, as JSON. */
export async function startEchoUpstream(): Promise<{
  origin: string;
  received: EchoRequest[];
  close(): Promise<void>;
}> {
  const received: EchoRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const echo = {
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(echo);
      const body = JSON.stringify(echo);
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "x-upstream": "echo",
        // Hop-by-hop headers the gateway must not pass back.
        "keep-alive": "timeout=5",
        "x-hop": "secret",
        connection: "keep-alive, x-hop",
      });
      res.end(body);
    });
  });
  return { ...(await listen(server)), received };
}

/** An upstream that accepts connections and never answers. */
export async function startSilentUpstream(): Promise<{ origin: string; close(): Promise<void> }> {
  return listen(createServer(() => {}));
}

async function listen(server: Server): Promise<{ origin: string; close(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

export const API_KEY = "pk_test_app1_key";
export const API_KEY_UNSUBSCRIBED = "pk_test_app2_key";
export const API_KEY_EXPIRED = "pk_test_expired_key";

export interface DraftOptions {
  tenantId?: string;
  slug?: string;
  version: number;
  upstream: string;
  issuer: { issuer: string; audience: string; publicJwk: JWK };
  /** extra upstreams by API context */
  downUpstream?: string;
  silentUpstream?: string;
  environment?: string;
  /** An external IdP (keys fetched from its JWKS URI) whose client `ext-client` is bound to app1. */
  externalIssuer?: { issuer: string; audience: string; jwksUri: string; clientIdClaim: string };
  /** more APIs (resources, policies) and subscriptions to them */
  extraApis?: BundleContent["apis"];
  extraSubscriptions?: BundleContent["subscriptions"];
  products?: BundleContent["products"];
}

/**
 * A tenant with the shapes the tests need: an authenticated API with a multi-segment context,
 * an open one, a blocked one, a deprecated one, a rate-limited one, and failing upstreams.
 */
export function tenantDraft(o: DraftOptions): BundleContent {
  const api = (
    id: string,
    context: string,
    status: "PUBLISHED" | "BLOCKED" | "DEPRECATED",
    upstream: string,
    authRequired: boolean,
  ) => ({
    id,
    name: id,
    context,
    version: "v1",
    status,
    upstream: { url: upstream },
    revision: { id: `rev_${id}`, number: 1 },
    authRequired,
  });
  return {
    schemaVersion: 1,
    tenant: { id: o.tenantId ?? "tenant-acme", slug: o.slug ?? "acme" },
    environment: o.environment ?? ENV,
    version: o.version,
    issuedAt: new Date().toISOString(),
    apis: [
      api("api_pets", "shop/pets", "PUBLISHED", `${o.upstream}/base`, true),
      api("api_open", "open", "PUBLISHED", o.upstream, false),
      api("api_blocked", "blocked", "BLOCKED", o.upstream, false),
      api("api_old", "old", "DEPRECATED", o.upstream, false),
      api("api_limited", "limited", "PUBLISHED", o.upstream, true),
      api("api_down", "down", "PUBLISHED", o.downUpstream ?? o.upstream, false),
      api("api_slow", "slow", "PUBLISHED", o.silentUpstream ?? o.upstream, false),
      ...(o.extraApis ?? []),
    ],
    ...(o.products ? { products: o.products } : {}),
    tiers: [
      { name: "Unlimited", requestsPerMinute: null, burst: null },
      { name: "Tiny", requestsPerMinute: 60, burst: 3 },
    ],
    subscriptions: [
      { id: "sub_pets", applicationId: "app1", apiId: "api_pets", tier: "Unlimited", status: "ACTIVE" },
      { id: "sub_limited", applicationId: "app1", apiId: "api_limited", tier: "Tiny", status: "ACTIVE" },
      { id: "sub_blocked", applicationId: "app2", apiId: "api_pets", tier: "Unlimited", status: "BLOCKED" },
      ...(o.extraSubscriptions ?? []),
    ],
    apiKeys: [
      { id: "key1", hash: sha256Hex(API_KEY), applicationId: "app1", expiresAt: null },
      { id: "key2", hash: sha256Hex(API_KEY_UNSUBSCRIBED), applicationId: "app2", expiresAt: null },
      { id: "key3", hash: sha256Hex(API_KEY_EXPIRED), applicationId: "app1", expiresAt: 1_000_000 },
    ],
    clients: [
      { issuer: o.issuer.issuer, clientId: "cid_app1", applicationId: "app1" },
      { issuer: o.issuer.issuer, clientId: "cid_app2", applicationId: "app2" },
      ...(o.externalIssuer ? [{ issuer: o.externalIssuer.issuer, clientId: "ext-client", applicationId: "app1" }] : []),
    ],
    issuers: [
      {
        issuer: o.issuer.issuer,
        audience: o.issuer.audience,
        clientIdClaim: "client_id",
        jwks: { keys: [{ ...o.issuer.publicJwk, kty: "EC" }] },
        algorithms: ["ES256"],
      },
      ...(o.externalIssuer ? [{ ...o.externalIssuer, algorithms: ["ES256" as const] }] : []),
    ],
    revokedTokens: [{ jti: "revoked-jti", exp: Math.floor(Date.now() / 1000) + 3600 }],
  };
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export async function call(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer | AsyncIterable<Buffer> } = {},
): Promise<CallResult> {
  const res = await request(url, {
    method: (init.method ?? "GET") as "GET",
    headers: init.headers,
    body: init.body as string | undefined,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) };
}

/** Collects the messages published on a subject (acks, heartbeats). */
export function collect<T>(bus: Bus, subject: string): { messages: T[]; stop(): Promise<void> } {
  const messages: T[] = [];
  const sub = bus.subscribe(subject, (m) => messages.push(JSON.parse(m.data) as T));
  return { messages, stop: () => sub.stop() };
}

export async function waitForAck(
  acks: { messages: GatewayAck[] },
  match: (a: GatewayAck) => boolean,
  timeoutMs = 10_000,
): Promise<GatewayAck> {
  return waitFor(() => acks.messages.find(match), timeoutMs, "gateway ack");
}

export interface TestGateway extends Gateway {
  names: NatsNames;
}

export async function gateway(
  o: Partial<GatewayOptions> & Pick<GatewayOptions, "bus" | "dataDir" | "bundleKeys" | "natsPrefix">,
): Promise<TestGateway> {
  const gw = await startGateway({
    environment: ENV,
    gatewayId: "gw-test",
    port: 0,
    host: "127.0.0.1",
    heartbeatMs: 500,
    analyticsFlushMs: 200,
    logger: quietLogger,
    ...o,
  });
  return Object.assign(gw, { names: natsNames(o.natsPrefix) });
}

/** Sends bytes as they are: HTTP clients normalise `..` and encodings away before they reach the wire. */
export async function rawRequest(
  url: string,
  requestText: string,
): Promise<{ status: number; head: string; body: string }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.write(requestText);
  const chunks: Buffer[] = [];
  for await (const c of socket) {
    chunks.push(c as Buffer);
  }
  const text = Buffer.concat(chunks).toString();
  const split = text.indexOf("\r\n\r\n");
  const head = text.slice(0, split);
  return { status: Number(head.split(" ")[1]), head, body: text.slice(split + 4) };
}

export const rawGet = (url: string, path: string) =>
  rawRequest(url, `GET ${path} HTTP/1.1\r\nHost: gw.test\r\nConnection: close\r\n\r\n`);

/** A gateway on its own bus with the standard test tenant deployed and acknowledged. */
export async function deployedGateway(extra: Partial<GatewayOptions> = {}, draft: Partial<DraftOptions> = {}) {
  const prefix = uniquePrefix();
  const names = natsNames(prefix);
  const dir = await tempDir();
  const upstream = await startEchoUpstream();
  const issuer = await tenantIssuer();
  const keys = await bundleSigningKey();
  const control = natsBus("control-plane");
  await control.ready();
  const acks = collect<GatewayAck>(control, names.ackSubject(ENV, "gw-test"));
  const gwBus = natsBus("gateway");
  const gw = await gateway({ bus: gwBus, dataDir: dir.path, bundleKeys: keys.jwks, natsPrefix: prefix, ...extra });
  const deploy = async (version: number, over: Partial<DraftOptions> = {}, key = "tenant-acme") => {
    await control.kvPut(
      names.bundleBucket(ENV),
      key,
      await keys.sign(tenantDraft({ version, upstream: upstream.origin, issuer, ...draft, ...over })),
    );
  };
  /** Deploys, then waits for the gateway's answer to that version (its ack or nack). */
  const deployAcked = async (version: number, over: Partial<DraftOptions> = {}) => {
    const before = acks.messages.length;
    await deploy(version, over);
    return waitFor(
      () => acks.messages.slice(before).find((a) => a.version === version),
      10_000,
      `answer to version ${version}`,
    );
  };
  await deploy(1);
  await waitForAck(acks, (a) => a.ok && a.version === 1);
  return {
    gw,
    names,
    control,
    acks,
    issuer,
    keys,
    upstream,
    dir,
    deploy,
    deployAcked,
    close: async () => {
      await gw.close();
      await acks.stop();
      await gwBus.close();
      await control.close();
      await upstream.close();
      await dir.remove();
    },
  };
}

/** A problem+json answer of that type, without internals (stack frames, socket errors, upstream addresses). */
export function expectProblem(
  res: { status: number; headers: Record<string, unknown>; text: string },
  status: number,
  code: string,
) {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toBe("application/problem+json");
  const body = JSON.parse(res.text);
  expect(body).toMatchObject({ type: `https://portico.dev/problems/${code}`, status });
  expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|ECONN|127\.0\.0\.1/);
}
