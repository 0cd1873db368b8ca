import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY,
  API_KEY_EXPIRED,
  API_KEY_UNSUBSCRIBED,
  call,
  deployedGateway,
  expectProblem,
  rawGet,
  rawRequest,
  tenantIssuer,
  waitForAck,
} from "./harness.js";

describe("the gateway refuses whoever should not reach an API", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let pets: string;
  let external: Awaited<ReturnType<typeof tenantIssuer>>;
  let jwksServer: Server;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await deployedGateway();
    pets = `${t.gw.url}/t/acme/shop/pets/v1/items`;
    // A second tenant, to prove paths cannot cross into it; it also trusts an external IdP.
    external = await tenantIssuer("https://idp.example.test/", "beta-api");
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [external.publicJwk] }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
    const jwksUri = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
    await t.deploy(
      1,
      {
        tenantId: "tenant-beta",
        slug: "beta",
        externalIssuer: { issuer: external.issuer, audience: external.audience, jwksUri, clientIdClaim: "azp" },
      },
      "tenant-beta",
    );
    await waitForAck(t.acks, (a) => a.ok && a.tenant === "tenant-beta");
  });

  afterAll(async () => {
    await t?.close();
    jwksServer?.close();
  });

  it("accepts a token of an external IdP, with keys from its JWKS URI and the client from its own claim", async () => {
    const token = await external.token({ azp: "ext-client" });
    const res = await call(`${t.gw.url}/t/beta/shop/pets/v1/ext`, { headers: bearer(token) });
    expect(res.status).toBe(200);
    // The same token means nothing to the tenant that does not trust that IdP.
    expectProblem(await call(pets, { headers: bearer(token) }), 401, "invalid-token");
  });

  it("401 unauthorized with a Bearer challenge when no credential is sent", async () => {
    const res = await call(pets);
    expectProblem(res, 401, "unauthorized");
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
  });

  it("401 unauthorized for a scheme other than Bearer", async () => {
    expectProblem(await call(pets, { headers: { authorization: "Basic dXNlcjpwYXNz" } }), 401, "unauthorized");
  });

  it("401 invalid-api-key for an unknown or expired API key", async () => {
    for (const key of ["pk_nobody", API_KEY_EXPIRED]) {
      const res = await call(pets, { headers: { "x-api-key": key } });
      expectProblem(res, 401, "invalid-api-key");
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
    }
  });

  it("401 invalid-token for a token signed by another key", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ client_id: "cid_app1" })
      .setProtectedHeader({ alg: "ES256", kid: t.issuer.publicJwk.kid as string })
      .setIssuer(t.issuer.issuer)
      .setAudience(t.issuer.audience)
      .setExpirationTime("5m")
      .sign(privateKey);
    const res = await call(pets, { headers: bearer(forged) });
    expectProblem(res, 401, "invalid-token");
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer.*invalid_token/);
  });

  it("401 invalid-token for an expired token, beyond the clock tolerance", async () => {
    const expired = await t.issuer.token({}, { exp: Math.floor(Date.now() / 1000) - 120 });
    expectProblem(await call(pets, { headers: bearer(expired) }), 401, "invalid-token");
  });

  it("401 invalid-token for a token without exp", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const noExp = await new SignJWT({ client_id: "cid_app1" })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer(t.issuer.issuer)
      .setAudience(t.issuer.audience)
      .sign(privateKey);
    expectProblem(await call(pets, { headers: bearer(noExp) }), 401, "invalid-token");
  });

  it("401 invalid-token for the wrong audience or an unknown issuer", async () => {
    expectProblem(
      await call(pets, { headers: bearer(await t.issuer.token({}, { aud: "someone-else" })) }),
      401,
      "invalid-token",
    );
    expectProblem(
      await call(pets, { headers: bearer(await t.issuer.token({}, { iss: "https://evil.test" })) }),
      401,
      "invalid-token",
    );
  });

  it("401 invalid-token for alg none and for HS256 (key confusion)", async () => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const claims = {
      iss: t.issuer.issuer,
      aud: t.issuer.audience,
      client_id: "cid_app1",
      exp: Math.floor(Date.now() / 1000) + 300,
    };
    const none = `${b64({ alg: "none", typ: "JWT" })}.${b64(claims)}.`;
    expectProblem(await call(pets, { headers: bearer(none) }), 401, "invalid-token");
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(JSON.stringify(t.issuer.publicJwk)));
    expectProblem(await call(pets, { headers: bearer(hs) }), 401, "invalid-token");
  });

  it("401 invalid-token for garbage and for a revoked jti", async () => {
    expectProblem(await call(pets, { headers: bearer("not.a.jwt") }), 401, "invalid-token");
    const revoked = await t.issuer.token({ jti: "revoked-jti" });
    expectProblem(await call(pets, { headers: bearer(revoked) }), 401, "invalid-token");
  });

  it("403 not-subscribed for a valid credential without an active subscription", async () => {
    expectProblem(await call(pets, { headers: { "x-api-key": API_KEY_UNSUBSCRIBED } }), 403, "not-subscribed");
    const blockedSub = await t.issuer.token({ client_id: "cid_app2" });
    expectProblem(await call(pets, { headers: bearer(blockedSub) }), 403, "not-subscribed");
    const unknownClient = await t.issuer.token({ client_id: "cid_stranger" });
    expectProblem(await call(pets, { headers: bearer(unknownClient) }), 403, "not-subscribed");
  });

  it("404 api-not-found for an unknown tenant, API, version or path outside /t/", async () => {
    for (const path of [
      "/t/nobody/shop/pets/v1/x",
      "/t/acme/shop/cats/v1/x",
      "/t/acme/shop/pets/v9/x",
      "/t/acme/shop",
      "/t/acme",
      "/elsewhere",
    ]) {
      expectProblem(await call(`${t.gw.url}${path}`, { headers: { "x-api-key": API_KEY } }), 404, "api-not-found");
    }
  });

  it("400 validation-failed for dot segments, encoded slashes and backslashes, so no path escapes its API", async () => {
    for (const path of [
      "/t/acme/shop/pets/v1/../../../beta/open/v1/x",
      "/t/acme/open/v1/..",
      "/t/acme/open/v1/%2e%2e/%2E%2E/beta/open/v1",
      "/t/acme/open/v1/.%2e/x",
      "/t/acme/open/v1/a%2Fb",
      "/t/acme/open/v1/a%5cb",
      "/t/acme/open/v1/a\\..\\b",
      "/t/acme/./open/v1/x",
    ]) {
      const res = await rawGet(t.gw.url, path);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body).type).toBe("https://portico.dev/problems/validation-failed");
    }
    expect(t.upstream.received.filter((r) => r.url.includes(".."))).toEqual([]);
  });

  it("answers a malformed HTTP request with 400 and keeps serving", async () => {
    const res = await rawRequest(t.gw.url, "GARBAGE\r\n\r\n");
    expect(res.status).toBe(400);
    expect((await call(`${t.gw.url}/healthz`)).status).toBe(200);
  });
});
