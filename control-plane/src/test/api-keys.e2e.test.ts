import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, expectProblem, signupTenant, type TestControlPlane } from "./harness.js";
import { publishedApi, served, startTestStack, type TestStack, until } from "./journey.js";

/** API-key restrictions (client address, referrer) and rotation with a grace period, at a real gateway. */
let stack: TestStack;
let t: TestControlPlane;
let gw: Client;
let upstream: TestStack["upstream"];

beforeAll(async () => {
  stack = await startTestStack("keys-gw");
  ({ t, gw, upstream } = stack);
});
afterAll(() => stack?.close());

describe("API keys", () => {
  let token: string;
  let slug: string;
  let appId: string;
  let path: string;
  const call = (method: string, p: string, body?: unknown) => t.api.call(method, p, { token, body });
  const newKey = async (body: unknown) => {
    const res = await call("POST", `/api/v1/applications/${appId}/api-keys`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string; key: string };
  };

  beforeAll(async () => {
    ({ token, slug } = await signupTenant(t.api));
    const { api } = await publishedApi(t, token, { context: "keys", upstreamUrl: upstream.url });
    appId = (await call("POST", "/api/v1/applications", { name: "keyed" })).body.id;
    expect(
      (await call("POST", "/api/v1/subscriptions", { applicationId: appId, apiId: api.id, tier: "Gold" })).status,
    ).toBe(201);
    path = `/t/${slug}/keys/v1/x`;
  });

  it("enforces allowed client addresses at the gateway", async () => {
    const local = await newKey({ allowedIps: ["127.0.0.0/8", "::1"] });
    const elsewhere = await newKey({ allowedIps: ["10.0.0.0/8"] });
    await served(gw, path, { "x-api-key": local.key });
    expectProblem(await served(gw, path, { "x-api-key": elsewhere.key }, 403), 403, "api-key-not-allowed");
    const listed = (await call("GET", `/api/v1/applications/${appId}/api-keys`)).body;
    expect(listed.find((k: { id: string }) => k.id === elsewhere.id).allowedIps).toEqual(["10.0.0.0/8"]);
    expectProblem(
      await call("POST", `/api/v1/applications/${appId}/api-keys`, { allowedIps: ["10.0.0.0/40"] }),
      400,
      "validation-failed",
    );
  });

  it("enforces allowed referrers at the gateway", async () => {
    const k = await newKey({ allowedReferrers: ["https://app.example.com/*"] });
    await served(gw, path, { "x-api-key": k.key, referer: "https://app.example.com/dashboard" });
    expectProblem(await gw.call("GET", path, { headers: { "x-api-key": k.key } }), 403, "api-key-not-allowed");
    expectProblem(
      await gw.call("GET", path, { headers: { "x-api-key": k.key, referer: "https://evil.example.com/" } }),
      403,
      "api-key-not-allowed",
    );
    expectProblem(
      await call("POST", `/api/v1/applications/${appId}/api-keys`, { allowedReferrers: ["ftp://x/*"] }),
      400,
      "validation-failed",
    );
  });

  it("rotates: the new key works at once, the old one until its grace period ends", async () => {
    const old = await newKey({ allowedIps: ["127.0.0.1"] });
    await served(gw, path, { "x-api-key": old.key });
    const rotated = await call("POST", `/api/v1/applications/${appId}/api-keys/${old.id}/rotate`, {
      gracePeriodSeconds: 2,
    });
    expect(rotated.status).toBe(201);
    expect(rotated.body.key).not.toBe(old.key);
    expect(rotated.body.previous.id).toBe(old.id);
    const graceEnd = Date.parse(rotated.body.previous.expiresAt);
    expect(graceEnd - Date.now()).toBeLessThanOrEqual(2000);
    await served(gw, path, { "x-api-key": rotated.body.key });
    expect((await gw.call("GET", path, { headers: { "x-api-key": old.key } })).status).toBe(200);
    // The restrictions carry over to the new key.
    const listed = (await call("GET", `/api/v1/applications/${appId}/api-keys`)).body;
    expect(listed.find((k: { id: string }) => k.id === rotated.body.id).allowedIps).toEqual(["127.0.0.1"]);
    expect(listed.find((k: { id: string }) => k.id === old.id).replacedBy).toBe(rotated.body.id);
    // After the grace period the gateway refuses the old key by itself (no new bundle needed).
    const refused = await until(
      async () => {
        const r = await gw.call("GET", path, { headers: { "x-api-key": old.key } });
        return r.status === 401 ? r : undefined;
      },
      "old key refused",
      6000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(graceEnd);
    expectProblem(refused, 401, "invalid-api-key");
    expect((await gw.call("GET", path, { headers: { "x-api-key": rotated.body.key } })).status).toBe(200);
    // A key rotated once cannot be rotated again; the grace period is bounded.
    expectProblem(await call("POST", `/api/v1/applications/${appId}/api-keys/${old.id}/rotate`, {}), 409, "conflict");
    expectProblem(
      await call("POST", `/api/v1/applications/${appId}/api-keys/${rotated.body.id}/rotate`, {
        gracePeriodSeconds: 31 * 86400,
      }),
      400,
      "validation-failed",
    );
  });
});
