import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureSharedEnvironment, parseSharedEnvironments } from "../services/environments.js";
import { client, expectProblem, signupTenant } from "./harness.js";
import {
  application,
  publishedApi,
  served,
  startTestGateway,
  startTestStack,
  type TestStack,
  until,
} from "./journey.js";

/**
 * Shared environments are the platform operator's (configuration or CLI), self-hosted ones a
 * tenant's; each environment's bundles live in its own KV bucket, so a gateway of one never
 * serves what was deployed to another.
 */
let stack: TestStack;
let tenant: Awaited<ReturnType<typeof signupTenant>>;
const call = (method: string, path: string, body?: unknown, token = tenant.token) =>
  stack.t.api.call(method, path, { token, body });

beforeAll(async () => {
  stack = await startTestStack("gw-environments");
  tenant = await signupTenant(stack.t.api);
});
afterAll(() => stack?.close());

describe("shared environments", () => {
  it("are read from PORTICO_SHARED_ENVIRONMENTS", () => {
    expect(parseSharedEnvironments("default, eu-west=https://eu.gw.example/ ,")).toEqual([
      { name: "default", gatewayUrl: undefined },
      { name: "eu-west", gatewayUrl: "https://eu.gw.example" },
    ]);
    expect(parseSharedEnvironments(undefined)).toEqual([]);
    expect(() => parseSharedEnvironments("Bad Name")).toThrow(/shared environment "Bad Name"/);
    expect(() => parseSharedEnvironments("eu=not-a-url")).toThrow();
  });

  it("are created by the platform operator, visible to every tenant, and out of tenants' reach", async () => {
    expect(await ensureSharedEnvironment(stack.t.cp.database.system, { name: "eu-west" })).toBe("created");
    expect(
      await ensureSharedEnvironment(stack.t.cp.database.system, {
        name: "eu-west",
        gatewayUrl: "https://eu.gw.example",
      }),
    ).toBe("updated");
    const envs = (await call("GET", "/api/v1/environments")).body;
    const eu = envs.find((e: { name: string }) => e.name === "eu-west");
    expect(eu).toMatchObject({ type: "shared", gatewayUrl: "https://eu.gw.example" });

    // a tenant can neither create one of that name nor touch it
    expectProblem(await call("POST", "/api/v1/environments", { name: "eu-west" }), 409, "conflict");
    expectProblem(await call("PATCH", `/api/v1/environments/${eu.id}`, { name: "mine" }), 403, "forbidden");
    expectProblem(
      await call("PATCH", "/api/v1/environments/default", { gatewayUrl: "https://x.example" }),
      403,
      "forbidden",
    );
    // what a tenant creates is self-hosted, whatever it asks for
    const own = await call("POST", "/api/v1/environments", { name: "on-prem", type: "shared" });
    expect(own.status).toBe(201);
    expect(own.body.type).toBe("self-hosted");
    expectProblem(await call("PATCH", `/api/v1/environments/${own.body.id}`, { name: "eu-west" }), 409, "conflict");
    const renamed = await call("PATCH", `/api/v1/environments/${own.body.id}`, { name: "on-prem-2" });
    expect(renamed.body).toMatchObject({ id: own.body.id, name: "on-prem-2", type: "self-hosted" });
    const audit = await call("GET", `/api/v1/audit?action=environment.update&targetId=${own.body.id}`);
    expect(audit.body[0]?.summary).toEqual({ name: ["on-prem", "on-prem-2"] });

    // another tenant sees the shared one, not this tenant's own, and cannot change it
    const other = await signupTenant(stack.t.api);
    const theirs = (await call("GET", "/api/v1/environments", undefined, other.token)).body.map(
      (e: { name: string }) => e.name,
    );
    expect(theirs).toContain("eu-west");
    expect(theirs).not.toContain("on-prem-2");
    expectProblem(
      await call("PATCH", `/api/v1/environments/${own.body.id}`, { name: "stolen" }, other.token),
      404,
      "not-found",
    );
  });

  it("can be declared with the operator's CLI", async () => {
    const cli = fileURLToPath(new URL("../../dist/shared-environment.js", import.meta.url));
    if (!existsSync(cli)) {
      throw new Error("build the control plane first (npm run build -w control-plane)");
    }
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: stack.t.databaseUrl };
    const { stdout } = await run(process.execPath, [cli, "ap-south", "https://ap.gw.example"], { env });
    expect(JSON.parse(stdout)).toEqual({
      environment: "ap-south",
      gatewayUrl: "https://ap.gw.example",
      result: "created",
    });
    await expect(run(process.execPath, [cli], { env })).rejects.toMatchObject({ code: 2 });
    const names = (await call("GET", "/api/v1/environments?limit=100")).body.map((e: { name: string }) => e.name);
    expect(names).toContain("ap-south");
  });
});

