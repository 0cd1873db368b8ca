import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { remoteJwks } from "@portico/data-plane";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  client,
  expectProblem,
  signupTenant,
  startTestControlPlane,
  type TestControlPlane,
} from "./harness.js";
import { application, publishedApi, served, startTestGateway, until } from "./journey.js";
import { startEchoUpstream } from "./upstream.js";

/**
 * An external key manager, end to end, against a real OIDC server (`oidc-provider`) started
 * here: registration by discovery, a bound client's client_credentials token through a real
 * gateway, an unbound client refused, and the IdP going away while the gateway's cached JWKS
 * keeps validating (background refresh fails, the last good keys stay).
 */
const AUDIENCE = "https://api.portico.test";
const BOUND = { id: "bound-client", secret: "bound-secret-0123456789abcdef0123456789" };
const STRANGER = { id: "stranger", secret: "stranger-secret-0123456789abcdef01234567" };

let t: TestControlPlane;
let gwHandle: Awaited<ReturnType<typeof startTestGateway>>;
let gw: Client;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let dataDir: string;
let idpServer: Server;
let idpIssuer: string;

async function startIdp(): Promise<void> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: "idp-key-1", alg: "RS256", use: "sig" };
  idpServer = createServer();
  await new Promise<void>((r) => idpServer.listen(0, "127.0.0.1", r));
  idpIssuer = `http://127.0.0.1:${(idpServer.address() as AddressInfo).port}`;
  const client = (c: { id: string; secret: string }) => ({
    client_id: c.id,
    client_secret: c.secret,
    grant_types: ["client_credentials"],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: "client_secret_post" as const,
  });
  const provider = new Provider(idpIssuer, {
    clients: [client(BOUND), client(STRANGER)],
    ttl: { ClientCredentials: 600 },
    jwks: { keys: [jwk as never] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: "orders:read",
          audience: AUDIENCE,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
  });
  idpServer.on("request", provider.callback());
}

async function stopIdp(): Promise<void> {
  const closed = new Promise<void>((r) => idpServer.close(() => r()));
  idpServer.closeAllConnections();
  await closed;
}

async function idpToken(c: { id: string; secret: string }): Promise<string> {
  const res = await fetch(`${idpIssuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: c.id,
      client_secret: c.secret,
      scope: "orders:read",
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token!;
}

beforeAll(async () => {
  t = await startTestControlPlane();
  upstream = await startEchoUpstream();
  await startIdp();
  dataDir = mkdtempSync(join(tmpdir(), "portico-idp-gw-"));
  gwHandle = await startTestGateway(t, { gatewayId: "idp-gw", dataDir });
  gw = client(gwHandle.gateway.url);
});
afterAll(async () => {
  remoteJwks.configure({ refreshAfterMs: 5 * 60_000, cooldownMs: 30_000 });
  await gwHandle?.close();
  await upstream?.close();
  if (idpServer?.listening) {
    await stopIdp();
  }
  await t?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("external key manager (oidc-provider)", () => {
  it("validates the IdP's tokens at the gateway, refuses unbound clients, and survives the IdP going down", async () => {
    const { token, slug } = await signupTenant(t.api);
    const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
    const { api } = await publishedApi(t, token, { context: "ext", upstreamUrl: upstream.url });
    const { app } = await application(t, token, api.id);

    // Registered by discovery: no jwksUri given.
    const km = await call("POST", "/api/v1/key-managers", {
      name: "oidc-provider",
      issuer: idpIssuer,
      audience: AUDIENCE,
      claimMappings: { scope: "scope" },
    });
    expect(km.status).toBe(201);
    expect(km.body).toMatchObject({
      issuer: idpIssuer,
      jwksUri: `${idpIssuer}/jwks`,
      audience: AUDIENCE,
      claimMappings: { scope: "scope" },
    });
    const bad = await call("POST", "/api/v1/key-managers", { name: "nope", issuer: "http://127.0.0.1:1" });
    expectProblem(bad, 400, "validation-failed");
    const bound = await call("POST", `/api/v1/applications/${app.id}/external-clients`, {
      keyManagerId: km.body.id,
      clientId: BOUND.id,
    });
    expect(bound.status).toBe(201);

    const path = `/t/${slug}/ext/v1/orders`;
    const boundToken = await idpToken(BOUND);
    await served(gw, path, { authorization: `Bearer ${boundToken}` });
    expect(upstream.seen.at(-1)!.headers.authorization).toBeUndefined();

    // A genuine token of the same IdP, but its client is bound to no application.
    expectProblem(
      await gw.call("GET", path, { headers: { authorization: `Bearer ${await idpToken(STRANGER)}` } }),
      403,
      "not-subscribed",
    );

    // The IdP goes away. Background refreshes now fail; the cached keys keep validating.
    const jwksUri = `${idpIssuer}/jwks`;
    const fetchedBefore = remoteJwks.state(jwksUri)!.fetchedAt;
    // Tokens fetched before the outage, each new to the gateway (its per-token cache would
    // otherwise answer without looking at keys).
    const unseen = await Promise.all([1, 2, 3, 4, 5, 6].map(() => idpToken(BOUND)));
    remoteJwks.configure({ refreshAfterMs: 100, cooldownMs: 50 });
    await stopIdp();
    for (const tok of unseen.slice(0, 5)) {
      await new Promise((r) => setTimeout(r, 150));
      expect((await gw.call("GET", path, { headers: { authorization: `Bearer ${tok}` } })).status).toBe(200);
    }
    const state = remoteJwks.state(jwksUri)!;
    expect(state.lastError).not.toBeNull();
    expect(state.fetchedAt).toBe(fetchedBefore);

    // A new bundle (new verifier) while the IdP is still down: the process-wide cache carries over.
    const version = gwHandle.gateway.tenants()[0]!.version;
    expect((await call("POST", "/api/v1/applications", { name: "another" })).status).toBe(201);
    await call("POST", `/api/v1/applications/${app.id}/credentials`);
    await until(async () => gwHandle.gateway.tenants().some((x) => x.version > version), "a newer bundle applied");
    expect((await gw.call("GET", path, { headers: { authorization: `Bearer ${unseen[5]}` } })).status).toBe(200);
  });
});
