import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, expectProblem, signupTenant, type TestControlPlane } from "./harness.js";
import { application, publishedApi, startTestStack, type TestStack, until } from "./journey.js";

let stack: TestStack;
let t: TestControlPlane;
let gw: Client;
let upstream: TestStack["upstream"];
let tenant: Awaited<ReturnType<typeof signupTenant>>;
const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token: tenant.token, body });

beforeAll(async () => {
  stack = await startTestStack("revisions-gw");
  ({ t, gw, upstream } = stack);
  tenant = await signupTenant(t.api);
});
afterAll(() => stack?.close());

describe("revisions", () => {
  it("keep at most 5, pruning the oldest that is not deployed", async () => {
    const api = (
      await call("POST", "/api/v1/apis", {
        name: "R",
        context: "rev-prune",
        version: "v1",
        upstream: { url: upstream.url },
      })
    ).body;
    const first = (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body;
    await call("POST", `/api/v1/apis/${api.id}/deployments`, { revisionId: first.id, environment: "default" });
    for (let i = 0; i < 6; i++) {
      expect((await call("POST", `/api/v1/apis/${api.id}/revisions`)).status).toBe(201);
    }
    const list = (await call("GET", `/api/v1/apis/${api.id}/revisions`)).body;
    expect(list.map((r: { number: number }) => r.number)).toEqual([7, 6, 5, 4, 1]);
    expect(list.at(-1).deployedTo).toEqual(["default"]);
    expectProblem(await call("DELETE", `/api/v1/apis/${api.id}/revisions/${first.id}`), 409, "conflict");
    expect((await call("DELETE", `/api/v1/apis/${api.id}/revisions/${list[0].id}`)).status).toBe(204);
    expect((await call("GET", `/api/v1/apis/${api.id}/revisions`)).body).toHaveLength(4);
  });

  it("refuse a sixth when all five are deployed", async () => {
    const api = (
      await call("POST", "/api/v1/apis", {
        name: "R",
        context: "rev-full",
        version: "v1",
        upstream: { url: upstream.url },
      })
    ).body;
    for (let i = 0; i < 5; i++) {
      const env = (await call("POST", "/api/v1/environments", { name: `full-${i}` })).body;
      const rev = (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body;
      expect(
        (await call("POST", `/api/v1/apis/${api.id}/deployments`, { revisionId: rev.id, environment: env.name }))
          .status,
      ).toBe(201);
    }
    expectProblem(await call("POST", `/api/v1/apis/${api.id}/revisions`), 409, "conflict");
  });

  it("restore a snapshot as the working copy", async () => {
    const api = (
      await call("POST", "/api/v1/apis", {
        name: "Before",
        context: "rev-restore",
        version: "v1",
        upstream: { url: upstream.url },
      })
    ).body;
    const rev = (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body;
    await call("PATCH", `/api/v1/apis/${api.id}`, { name: "After", upstream: { url: "http://127.0.0.1:1" } });
    const restored = await call("POST", `/api/v1/apis/${api.id}/revisions/${rev.id}/restore`);
    expect(restored.body).toMatchObject({ name: "Before", upstream: { url: upstream.url } });
  });
});

describe("deployments", () => {
  it("roll back an environment to an earlier revision and undeploy it, as the gateway shows", async () => {
    const { api } = await publishedApi(t, tenant.token, { context: "rollback", upstreamUrl: `${upstream.url}/one` });
    const { key } = await application(t, tenant.token, api.id);
    const path = `/t/${tenant.slug}/rollback/v1/x`;
    const seenPath = async () => {
      const r = await gw.call("GET", path, { headers: { "x-api-key": key } });
      return r.status === 200 ? (r.body as { url: string }).url : `status ${r.status}`;
    };
    await until(async () => (await seenPath()) === "/one/x" || undefined, "revision 1");
    const rev1 = (await call("GET", `/api/v1/apis/${api.id}/revisions`)).body[0];
    await call("PATCH", `/api/v1/apis/${api.id}`, { upstream: { url: `${upstream.url}/two` } });
    const rev2 = (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body;
    await call("POST", `/api/v1/apis/${api.id}/deployments`, { revisionId: rev2.id, environment: "default" });
    await until(async () => (await seenPath()) === "/two/x" || undefined, "revision 2");
    await call("POST", `/api/v1/apis/${api.id}/deployments`, { revisionId: rev1.id, environment: "default" });
    await until(async () => (await seenPath()) === "/one/x" || undefined, "rolled back");
    const deployments = (await call("GET", `/api/v1/apis/${api.id}/deployments`)).body;
    expect(
      deployments.filter((d: { live: boolean }) => d.live).map((d: { revisionNumber: number }) => d.revisionNumber),
    ).toEqual([1]);

    expect((await call("DELETE", `/api/v1/apis/${api.id}/deployments/default`)).status).toBe(204);
    await until(async () => (await seenPath()) === "status 404" || undefined, "undeployed");
    expectProblem(await call("DELETE", `/api/v1/apis/${api.id}/deployments/default`), 404, "not-found");
  });

  it("go to several environments at once, all or none", async () => {
    const api = (
      await call("POST", "/api/v1/apis", {
        name: "M",
        context: "multi",
        version: "v1",
        upstream: { url: upstream.url },
      })
    ).body;
    const rev = (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body;
    await call("POST", "/api/v1/environments", { name: "multi-eu" });
    const bad = await call("POST", `/api/v1/apis/${api.id}/deployments`, {
      revisionId: rev.id,
      environments: ["default", "nowhere"],
    });
    expectProblem(bad, 400, "validation-failed");
    expect(bad.body.errors[0].path).toBe("environments.1");
    expect((await call("GET", `/api/v1/apis/${api.id}/deployments`)).body).toEqual([]);
    const both = await call("POST", `/api/v1/apis/${api.id}/deployments`, {
      revisionId: rev.id,
      environments: ["default", "multi-eu"],
    });
    expect(both.status).toBe(201);
    expect(both.body.map((d: { environment: string }) => d.environment)).toEqual(["default", "multi-eu"]);
    expectProblem(
      await call("POST", `/api/v1/apis/${api.id}/deployments`, { revisionId: rev.id }),
      400,
      "validation-failed",
    );
  });
});

describe("versions", () => {
  it("copy the API under the same context and deprecate the old one when the new is published", async () => {
    const { api } = await publishedApi(t, tenant.token, { context: "versioned", upstreamUrl: upstream.url });
    const v2 = await call("POST", `/api/v1/apis/${api.id}/versions`, { version: "v2" });
    expect(v2.status).toBe(201);
    expect(v2.body).toMatchObject({
      context: "versioned",
      version: "v2",
      status: "CREATED",
      upstream: { url: upstream.url },
    });
    expectProblem(await call("POST", `/api/v1/apis/${api.id}/versions`, { version: "v2" }), 409, "conflict");
    await call("POST", `/api/v1/apis/${v2.body.id}/lifecycle`, { action: "publish", deprecatePreviousVersions: true });
    expect((await call("GET", `/api/v1/apis/${api.id}`)).body.status).toBe("DEPRECATED");
    expect((await call("GET", `/api/v1/apis/${v2.body.id}`)).body.status).toBe("PUBLISHED");
  });
});

describe("endpoints", () => {
  it("show the API's gateway URL in each environment where it is live", async () => {
    const { api } = await publishedApi(t, tenant.token, { context: "shown", upstreamUrl: upstream.url });
    const read = (await call("GET", `/api/v1/apis/${api.id}`)).body;
    expect(read.endpoints).toEqual([
      { environment: "default", url: `http://127.0.0.1:8000/t/${tenant.slug}/shown/v1` },
    ]);
    await call("DELETE", `/api/v1/apis/${api.id}/deployments/default`);
    expect((await call("GET", `/api/v1/apis/${api.id}`)).body.endpoints).toEqual([]);
  });
});

describe("tiers", () => {
  it("change limits that gateways apply, and are deleted only when unused", async () => {
    const { api } = await publishedApi(t, tenant.token, { context: "tiered", upstreamUrl: upstream.url });
    await call("POST", "/api/v1/tiers", { name: "Small", requestsPerMinute: 100 });
    const { key } = await application(t, tenant.token, api.id, "Small");
    const limitSeen = async () =>
      (await gw.call("GET", `/t/${tenant.slug}/tiered/v1/x`, { headers: { "x-api-key": key } })).headers.get(
        "ratelimit-limit",
      );
    await until(async () => (await limitSeen()) === "100" || undefined, "limit 100");
    expect((await call("PATCH", "/api/v1/tiers/Small", { requestsPerMinute: 50 })).body).toMatchObject({
      name: "Small",
      requestsPerMinute: 50,
    });
    await until(async () => (await limitSeen()) === "50" || undefined, "limit 50");
    expectProblem(await call("DELETE", "/api/v1/tiers/Small"), 409, "conflict");
    expectProblem(await call("PATCH", "/api/v1/tiers/Nope", { burst: 5 }), 404, "not-found");
    await call("POST", "/api/v1/tiers", { name: "Unused", requestsPerMinute: 1 });
    expect((await call("DELETE", "/api/v1/tiers/Unused")).status).toBe(204);
    expect((await call("GET", "/api/v1/tiers")).body.map((x: { name: string }) => x.name)).not.toContain("Unused");
  });
});
