import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, client, expectProblem, signupTenant } from "./harness.js";
import { publishedApi, served, startTestGateway, startTestStack, type TestStack } from "./journey.js";

/**
 * Business plans of every kind, end to end: the tiers API, an application tier counted across
 * the application's subscriptions and across gateways, monthly quotas, and an API tier capping
 * an API for all of its callers.
 */
let stack: TestStack;
let tenant: Awaited<ReturnType<typeof signupTenant>>;
let other: Awaited<ReturnType<typeof signupTenant>>;
const as = (token: string) => (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  stack.t.api.call(method, path, { token, body, ...(headers ? { headers } : {}) });

beforeAll(async () => {
  stack = await startTestStack("gw-tiers");
  tenant = await signupTenant(stack.t.api);
  other = await signupTenant(stack.t.api);
});
afterAll(() => stack?.close());

async function member(role: "developer" | "publisher", email: string) {
  const inv = (await as(tenant.token)("POST", "/api/v1/invitations", { email, role })).body;
  const joined = await stack.t.api.call("POST", "/api/v1/invitations/accept", {
    body: { tenant: tenant.slug, token: inv.token, password: "member password" },
  });
  return joined.body.accessToken as string;
}

/** An application on `tier` (kind application) with an API key, subscribed (Unlimited) to each API. */
async function appOn(token: string, tier: string, apiIds: string[]) {
  const call = as(token);
  const app = await call("POST", "/api/v1/applications", { name: `app-${tier}`, tier });
  expect(app.status).toBe(201);
  expect(app.body.tier).toBe(tier);
  const key = (await call("POST", `/api/v1/applications/${app.body.id}/api-keys`)).body.key as string;
  for (const apiId of apiIds) {
    expect((await call("POST", "/api/v1/subscriptions", { applicationId: app.body.id, apiId })).status).toBe(201);
  }
  return { id: app.body.id as string, key };
}

describe("tiers API", () => {
  it("seeds WSO2's defaults per kind; the default listing is the subscription tiers, as before", async () => {
    const call = as(tenant.token);
    const plain = await call("GET", "/api/v1/tiers");
    expect(plain.body.map((t: { name: string }) => t.name)).toEqual(["Unlimited", "Gold", "Silver", "Bronze"]);
    const all = await call("GET", "/api/v1/tiers?kind=all&limit=100");
    expect(
      all.body.filter((t: { name: string }) => t.name === "Unlimited").map((t: { kind: string }) => t.kind),
    ).toEqual(["subscription", "application", "api"]);
    const names = (kind: string) =>
      call("GET", `/api/v1/tiers?kind=${kind}`).then((r) => r.body.map((t: { name: string }) => t.name));
    expect(await names("subscription")).toEqual(["Unlimited", "Gold", "Silver", "Bronze"]);
    expect(await names("application")).toEqual(["Unlimited", "50PerMin", "20PerMin", "10PerMin"]);
    expect(await names("api")).toEqual(["Unlimited", "50KPerMin", "20KPerMin", "10KPerMin"]);
    expect((await call("GET", "/api/v1/tiers/Gold")).body).toEqual({
      name: "Gold",
      kind: "subscription",
      requests: 5000,
      unit: "minute",
      requestsPerMinute: 5000,
      burst: null,
      quotaPerMonth: null,
      stopOnQuota: true,
      description: "5,000 requests a minute",
    });
    expectProblem(await call("GET", "/api/v1/tiers?kind=bogus"), 400, "validation-failed");
  });

  it("takes units, quotas and stop-on-quota; names are unique within a kind", async () => {
    const call = as(tenant.token);
    const created = await call("POST", "/api/v1/tiers", {
      kind: "application",
      name: "Hourly",
      requests: 120,
      unit: "hour",
      quotaPerMonth: 10000,
      stopOnQuota: false,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: "application", requests: 120, unit: "hour", requestsPerMinute: 2 });
    expectProblem(
      await call("POST", "/api/v1/tiers", { kind: "application", name: "Hourly", requests: 1 }),
      409,
      "conflict",
    );
    // the same name in another kind is another tier
    expect(
      (await call("POST", "/api/v1/tiers", { kind: "api", name: "Hourly", requests: 1000, unit: "hour" })).status,
    ).toBe(201);
    expectProblem(
      await call("POST", "/api/v1/tiers", { name: "Both", requests: 1, requestsPerMinute: 1, unit: "hour" }),
      400,
      "validation-failed",
    );
    const read = await call("GET", "/api/v1/tiers/Hourly?kind=application");
    const patched = await call(
      "PATCH",
      "/api/v1/tiers/Hourly?kind=application",
      { stopOnQuota: true },
      {
        "if-match": read.headers.get("etag") ?? "",
      },
    );
    expect(patched.body).toMatchObject({ stopOnQuota: true, unit: "hour" });
    expect((await call("GET", "/api/v1/tiers/Hourly?kind=api")).body.requests).toBe(1000);
  });

  it("lets admins alone edit tiers, and keeps them inside the tenant", async () => {
    const publisher = await member("publisher", "pub@tiers.example");
    expectProblem(
      await as(publisher)("POST", "/api/v1/tiers", { kind: "application", name: "Mine", requests: 1 }),
      403,
      "forbidden",
    );
    expectProblem(await as(publisher)("PATCH", "/api/v1/tiers/Gold", { requests: 1 }), 403, "forbidden");
    await as(tenant.token)("POST", "/api/v1/tiers", { kind: "application", name: "Secret", requests: 7 });
    const b = as(other.token);
    expectProblem(await b("GET", "/api/v1/tiers/Secret?kind=application"), 404, "not-found");
    expectProblem(await b("PATCH", "/api/v1/tiers/Secret?kind=application", { requests: 1 }), 404, "not-found");
    expectProblem(await b("DELETE", "/api/v1/tiers/Secret?kind=application"), 404, "not-found");
    expect((await b("GET", "/api/v1/tiers?kind=application")).body.map((t: { name: string }) => t.name)).not.toContain(
      "Secret",
    );
    expectProblem(await b("POST", "/api/v1/applications", { name: "x", tier: "Secret" }), 400, "validation-failed");
    const api = (
      await b("POST", "/api/v1/apis", {
        name: "t",
        context: "t",
        version: "v1",
        upstream: { url: "http://127.0.0.1:1" },
      })
    ).body;
    expectProblem(await b("PATCH", `/api/v1/apis/${api.id}`, { tier: "Hourly" }), 400, "validation-failed");
  });

  it("sets an application's tier on create and PATCH, for whoever may see the application", async () => {
    const developer = await member("developer", "dev@tiers.example");
    const dev = as(developer);
    const app = (await dev("POST", "/api/v1/applications", { name: "dev-app" })).body;
    expect(app.tier).toBe("Unlimited");
    const read = await dev("GET", `/api/v1/applications/${app.id}`);
    expect(
      (
        await dev(
          "PATCH",
          `/api/v1/applications/${app.id}`,
          { tier: "20PerMin" },
          {
            "if-match": read.headers.get("etag") ?? "",
          },
        )
      ).body.tier,
    ).toBe("20PerMin");
    expectProblem(await dev("PATCH", `/api/v1/applications/${app.id}`, { tier: "Gold" }), 400, "validation-failed");
    expectProblem(
      await dev("PATCH", `/api/v1/applications/${app.id}`, { name: "x" }, { "if-match": '"stale"' }),
      412,
      "precondition-failed",
    );
    // another tenant (even its admin) cannot read or change it
    expectProblem(await as(other.token)("GET", `/api/v1/applications/${app.id}`), 404, "not-found");
    expectProblem(
      await as(other.token)("PATCH", `/api/v1/applications/${app.id}`, { tier: "Unlimited" }),
      404,
      "not-found",
    );
    // a tier in use cannot go away
    expectProblem(await as(tenant.token)("DELETE", "/api/v1/tiers/20PerMin?kind=application"), 409, "conflict");
    const audit = await as(tenant.token)("GET", `/api/v1/audit?action=application.update&targetId=${app.id}`);
    expect(audit.body[0]?.summary).toEqual({ tier: ["Unlimited", "20PerMin"] });
  });
});

describe("tiers at the gateway", () => {
  let second: { gw: Client; close(): Promise<void>; dir: string };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "portico-gw-tiers-2-"));
    const g = await startTestGateway(stack.t, { gatewayId: "gw-tiers-2", dataDir: dir });
    second = { gw: client(g.gateway.url), close: g.close, dir };
  });
  afterAll(async () => {
    await second?.close();
    rmSync(second.dir, { recursive: true, force: true });
  });

  it("counts an application tier across its subscriptions and across gateways", async () => {
    const call = as(tenant.token);
    // Hourly windows: a test this short does not straddle one (a minute's edge it might).
    await call("POST", "/api/v1/tiers", { kind: "application", name: "3PerHour", requests: 3, unit: "hour" });
    const one = (await publishedApi(stack.t, tenant.token, { context: "apptier-a", upstreamUrl: stack.upstream.url }))
      .api;
    const two = (await publishedApi(stack.t, tenant.token, { context: "apptier-b", upstreamUrl: stack.upstream.url }))
      .api;
    const app = await appOn(tenant.token, "3PerHour", [one.id, two.id]);
    const headers = { "x-api-key": app.key };
    const a = `/t/${tenant.slug}/apptier-a/v1/x`;
    const b = `/t/${tenant.slug}/apptier-b/v1/x`;
    await served(stack.gw, a, headers);
    await served(second.gw, b, headers);
    // two of the three are spent while waiting for the bundle; let the gateways exchange counts
    await new Promise((r) => setTimeout(r, 400));
    const third = await stack.gw.call("GET", b, { headers });
    await new Promise((r) => setTimeout(r, 400));
    const fourth = await second.gw.call("GET", a, { headers });
    expect([third.status, fourth.status]).toEqual([200, 429]);
    expectProblem(fourth, 429, "rate-limited");
    expect(fourth.headers.get("ratelimit-limit")).toBe("3");
    expect(fourth.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(fourth.headers.get("retry-after"))).toBeGreaterThan(0);
    // a subscription of another application on the same APIs is not affected
    const free = await appOn(tenant.token, "Unlimited", [one.id]);
    await served(stack.gw, a, { "x-api-key": free.key });
  });

  it("enforces a tier's monthly quota with its own problem type", async () => {
    await as(tenant.token)("POST", "/api/v1/tiers", {
      kind: "application",
      name: "Quota2",
      requests: null,
      quotaPerMonth: 2,
    });
    const api = (await publishedApi(stack.t, tenant.token, { context: "quota", upstreamUrl: stack.upstream.url })).api;
    const app = await appOn(tenant.token, "Quota2", [api.id]);
    const path = `/t/${tenant.slug}/quota/v1/x`;
    await served(stack.gw, path, { "x-api-key": app.key });
    const statuses = [];
    let last: Awaited<ReturnType<Client["call"]>> | undefined;
    for (let i = 0; i < 3; i++) {
      last = await stack.gw.call("GET", path, { headers: { "x-api-key": app.key } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 429, 429]);
    expectProblem(last!, 429, "quota-exceeded");
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThan(0);

    // a subscription tier's quota, likewise
    await as(tenant.token)("POST", "/api/v1/tiers", { name: "SubQuota1", requests: 1000, quotaPerMonth: 1 });
    const plain = await appOn(tenant.token, "Unlimited", []);
    await as(tenant.token)("POST", "/api/v1/subscriptions", {
      applicationId: plain.id,
      apiId: api.id,
      tier: "SubQuota1",
    });
    await served(stack.gw, path, { "x-api-key": plain.key });
    expectProblem(await stack.gw.call("GET", path, { headers: { "x-api-key": plain.key } }), 429, "quota-exceeded");
  });

  it("caps an API for all of its callers with an API tier", async () => {
    const call = as(tenant.token);
    await call("POST", "/api/v1/tiers", { kind: "api", name: "Api3", requests: 3, unit: "hour" });
    const created = await call("POST", "/api/v1/apis", {
      name: "capped",
      context: "capped",
      version: "v1",
      upstream: { url: stack.upstream.url },
      tier: "Api3",
    });
    expect(created.body.tier).toBe("Api3");
    const id = created.body.id;
    await call("POST", `/api/v1/apis/${id}/lifecycle`, { action: "publish" });
    const rev = (await call("POST", `/api/v1/apis/${id}/revisions`)).body;
    await call("POST", `/api/v1/apis/${id}/deployments`, { revisionId: rev.id, environment: "default" });
    const first = await appOn(tenant.token, "Unlimited", [id]);
    const secondApp = await appOn(tenant.token, "Unlimited", [id]);
    const path = `/t/${tenant.slug}/capped/v1/x`;
    // the later application's bundle carries the earlier one's subscription too
    await served(stack.gw, path, { "x-api-key": secondApp.key });
    const statuses = [];
    for (const key of [first.key, secondApp.key, first.key]) {
      statuses.push((await stack.gw.call("GET", path, { headers: { "x-api-key": key } })).status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    // the working copy drops the tier, the deployed revision still names it: it cannot go
    expect((await call("PATCH", `/api/v1/apis/${id}`, { tier: null })).body.tier).toBeNull();
    expectProblem(await call("DELETE", "/api/v1/tiers/Api3?kind=api"), 409, "conflict");
    // another tenant cannot change this API's tier
    expectProblem(await as(other.token)("PATCH", `/api/v1/apis/${id}`, { tier: "Unlimited" }), 404, "not-found");
  });
});
