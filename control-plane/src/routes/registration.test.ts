import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(async () => {
  await t?.close();
});

async function selfHostedEnvironment(token: string, name = "on-prem") {
  const env = await t.api.call("POST", "/api/v1/environments", { token, body: { name } });
  expect(env.status).toBe(201);
  return env.body.id as string;
}

describe("gateway registration tokens", () => {
  it("are shown once, stored hashed, and exchanged once for the gateway's identity", async () => {
    const a = await signupTenant(t.api);
    const envId = await selfHostedEnvironment(a.token);
    const created = await t.api.call("POST", `/api/v1/environments/${envId}/registration-tokens`, {
      token: a.token,
      body: { description: "rack 4", expiresInSeconds: 3600 },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ environmentId: envId, description: "rack 4", usedAt: null, gatewayId: null });
    expect(created.body.token).toMatch(/^prt_/);
    const stored = await t.cp.database.system.execute(sql`select token_hash from registration_tokens`);
    expect(JSON.stringify(stored)).not.toContain(created.body.token);

    const listed = await t.api.call("GET", `/api/v1/environments/${envId}/registration-tokens`, { token: a.token });
    expect(listed.body).toHaveLength(1);
    expect(listed.body[0]).not.toHaveProperty("token");

    const reg = await t.api.call("POST", "/api/v1/gateways/register", {
      body: { token: created.body.token, name: "rack4" },
    });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({
      tenant: { id: a.tenantId, slug: a.slug },
      environment: { id: envId, name: "on-prem", busKey: envId },
      nats: { prefix: t.prefix, servers: [], domain: null, creds: null },
    });
    expect(reg.body.gatewayId).toMatch(/^rack4-[0-9a-f]{12}$/);
    expect(reg.body.bundleKeys.keys.length).toBeGreaterThan(0);
    expect(reg.body.bundleKeys.keys.every((k: { d?: string }) => k.d === undefined)).toBe(true);

    expectProblem(
      await t.api.call("POST", "/api/v1/gateways/register", { body: { token: created.body.token } }),
      401,
      "invalid-credentials",
    );
    const after = await t.api.call("GET", `/api/v1/environments/${envId}/registration-tokens`, { token: a.token });
    expect(after.body[0]).toMatchObject({ gatewayId: reg.body.gatewayId });
    expect(after.body[0].usedAt).not.toBeNull();

    const audit = await t.api.call("GET", "/api/v1/audit", { token: a.token });
    const actions = audit.body.map((e: { action: string }) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["registration-token.create", "gateway.register"]));
  });

  it("refuse revoked, expired and unknown tokens, and malformed requests", async () => {
    const a = await signupTenant(t.api);
    const envId = await selfHostedEnvironment(a.token);
    const make = async () =>
      (await t.api.call("POST", `/api/v1/environments/${envId}/registration-tokens`, { token: a.token })).body;
    const revoked = await make();
    expect(
      (
        await t.api.call("DELETE", `/api/v1/environments/${envId}/registration-tokens/${revoked.id}`, {
          token: a.token,
        })
      ).status,
    ).toBe(204);
    const expired = await make();
    await t.cp.database.system.execute(
      sql`update registration_tokens set expires_at = now() - interval '1 second' where id = ${expired.id}`,
    );
    for (const token of [revoked.token, expired.token, "prt_not-a-real-token-at-all"]) {
      expectProblem(
        await t.api.call("POST", "/api/v1/gateways/register", { body: { token } }),
        401,
        "invalid-credentials",
      );
    }
    expectProblem(await t.api.call("POST", "/api/v1/gateways/register", { body: {} }), 400, "validation-failed");
    expectProblem(
      await t.api.call("POST", "/api/v1/gateways/register", { body: { token: (await make()).token, name: "a.b" } }),
      400,
      "validation-failed",
    );
  });

  it("belong to the tenant's own self-hosted environments, and only admins make them", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const envA = await selfHostedEnvironment(a.token);
    const tokenA = (await t.api.call("POST", `/api/v1/environments/${envA}/registration-tokens`, { token: a.token }))
      .body;
    const path = `/api/v1/environments/${envA}/registration-tokens`;

    expectProblem(await t.api.call("POST", path, { token: b.token }), 404, "not-found");
    expectProblem(await t.api.call("GET", path, { token: b.token }), 404, "not-found");
    expectProblem(await t.api.call("DELETE", `${path}/${tokenA.id}`, { token: b.token }), 404, "not-found");
    const envB = await selfHostedEnvironment(b.token);
    expectProblem(
      await t.api.call("DELETE", `/api/v1/environments/${envB}/registration-tokens/${tokenA.id}`, { token: b.token }),
      404,
      "not-found",
    );
    expect(
      (await t.api.call("GET", `/api/v1/environments/${envB}/registration-tokens`, { token: b.token })).body,
    ).toEqual([]);

    const shared = (await t.api.call("GET", "/api/v1/environments", { token: a.token })).body.find(
      (e: { type: string }) => e.type === "shared",
    );
    expectProblem(
      await t.api.call("POST", `/api/v1/environments/${shared.id}/registration-tokens`, { token: a.token }),
      404,
      "not-found",
    );
    expectProblem(
      await t.api.call("POST", path, { token: a.token, body: { expiresInSeconds: 1 } }),
      400,
      "validation-failed",
    );
    expectProblem(await t.api.call("POST", path), 401, "unauthorized");

    // Tenant B's registration with A's token yields A's identity: the token, not the caller, decides.
    const reg = await t.api.call("POST", "/api/v1/gateways/register", { body: { token: tokenA.token } });
    expect(reg.body.tenant.id).toBe(a.tenantId);
  });

  it("are in the OpenAPI document with their permission", async () => {
    const doc = (await t.api.call("GET", "/api/v1/openapi.json")).body;
    expect(doc.paths["/environments/{id}/registration-tokens"].post["x-permission"]).toBe("environments:write");
    expect(doc.paths["/environments/{id}/registration-tokens"].get["x-permission"]).toBe("environments:write");
    expect(doc.paths["/environments/{id}/registration-tokens/{tokenId}"].delete["x-permission"]).toBe(
      "environments:write",
    );
    expect(doc.paths["/gateways/register"].post).toBeDefined();
  });
});
