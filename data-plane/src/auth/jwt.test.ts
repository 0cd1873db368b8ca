import type { DeploymentBundle } from "@portico/shared/bundle";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { TokenVerifier } from "./jwt.js";

const ISSUER = "https://cp.test/t/acme";

async function setup() {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const bundle = {
    issuers: [
      {
        issuer: ISSUER,
        audience: "portico",
        clientIdClaim: "client_id",
        scopeClaim: "scope",
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256" }] },
        algorithms: ["ES256"],
      },
    ],
    clients: [
      { issuer: ISSUER, clientId: "c1", applicationId: "app-1" },
      { issuer: ISSUER, clientId: "c2", applicationId: "app-2" },
    ],
    revokedTokens: [],
  } as unknown as DeploymentBundle;
  const verifier = TokenVerifier.create(bundle);
  if (!verifier.ok) {
    throw new Error(verifier.error);
  }
  const sign = (clientId: string) =>
    new SignJWT({ client_id: clientId, scope: "read" })
      .setProtectedHeader({ alg: "ES256", kid: "k1" })
      .setIssuer(ISSUER)
      .setAudience("portico")
      .setExpirationTime("1h")
      .sign(privateKey);
  return { verifier: verifier.value, sign };
}

describe("token verifier cache", () => {
  const nowS = () => Math.floor(Date.now() / 1000);

  it("answers a verified token from the cache, without a promise", async () => {
    const { verifier, sign } = await setup();
    const token = await sign("c1");
    expect(verifier.peek(token, nowS())).toBeUndefined();
    expect(await verifier.check(token, nowS())).toMatchObject({ ok: true, value: { applicationId: "app-1" } });
    expect(verifier.peek(token, nowS())).toMatchObject({ applicationId: "app-1", scopes: ["read"] });
    expect(verifier.peek(token, Number.MAX_SAFE_INTEGER)).toBeUndefined();
  });

  it("does not take a token for a cached one because their signatures match", async () => {
    const { verifier, sign } = await setup();
    const genuine = await sign("c1");
    const other = await sign("c2");
    await verifier.check(genuine, nowS());
    // another client's header and payload under the cached token's signature
    const [header, payload] = other.split(".");
    const forged = `${header}.${payload}.${genuine.split(".")[2]}`;
    expect(verifier.peek(forged, nowS())).toBeUndefined();
    expect(await verifier.check(forged, nowS())).toEqual({ ok: false, error: "invalid-token" });
    // nor evicts it
    expect(verifier.peek(genuine, nowS())).toMatchObject({ applicationId: "app-1" });
    expect(await verifier.check(genuine, nowS())).toMatchObject({ ok: true, value: { applicationId: "app-1" } });
  });
});
