import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, signupTenant } from "./harness.js";
import { served, startTestStack, type TestStack, until } from "./journey.js";
import { startEchoUpstream } from "./upstream.js";

/**
 * An API's upstream group through the REST API: validated, returned on read, carried in the
 * bundle, and honoured by a real gateway (balanced over two upstreams, failing over when one
 * goes down).
 */
let stack: TestStack;
let second: Awaited<ReturnType<typeof startEchoUpstream>>;
let tenant: Awaited<ReturnType<typeof signupTenant>>;
const call = (method: string, path: string, body?: unknown, token = tenant.token) =>
  stack.t.api.call(method, path, { token, body });

beforeAll(async () => {
  stack = await startTestStack("gw-upstream-group");
  second = await startEchoUpstream();
  tenant = await signupTenant(stack.t.api);
});
afterAll(async () => {
  await second?.close();
  await stack?.close();
});

/** Requests that came through the gateway, not the health checker's probes. */
const calls = (seen: { url: string }[]) => seen.filter((r) => r.url === "/base/pets").length;

const group = () => ({
  url: `${stack.upstream.url}/base`,
  endpoints: [
    { url: `${stack.upstream.url}/base`, weight: 5 },
    { url: `${second.url}/base`, weight: 1 },
  ],
  algorithm: "round-robin",
  retries: 1,
  perTryTimeoutMs: 2000,
  totalTimeoutMs: 5000,
  healthCheck: { path: "/health", intervalMs: 500, timeoutMs: 500, unhealthyThreshold: 1, healthyThreshold: 2 },
  circuitBreaker: { failureThreshold: 1, openMs: 60_000 },
});

describe("upstream groups", () => {
  it("validates the group and keeps upstream.url alone working as before", async () => {
    const base = { name: "g", context: "g-bad", version: "v1" };
    const wrongPath = { ...group(), endpoints: [{ url: `${second.url}/other` }] };
    const res = await call("POST", "/api/v1/apis", { ...base, upstream: wrongPath });
    expectProblem(res, 400, "validation-failed");
    expect(JSON.stringify(res.body)).toContain("every endpoint needs the path of url");
    const slow = { ...group(), perTryTimeoutMs: 6000 };
    expectProblem(await call("POST", "/api/v1/apis", { ...base, upstream: slow }), 400, "validation-failed");
    expectProblem(
      await call("POST", "/api/v1/apis", { ...base, upstream: { ...group(), algorithm: "random" } }),
      400,
      "validation-failed",
    );
    const plain = await call("POST", "/api/v1/apis", { ...base, upstream: { url: stack.upstream.url } });
    expect(plain.status).toBe(201);
    expect(plain.body.upstream).toEqual({ url: stack.upstream.url });
  });

  it("balances over the endpoints, fails over when one is down, and stays inside the tenant", async () => {
    const created = await call("POST", "/api/v1/apis", {
      name: "balanced",
      context: "balanced",
      version: "v1",
      upstream: group(),
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const read = await call("GET", `/api/v1/apis/${id}`);
    expect(read.body.upstream).toEqual({
      ...group(),
      endpoints: group().endpoints.map((e) => ({ url: e.url, weight: e.weight })),
    });
    await call("POST", `/api/v1/apis/${id}/lifecycle`, { action: "publish" });
    const rev = (await call("POST", `/api/v1/apis/${id}/revisions`)).body;
    await call("POST", `/api/v1/apis/${id}/deployments`, { revisionId: rev.id, environment: "default" });
    const app = (await call("POST", "/api/v1/applications", { name: "lb" })).body;
    const key = (await call("POST", `/api/v1/applications/${app.id}/api-keys`)).body.key;
    await call("POST", "/api/v1/subscriptions", { applicationId: app.id, apiId: id });
    const path = `/t/${tenant.slug}/balanced/v1/pets`;
    await served(stack.gw, path, { "x-api-key": key });

    stack.upstream.seen.length = 0;
    second.seen.length = 0;
    for (let i = 0; i < 10; i++) {
      expect((await stack.gw.call("GET", path, { headers: { "x-api-key": key } })).status).toBe(200);
    }
    // round-robin: the weights (5:1) are ignored
    expect([calls(stack.upstream.seen), calls(second.seen)]).toEqual([5, 5]);
    expect(second.seen.find((r) => r.url !== "/base/health")?.url).toBe("/base/pets");

    // One endpoint down: idempotent requests are retried on the other, then its breaker opens.
    second.server.closeAllConnections();
    await new Promise<void>((resolve) => second.server.close(() => resolve()));
    stack.upstream.seen.length = 0;
    for (let i = 0; i < 6; i++) {
      expect((await stack.gw.call("GET", path, { headers: { "x-api-key": key } })).status).toBe(200);
    }
    expect(calls(stack.upstream.seen)).toBe(6);
    // the active health check probes each endpoint below its path
    await until(async () => stack.upstream.seen.some((r) => r.url === "/base/health"), "health probe");

    // Another tenant can neither read nor change the group.
    const other = await signupTenant(stack.t.api);
    expectProblem(await call("GET", `/api/v1/apis/${id}`, undefined, other.token), 404, "not-found");
    expectProblem(
      await call("PATCH", `/api/v1/apis/${id}`, { upstream: { url: "http://127.0.0.1:1" } }, other.token),
      404,
      "not-found",
    );
    // Back to a single URL: the group goes.
    const patched = await call("PATCH", `/api/v1/apis/${id}`, { upstream: { url: stack.upstream.url } });
    expect(patched.body.upstream).toEqual({ url: stack.upstream.url });
  });
});
