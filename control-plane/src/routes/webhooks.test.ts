import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPrivateTarget } from "../services/webhooks.js";
import { expectProblem, signupTenant, startTestControlPlane, type TestControlPlane } from "../test/harness.js";
import { until } from "../test/journey.js";

let t: TestControlPlane;
const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
let failuresLeft = 0;
let receiverUrl = "";
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => {
    body += c;
  });
  req.on("end", () => {
    if (failuresLeft > 0) {
      failuresLeft--;
      res.writeHead(500).end();
      return;
    }
    received.push({ headers: req.headers, body });
    res.writeHead(204).end();
  });
});

beforeAll(async () => {
  t = await startTestControlPlane();
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  receiver.close();
  await t?.close();
});

describe("webhooks", () => {
  it("deliver the events asked for, signed, retrying with backoff until the receiver accepts", async () => {
    const { token, tenantId } = await signupTenant(t.api);
    const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
    const hook = await call("POST", "/api/v1/webhooks", {
      url: receiverUrl,
      events: ["api.lifecycle", "subscription.*"],
    });
    expect(hook.status).toBe(201);
    expect(hook.body.secret).toMatch(/^whsec_/);
    expect((await call("GET", "/api/v1/webhooks")).body[0]).not.toHaveProperty("secret");

    failuresLeft = 2;
    const api = (
      await call("POST", "/api/v1/apis", {
        name: "H",
        context: "hooked",
        version: "v1",
        upstream: { url: "http://127.0.0.1:9" },
      })
    ).body;
    await call("POST", `/api/v1/apis/${api.id}/lifecycle`, { action: "publish" });
    await until(async () => received.length >= 1 || undefined, "delivery");
    const got = received.shift()!;
    const payload = JSON.parse(got.body);
    expect(payload).toMatchObject({
      type: "api.lifecycle",
      tenant: tenantId,
      target: { type: "api", id: api.id },
      data: { status: ["CREATED", "PUBLISHED"] },
    });
    expect(got.headers["x-portico-event"]).toBe("api.lifecycle");
    const [ts, v1] = String(got.headers["x-portico-signature"])
      .split(",")
      .map((p) => p.split("=")[1]);
    expect(v1).toBe(createHmac("sha256", hook.body.secret).update(`${ts}.${got.body}`).digest("hex"));

    const deliveries = (await call("GET", `/api/v1/webhooks/${hook.body.id}/deliveries`)).body;
    expect(deliveries).toHaveLength(1); // api.create was not asked for
    expect(deliveries[0]).toMatchObject({
      event: "api.lifecycle",
      status: "delivered",
      attempts: 3,
      lastStatusCode: 204,
    });

    expect((await call("DELETE", `/api/v1/webhooks/${hook.body.id}`)).status).toBe(204);
    await call("POST", `/api/v1/apis/${api.id}/lifecycle`, { action: "block" });
    await new Promise((r) => setTimeout(r, 1500));
    expect(received).toEqual([]);
  });

  it("are the tenant's own", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const hook = (
      await t.api.call("POST", "/api/v1/webhooks", { token: a.token, body: { url: receiverUrl, events: ["*"] } })
    ).body;
    expectProblem(
      await t.api.call("GET", `/api/v1/webhooks/${hook.id}/deliveries`, { token: b.token }),
      404,
      "not-found",
    );
    expectProblem(await t.api.call("DELETE", `/api/v1/webhooks/${hook.id}`, { token: b.token }), 404, "not-found");
    expect((await t.api.call("GET", "/api/v1/webhooks", { token: b.token })).body).toEqual([]);
    await t.api.call("DELETE", `/api/v1/webhooks/${hook.id}`, { token: a.token });
  });

  it("validate their input", async () => {
    const { token } = await signupTenant(t.api);
    for (const body of [
      { url: "ftp://x", events: ["*"] },
      { url: receiverUrl, events: [] },
      { url: receiverUrl, events: ["Bad Event"] },
    ]) {
      expectProblem(await t.api.call("POST", "/api/v1/webhooks", { token, body }), 400, "validation-failed");
    }
  });

  it("recognise loopback and private targets", () => {
    for (const u of [
      "http://localhost/x",
      "http://127.0.0.1/",
      "http://10.1.2.3/",
      "http://192.168.0.1/",
      "http://172.20.0.1/",
      "http://169.254.169.254/",
      "http://[::1]/",
      "http://[fd00::1]/",
    ]) {
      expect(isPrivateTarget(new URL(u)), u).toBe(true);
    }
    for (const u of ["https://hooks.example.com/x", "http://8.8.8.8/", "http://172.32.0.1/"]) {
      expect(isPrivateTarget(new URL(u)), u).toBe(false);
    }
  });
});
