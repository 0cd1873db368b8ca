import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";

let t: TestControlPlane;
beforeAll(async () => {
  t = await startTestControlPlane();
});
afterAll(() => t?.close());

describe("audit log", () => {
  it("records every change with who, what, before/after and when, filterable and paginated", async () => {
    const { token } = await signupTenant(t.api);
    const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
    const api = (
      await call("POST", "/api/v1/apis", {
        name: "A",
        context: "a",
        version: "v1",
        upstream: { url: "http://127.0.0.1:9" },
      })
    ).body;
    await call("PATCH", `/api/v1/apis/${api.id}`, { name: "B" });
    await call("POST", `/api/v1/apis/${api.id}/lifecycle`, { action: "publish" });
    const app = (await call("POST", "/api/v1/applications", { name: "app" })).body;
    const key = (await call("POST", `/api/v1/applications/${app.id}/api-keys`)).body;
    await call("POST", `/api/v1/applications/${app.id}/credentials`);

    const all = (await call("GET", "/api/v1/audit")).body;
    expect(all.map((e: { action: string }) => e.action)).toEqual([
      "credentials.create",
      "api-key.create",
      "application.create",
      "api.lifecycle",
      "api.update",
      "api.create",
      "tenant.create",
    ]);
    const update = all.find((e: { action: string }) => e.action === "api.update");
    expect(update).toMatchObject({
      targetType: "api",
      targetId: api.id,
      actorRole: "admin",
      summary: { name: ["A", "B"] },
    });
    expect(all.find((e: { action: string }) => e.action === "api.lifecycle").summary).toEqual({
      action: "publish",
      status: ["CREATED", "PUBLISHED"],
    });
    expect(JSON.stringify(all)).not.toContain(key.key);

    const forApi = (await call("GET", `/api/v1/audit?targetId=${api.id}&order=asc`)).body;
    expect(forApi.map((e: { action: string }) => e.action)).toEqual(["api.create", "api.update", "api.lifecycle"]);

    const first = await call("GET", "/api/v1/audit?limit=3");
    expect(first.body).toHaveLength(3);
    expect(first.headers.get("link")).toMatch(/rel="next"/);
    const second = await call("GET", `/api/v1/audit?limit=3&cursor=${first.headers.get("x-next-cursor")}`);
    const third = await call("GET", `/api/v1/audit?limit=3&cursor=${second.headers.get("x-next-cursor")}`);
    expect(third.headers.get("x-next-cursor")).toBeNull();
    expect([...first.body, ...second.body, ...third.body].map((e: { id: string }) => e.id)).toEqual(
      all.map((e: { id: string }) => e.id),
    );
    expectProblem(await call("GET", "/api/v1/audit?cursor=garbage"), 400, "validation-failed");
  });

  it("writes nothing for a change that fails", async () => {
    const { token } = await signupTenant(t.api);
    await t.api.call("POST", "/api/v1/apis", {
      token,
      body: { name: "A", context: "dup", version: "v1", upstream: { url: "http://127.0.0.1:9" } },
    });
    await t.api.call("POST", "/api/v1/apis", {
      token,
      body: { name: "A", context: "dup", version: "v1", upstream: { url: "http://127.0.0.1:9" } },
    });
    const creates = (await t.api.call("GET", "/api/v1/audit?action=api.create", { token })).body;
    expect(creates).toHaveLength(1);
  });
});

describe("lists", () => {
  it("paginate with a cursor, filter and sort", async () => {
    const { token } = await signupTenant(t.api);
    for (const name of ["delta", "alpha", "charlie", "bravo", "echo"]) {
      await t.api.call("POST", "/api/v1/apis", {
        token,
        body: { name, context: name, version: "v1", upstream: { url: "http://127.0.0.1:9" } },
      });
    }
    const byName = await t.api.call("GET", "/api/v1/apis?sort=name&order=asc&limit=2", { token });
    expect(byName.body.map((a: { name: string }) => a.name)).toEqual(["alpha", "bravo"]);
    const next = await t.api.call(
      "GET",
      `/api/v1/apis?sort=name&order=asc&limit=2&cursor=${byName.headers.get("x-next-cursor")}`,
      { token },
    );
    expect(next.body.map((a: { name: string }) => a.name)).toEqual(["charlie", "delta"]);
    expect(
      (await t.api.call("GET", "/api/v1/apis?q=HARL", { token })).body.map((a: { name: string }) => a.name),
    ).toEqual(["charlie"]);
    expect((await t.api.call("GET", "/api/v1/apis?status=PUBLISHED", { token })).body).toEqual([]);
    expect((await t.api.call("GET", "/api/v1/apis", { token })).body.map((a: { name: string }) => a.name)).toEqual([
      "echo",
      "bravo",
      "charlie",
      "alpha",
      "delta",
    ]);
    expectProblem(await t.api.call("GET", "/api/v1/apis?limit=0", { token }), 400, "validation-failed");
    expectProblem(await t.api.call("GET", "/api/v1/apis?status=NOPE", { token }), 400, "validation-failed");
  });
});

describe("ETag and If-Match", () => {
  it("refuses an update based on a stale read with 412", async () => {
    const { token } = await signupTenant(t.api);
    const api = (
      await t.api.call("POST", "/api/v1/apis", {
        token,
        body: { name: "E", context: "e", version: "v1", upstream: { url: "http://127.0.0.1:9" } },
      })
    ).body;
    const read = await t.api.call("GET", `/api/v1/apis/${api.id}`, { token });
    const etag = read.headers.get("etag")!;
    expect(etag).toMatch(/^".+"$/);
    const first = await t.api.call("PATCH", `/api/v1/apis/${api.id}`, {
      token,
      body: { name: "E1" },
      headers: { "if-match": etag },
    });
    expect(first.status).toBe(200);
    expect(first.headers.get("etag")).not.toBe(etag);
    expectProblem(
      await t.api.call("PATCH", `/api/v1/apis/${api.id}`, {
        token,
        body: { name: "E2" },
        headers: { "if-match": etag },
      }),
      412,
      "precondition-failed",
    );
    expect(
      (
        await t.api.call("PATCH", `/api/v1/apis/${api.id}`, {
          token,
          body: { name: "E3" },
          headers: { "if-match": first.headers.get("etag")! },
        })
      ).status,
    ).toBe(200);
    expect((await t.api.call("GET", `/api/v1/apis/${api.id}`, { token })).body.name).toBe("E3");
  });
});
