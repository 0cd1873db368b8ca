import { CompactSign, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestControlPlane } from "./harness.js";
import { application, publishedApi, served, startTestStack, type TestStack, until } from "./journey.js";

/**
 * Hostile bundles on the real bus: the gateway refuses each, keeps serving, and publishes the
 * refusal at once, so the control plane shows it (GET /api/v1/gateways, lastError) within a
 * second of the bundle being put on the bus, without waiting for a heartbeat. A shared
 * gateway's refusal of one tenant's bundle stays that tenant's to see.
 */
const GATEWAY = "reject-gw";
let stack: TestStack;
let t: TestControlPlane;

beforeAll(async () => {
  stack = await startTestStack(GATEWAY);
  t = stack.t;
});
afterAll(() => stack?.close());

interface GatewayView {
  id: string;
  lastError: { reason: string; detail: string; at: number } | null;
}

describe("bundle rejections reach the control plane", () => {
  it("shows each refused bundle within 1 s of its publication, to its tenant only", async () => {
    const { token, tenantId, slug } = await signupTenant(t.api);
    const other = await signupTenant(t.api);
    const { api } = await publishedApi(t, token, { context: "kept", upstreamUrl: stack.upstream.url });
    const { key } = await application(t, token, api.id);
    await served(stack.gw, `/t/${slug}/kept/v1/x`, { "x-api-key": key });
    const bucket = t.names.bundleBucket("default");
    const first = (await t.bus.kvGet(bucket, tenantId))?.value as string;
    // A second deployment makes the first bundle an older, validly signed one.
    const rev = await t.api.call("POST", `/api/v1/apis/${api.id}/revisions`, { token });
    await t.api.call("POST", `/api/v1/apis/${api.id}/deployments`, {
      token,
      body: { revisionId: rev.body.id, environment: "default" },
    });
    await until(async () => {
      const entry = await t.bus.kvGet(bucket, tenantId);
      return entry?.value !== first && stack.gateway.tenants().some((x) => x.tenant === tenantId && x.version > 1);
    }, "second bundle applied");
    const current = (await t.bus.kvGet(bucket, tenantId))?.value as string;
    const [h, p, s] = current.split(".") as [string, string, string];
    const stranger = await generateKeyPair("EdDSA", { crv: "Ed25519" });
    const payload = JSON.parse(Buffer.from(p, "base64url").toString());
    const tampered = Buffer.from(JSON.stringify({ ...payload, version: payload.version + 1 })).toString("base64url");
    const cases: [string, string][] = [
      ["bad_signature", `${h}.${tampered}.${s}`],
      [
        "unknown_kid",
        await new CompactSign(new TextEncoder().encode(JSON.stringify({ ...payload, version: payload.version + 1 })))
          .setProtectedHeader({ alg: "EdDSA", kid: "kid-nobody-has" })
          .sign(stranger.privateKey),
      ],
      ["stale_version", first],
      ["bad_signature", "not-a-jws"],
    ];
    const view = async (as: string) =>
      ((await t.api.call("GET", "/api/v1/gateways", { token: as })).body as GatewayView[]).find(
        (g) => g.id === GATEWAY,
      );
    const delays: number[] = [];
    let lastAt = (await view(token))?.lastError?.at ?? 0;
    for (const [reason, jws] of cases) {
      const started = performance.now();
      await t.bus.kvPut(bucket, tenantId, jws);
      let seen: GatewayView["lastError"] = null;
      while (performance.now() - started < 3000) {
        const error = (await view(token))?.lastError ?? null;
        if (error !== null && error.at > lastAt) {
          seen = error;
          break;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      const elapsed = performance.now() - started;
      expect(seen, `${reason} reported`).toMatchObject({ reason, detail: expect.any(String) });
      expect(elapsed, `${reason} reported within 1 s`).toBeLessThan(1000);
      delays.push(elapsed);
      lastAt = seen?.at ?? lastAt;
      // The other tenant sharing the gateway does not see this tenant's refusals.
      expect((await view(other.token))?.lastError ?? null).toBeNull();
    }
    // Still serving the last good bundle through all of it.
    expect((await stack.gw.call("GET", `/t/${slug}/kept/v1/x`, { headers: { "x-api-key": key } })).status).toBe(200);
    process.stdout.write(
      `bundle rejections at the control plane: ${delays.map((d) => `${Math.round(d)} ms`).join(", ")}\n`,
    );
  });
});