describe("environment key spaces", () => {
  it("keeps each environment's bundles in its own bucket, served only by its gateways", async () => {
    const edge = (await call("POST", "/api/v1/environments", { name: "edge" })).body;
    const dir = mkdtempSync(join(tmpdir(), "portico-gw-edge-"));
    const edgeGateway = await startTestGateway(stack.t, { gatewayId: "gw-edge", dataDir: dir, environment: edge.id });
    try {
      const edgeGw = client(edgeGateway.gateway.url);
      const onDefault = await publishedApi(stack.t, tenant.token, {
        context: "everywhere",
        upstreamUrl: stack.upstream.url,
      });
      const edgeOnly = (
        await call("POST", "/api/v1/apis", {
          name: "edge-only",
          context: "edge-only",
          version: "v1",
          upstream: { url: stack.upstream.url },
        })
      ).body;
      await call("POST", `/api/v1/apis/${edgeOnly.id}/lifecycle`, { action: "publish" });
      const rev = (await call("POST", `/api/v1/apis/${edgeOnly.id}/revisions`)).body;
      expect(
        (await call("POST", `/api/v1/apis/${edgeOnly.id}/deployments`, { revisionId: rev.id, environment: "edge" }))
          .status,
      ).toBe(201);
      const app = await application(stack.t, tenant.token, edgeOnly.id, "Unlimited");
      await call("POST", "/api/v1/subscriptions", { applicationId: app.app.id, apiId: onDefault.api.id });
      const headers = { "x-api-key": app.key };

      await served(edgeGw, `/t/${tenant.slug}/edge-only/v1/x`, headers);
      await served(stack.gw, `/t/${tenant.slug}/everywhere/v1/x`, headers);
      expectProblem(await stack.gw.call("GET", `/t/${tenant.slug}/edge-only/v1/x`, { headers }), 404, "api-not-found");
      expectProblem(await edgeGw.call("GET", `/t/${tenant.slug}/everywhere/v1/x`, { headers }), 404, "api-not-found");

      // The bundles themselves: one bucket per environment, the tenant's key in each.
      const bundleIn = async (environment: string) => {
        const entry = await stack.t.bus.kvGet(stack.t.names.bundleBucket(environment), tenant.tenantId);
        const payload = entry?.value?.split(".")[1];
        return payload
          ? (JSON.parse(Buffer.from(payload, "base64url").toString()) as {
              environment: string;
              apis: { id: string }[];
            })
          : undefined;
      };
      const edgeBundle = await until(() => bundleIn(edge.id), "edge bundle");
      const defaultBundle = await until(() => bundleIn("default"), "default bundle");
      expect(edgeBundle.environment).toBe(edge.id);
      expect(edgeBundle.apis.map((a) => a.id)).toEqual([edgeOnly.id]);
      expect(defaultBundle.apis.map((a) => a.id)).not.toContain(edgeOnly.id);
      expect(stack.t.names.bundleBucket(edge.id)).not.toBe(stack.t.names.bundleBucket("default"));
    } finally {
      await edgeGateway.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
