// A gateway with one tenant ("q") for the bench scripts, on an in-memory bus with a locally
// signed bundle: /t/q/bare/v1/ (auth off, no policies) and /t/q/full/v1/ (API key or JWT +
// subscription + tier rate limit + analytics).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natsNames } from "@portico/shared";
import { sha256Hex, signBundle } from "@portico/shared/bundle";
import { MemoryBus } from "@portico/shared/bus";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import pino from "pino";
import { startGateway } from "../dist/index.js";

export const API_KEY = "key-1";

/** `bus` and `natsPrefix` default to an in-memory bus (which keeps every analytics batch: short runs only). */
export async function startFixtureGateway({ upstream, port = 0, bus = new MemoryBus(), natsPrefix = "portico" }) {
  const bk = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const ik = await generateKeyPair("ES256", { extractable: true });
  const issuer = "https://cp.test/t/q";
  // Shaped like the control plane's access tokens (control-plane/src/keys/issuer.ts).
  const jwt = await new SignJWT({ scope: "", client_id: "c1" })
    .setProtectedHeader({ alg: "ES256", kid: "ik", typ: "at+jwt" })
    .setIssuer(issuer)
    .setSubject("c1")
    .setAudience("portico")
    .setIssuedAt()
    .setExpirationTime("24h")
    .setJti(crypto.randomUUID())
    .sign(ik.privateKey);
  const api = (id, context) => ({
    id,
    name: id,
    context,
    version: "v1",
    status: "PUBLISHED",
    upstream: { url: upstream },
    revision: { id: `r${id}`, number: 1 },
    authRequired: true,
  });
  const { jws } = await signBundle(
    {
      schemaVersion: 1,
      tenant: { id: "tq", slug: "q" },
      environment: "default",
      version: 1,
      issuedAt: new Date().toISOString(),
      apis: [
        { ...api("bare", "bare"), resources: [{ method: "GET", path: "/", authRequired: false }] },
        api("full", "full"),
      ],
      tiers: [{ name: "Big", requestsPerMinute: 1_000_000_000, burst: null }],
      subscriptions: [{ id: "s1", applicationId: "a1", apiId: "full", tier: "Big", status: "ACTIVE" }],
      apiKeys: [{ id: "k1", hash: sha256Hex(API_KEY), applicationId: "a1", expiresAt: null }],
      clients: [{ issuer, clientId: "c1", applicationId: "a1" }],
      issuers: [
        {
          issuer,
          audience: "portico",
          clientIdClaim: "client_id",
          jwks: { keys: [{ ...(await exportJWK(ik.publicKey)), kid: "ik", alg: "ES256" }] },
          algorithms: ["ES256"],
        },
      ],
      revokedTokens: [],
    },
    { kid: "bk", privateKey: bk.privateKey },
  );
  // The control plane's part: the stream the gateway's analytics batches go to.
  const names = natsNames(natsPrefix);
  await bus.ensureStream(names.analyticsStream, [names.analyticsFilter]);
  const dataDir = mkdtempSync(join(tmpdir(), "portico-fixture-"));
  const gw = await startGateway({
    bus,
    environment: "default",
    gatewayId: "fixture",
    dataDir,
    port,
    host: "127.0.0.1",
    bundleKeys: { keys: [{ ...(await exportJWK(bk.publicKey)), kid: "bk", alg: "EdDSA" }] },
    natsPrefix,
    logger: pino({ level: "warn" }),
  });
  await bus.kvPut(names.bundleBucket("default"), "tq", jws);
  for (;;) {
    const r = await fetch(`${gw.url}/t/q/bare/v1/`).catch(() => null);
    if (r?.status === 200) {
      break;
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  return {
    gw,
    jwt,
    close: async () => {
      await gw.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
