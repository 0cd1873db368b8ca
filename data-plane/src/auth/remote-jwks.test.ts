import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DeploymentBundle } from "@portico/shared/bundle";
import { exportJWK, generateKeyPair, type JWK, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TokenVerifier } from "./jwt.js";
import { JwksUnavailable, RemoteJwksCache } from "./remote-jwks.js";

const ISSUER = "https://idp.example.test";

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "ES256" } as JWK };
}
type Key = Awaited<ReturnType<typeof keyPair>>;
const sign = (key: Key, claims: Record<string, unknown> = {}) =>
  new SignJWT({ client_id: "c1", ...claims })
    .setProtectedHeader({ alg: "ES256", kid: key.kid })
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime("10m")
    .sign(key.privateKey);

describe("remote JWKS cache", () => {
  let server: Server;
  let uri: string;
  let serving: { status: number; keys: JWK[] };
  let fetches = 0;
  let k1: Key;
  let k2: Key;

  beforeAll(async () => {
    k1 = await keyPair("k1");
    k2 = await keyPair("k2");
    serving = { status: 200, keys: [k1.publicJwk] };
    server = createServer((req, res) => {
      if (req.url === "/jwks") {
        fetches++;
      }
      res.writeHead(serving.status, { "content-type": "application/json" }).end(JSON.stringify({ keys: serving.keys }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => server?.close());

  it("keeps the last good keys when the IdP fails, refreshes in the background, and drops them after maxStale", async () => {
    let now = 1_000_000;
    const cache = new RemoteJwksCache({ refreshAfterMs: 1000, cooldownMs: 100, maxStaleMs: 60_000 }, () => now);
    const keys = cache.keySet(uri);
    const token = await sign(k1);
    fetches = 0;
    await jwtVerify(token, keys);
    await jwtVerify(token, keys);
    expect(fetches).toBe(1);

    // The IdP breaks; keys are stale enough to refresh, the refresh fails, the token still passes.
    serving = { status: 503, keys: [] };
    now += 5000;
    await jwtVerify(token, keys);
    for (let i = 0; i < 100 && cache.state(uri)?.lastError === null; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(fetches).toBe(2);
    expect(cache.state(uri)?.lastError).toBe("HTTP 503");
    now += 5000;
    await expect(jwtVerify(token, keys)).resolves.toBeTruthy();

    // Back up with a rotated key set: the background refresh picks it up.
    serving = { status: 200, keys: [k1.publicJwk, k2.publicJwk] };
    now += 5000;
    await jwtVerify(token, keys);
    // k2 is unknown until the background refresh lands; the verify waits for it.
    await expect(jwtVerify(await sign(k2), keys)).resolves.toBeTruthy();

    // Down for longer than maxStale: the keys are gone and the failure is the IdP's.
    serving = { status: 503, keys: [] };
    now += 120_000;
    await expect(jwtVerify(token, keys)).rejects.toBeInstanceOf(JwksUnavailable);
  });

  it("fetches again for an unknown kid, but no more often than the cooldown", async () => {
    let now = 5_000_000;
    const cache = new RemoteJwksCache({ cooldownMs: 10_000 }, () => now);
    // Its own path, so a late background fetch of the other test does not count here.
    const keys = cache.keySet(uri.replace("/jwks", "/jwks-2"));
    let own = 0;
    server.on("request", (req) => {
      if (req.url === "/jwks-2") {
        own++;
      }
    });
    serving = { status: 200, keys: [k1.publicJwk] };
    await jwtVerify(await sign(k1), keys);
    now += 20_000;
    serving = { status: 200, keys: [k1.publicJwk, k2.publicJwk] };
    await expect(jwtVerify(await sign(k2), keys)).resolves.toBeTruthy();
    expect(own).toBe(2);
    const k3 = await keyPair("k3");
    await expect(jwtVerify(await sign(k3), keys)).rejects.toThrow();
    expect(own).toBe(2);
  });
});

describe("token verifier", () => {
  it("maps the issuer's scope claim (string or array) and names the client", async () => {
    const key = await keyPair("s1");
    const bundle = DeploymentBundle.parse({
      schemaVersion: 1,
      tenant: { id: "t1", slug: "acme" },
      environment: "default",
      version: 1,
      issuedAt: new Date().toISOString(),
      hash: "0".repeat(64),
      apis: [],
      tiers: [],
      subscriptions: [],
      apiKeys: [],
      clients: [{ issuer: ISSUER, clientId: "c1", applicationId: "app-1" }],
      issuers: [{ issuer: ISSUER, jwks: { keys: [key.publicJwk] }, algorithms: ["ES256"], scopeClaim: "scp" }],
      revokedTokens: [],
    });
    const verifier = TokenVerifier.create(bundle);
    expect(verifier.ok).toBe(true);
    if (!verifier.ok) {
      return;
    }
    const nowS = Math.floor(Date.now() / 1000);
    const arr = await verifier.value.check(await sign(key, { scp: ["a:read", "b:write"], scope: "ignored" }), nowS);
    expect(arr.ok && arr.value).toMatchObject({
      applicationId: "app-1",
      clientId: "c1",
      scopes: ["a:read", "b:write"],
    });
    const strToken = await sign(key, { scp: "x y" });
    expect(verifier.value.peek(strToken, nowS)).toBeUndefined();
    const str = await verifier.value.check(strToken, nowS);
    expect(verifier.value.peek(strToken, nowS)?.scopes).toEqual(["x", "y"]);
    expect(str.ok && str.value.scopes).toEqual(["x", "y"]);
    const unbound = await verifier.value.check(await sign(key, { client_id: "other" }), nowS);
    expect(unbound.ok && unbound.value).toMatchObject({ applicationId: null, clientId: "other", scopes: [] });
  });
});
