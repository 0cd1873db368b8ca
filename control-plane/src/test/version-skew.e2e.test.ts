import { readFileSync } from "node:fs";
import type { GatewayStatus } from "@portico/shared";
import { POLICY_KINDS } from "@portico/shared/policies";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, signupTenant, type TestControlPlane } from "./harness.js";
import { startTestStack, type TestStack, until } from "./journey.js";

/**
 * Gateways report their software version and the policy kinds they can run; a deploy needing
 * a kind a live gateway of the environment lacks is refused, and a preview says so first.
 * The real gateway runs this build; older ones are what their heartbeats say they are.
 */
const GATEWAY = "skew-gw";
let stack: TestStack;
let t: TestControlPlane;

beforeAll(async () => {
  stack = await startTestStack(GATEWAY);
  t = stack.t;
});
afterAll(() => stack?.close());

const buildVersion: string = JSON.parse(
  readFileSync(new URL("../../../data-plane/package.json", import.meta.url), "utf8"),
).version;

/** A heartbeat as an older build sends it (`policyKinds` undefined: older than the field itself). */
function olderGateway(id: string, policyKinds: string[] | undefined) {
  const status: GatewayStatus = {
    id,
    environment: "default",
    softwareVersion: "0.9.0",
    capabilities: { schemaVersions: [1], ...(policyKinds ? { policyKinds } : {}) },
    startedAt: Date.now(),
    uptimeS: 1,
    tenants: [],
    lastError: null,
  };
  t.bus.publish(t.names.statusSubject("default", id), JSON.stringify(status));
}

interface GatewayView {
  id: string;
  softwareVersion: string;
  capabilities: { schemaVersions: number[]; policyKinds: string[] | null };
}

describe("version skew between the control plane and gateways", () => {
  it("refuses a deploy that needs a policy kind a live gateway lacks, and previews it first", async () => {
    const { token } = await signupTenant(t.api);
    const other = await signupTenant(t.api);
    const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
    olderGateway(
      "skew-old",
      POLICY_KINDS.filter((k) => k !== "rate-limit"),
    );
    olderGateway("skew-ancient", undefined);
    const gws = await until(async () => {
      const list = (await call("GET", "/api/v1/gateways")).body as GatewayView[];
      return list.length === 3 && list.every((g) => g.capabilities.schemaVersions.length > 0) ? list : undefined;
    }, "three gateways reported");
    const byId = new Map(gws.map((g) => [g.id, g]));
    expect(byId.get(GATEWAY)).toMatchObject({ softwareVersion: buildVersion });
    expect(new Set(byId.get(GATEWAY)?.capabilities.policyKinds)).toEqual(new Set(POLICY_KINDS));
    expect(byId.get("skew-old")?.capabilities.policyKinds).not.toContain("rate-limit");
    expect(byId.get("skew-ancient")?.capabilities.policyKinds).toBeNull();

    const api = (
      await call("POST", "/api/v1/apis", {
        name: "skew",
        context: "skew",
        version: "v1",
        upstream: { url: stack.upstream.url },
        policies: [{ kind: "rate-limit", config: { by: "ip", limit: 100 } }],
        resources: [{ method: "GET", path: "/x", policies: [{ kind: "request-size", config: { maxBytes: 1024 } }] }],
      })
    ).body;
    await call("POST", `/api/v1/apis/${api.id}/lifecycle`, { action: "publish" });
    const limited = (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body;

    const preview = await call("POST", `/api/v1/apis/${api.id}/deployments/preview`, {
      revisionId: limited.id,
      environment: "default",
    });
    expect(preview.status).toBe(200);
    expect(preview.body).toEqual({
      environment: "default",
      revisionId: limited.id,
      revisionNumber: 1,
      policyKinds: ["rate-limit", "request-size"],
      gateways: [
        { id: "skew-ancient", softwareVersion: "0.9.0", capabilitiesKnown: false, missing: [], compatible: true },
        { id: GATEWAY, softwareVersion: buildVersion, capabilitiesKnown: true, missing: [], compatible: true },
        {
          id: "skew-old",
          softwareVersion: "0.9.0",
          capabilitiesKnown: true,
          missing: ["rate-limit"],
          compatible: false,
        },
      ],
      incompatible: [{ id: "skew-old", environment: "default", softwareVersion: "0.9.0", missing: ["rate-limit"] }],
      deployable: false,
    });

    const refused = await call("POST", `/api/v1/apis/${api.id}/deployments`, {
      revisionId: limited.id,
      environment: "default",
    });
    expectProblem(refused, 409, "incompatible-gateways");
    expect(refused.body.gateways).toEqual(preview.body.incompatible);
    expect(refused.body.detail).toContain("skew-old (rate-limit)");
    expect((await call("GET", `/api/v1/apis/${api.id}/deployments`)).body).toEqual([]);

    // An API product snapshots the API's policies: the same gate applies to it.
    const product = (
      await call("POST", "/api/v1/products", {
        name: "Skew bundle",
        context: "skew-bundle",
        version: "v1",
        resources: [{ apiId: api.id, method: "GET", path: "/x" }],
      })
    ).body;
    const productRev = (await call("POST", `/api/v1/products/${product.id}/revisions`)).body;
    const toDefault = { revisionId: productRev.id, environment: "default" };
    expect((await call("POST", `/api/v1/products/${product.id}/deployments/preview`, toDefault)).body).toMatchObject({
      policyKinds: ["rate-limit", "request-size"],
      incompatible: [{ id: "skew-old", missing: ["rate-limit"] }],
      deployable: false,
    });
    expectProblem(
      await call("POST", `/api/v1/products/${product.id}/deployments`, toDefault),
      409,
      "incompatible-gateways",
    );

    // Without the kind the old gateway lacks, the same API deploys.
    await call("PATCH", `/api/v1/apis/${api.id}`, { policies: [] });
    const unlimited = (await call("POST", `/api/v1/apis/${api.id}/revisions`)).body;
    const fine = { revisionId: unlimited.id, environment: "default" };
    expect((await call("POST", `/api/v1/apis/${api.id}/deployments/preview`, fine)).body).toMatchObject({
      policyKinds: ["request-size"],
      incompatible: [],
      deployable: true,
    });
    expect((await call("POST", `/api/v1/apis/${api.id}/deployments`, fine)).status).toBe(201);

    // Once upgraded, the old gateway no longer holds the first revision back.
    olderGateway("skew-old", [...POLICY_KINDS]);
    await until(async () => {
      const list = (await call("GET", "/api/v1/gateways")).body as GatewayView[];
      return list.find((g) => g.id === "skew-old")?.capabilities.policyKinds?.includes("rate-limit");
    }, "the upgraded gateway's heartbeat");
    expect(
      (await call("POST", `/api/v1/apis/${api.id}/deployments`, { revisionId: limited.id, environment: "default" }))
        .status,
    ).toBe(201);

    // Another tenant cannot preview this API; bad input is a 400.
    const stranger = await t.api.call("POST", `/api/v1/apis/${api.id}/deployments/preview`, {
      token: other.token,
      body: { revisionId: limited.id, environment: "default" },
    });
    expectProblem(stranger, 404, "not-found");
    expectProblem(
      await call("POST", `/api/v1/apis/${api.id}/deployments/preview`, { revisionId: limited.id, environment: "nope" }),
      400,
      "validation-failed",
    );
    expectProblem(
      await call("POST", `/api/v1/apis/${api.id}/deployments/preview`, { environment: "default" }),
      400,
      "validation-failed",
    );
  });
});
