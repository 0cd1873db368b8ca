import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { API_KEY, call, deployedGateway, waitFor } from "./harness.js";

/** WebSocket APIs: auth at the upgrade, messages relayed both ways and counted. */
describe("WebSocket APIs", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let upstream: Server;
  let wss: WebSocketServer;
  const upgrades: { url?: string; apiKey?: string; prefix?: string }[] = [];

  beforeAll(async () => {
    upstream = createServer();
    wss = new WebSocketServer({ server: upstream });
    wss.on("connection", (ws, req) => {
      upgrades.push({
        url: req.url,
        apiKey: req.headers["x-api-key"] as string | undefined,
        prefix: req.headers["x-forwarded-prefix"] as string | undefined,
      });
      ws.on("message", (data, isBinary) => ws.send(isBinary ? data : `echo:${data.toString()}`, { binary: isBinary }));
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    t = await deployedGateway();
    const before = t.acks.messages.length;
    await t.deploy(2, {
      extraApis: [
        {
          id: "api_ws",
          name: "ws",
          context: "chat",
          version: "v1",
          status: "PUBLISHED",
          upstream: { url: `${origin}/base` },
          revision: { id: "rev_ws", number: 1 },
          authRequired: true,
        },
      ],
      extraSubscriptions: [
        { id: "sub_ws", applicationId: "app1", apiId: "api_ws", tier: "Unlimited", status: "ACTIVE" },
      ],
    });
    await waitFor(() => t.acks.messages.slice(before).find((a) => a.version === 2 && a.ok), 10_000, "ack");
  });

  afterAll(async () => {
    await t?.close();
    wss?.close();
    upstream?.closeAllConnections();
    upstream?.close();
  });

  const open = (headers: Record<string, string> = {}) =>
    new Promise<{ ws?: WebSocket; status?: number }>((resolve) => {
      const ws = new WebSocket(`${t.gw.url.replace("http", "ws")}/t/acme/chat/v1/room?x=1`, { headers });
      ws.once("open", () => resolve({ ws }));
      ws.once("unexpected-response", (_req, res) => {
        res.resume();
        resolve({ status: res.statusCode });
      });
      ws.once("error", () => resolve({}));
    });

  it("refuses the upgrade without credentials (401) and with an unknown key", async () => {
    expect((await open()).status).toBe(401);
    expect((await open({ "x-api-key": "nope" })).status).toBe(401);
    expect(upgrades).toEqual([]);
  });

  it("relays messages both ways after authenticating the upgrade, and counts them", async () => {
    const { ws } = await open({ "x-api-key": API_KEY });
    if (ws === undefined) {
      throw new Error("no WebSocket");
    }
    const received: string[] = [];
    const got = new Promise<void>((resolve) => {
      ws.on("message", (d) => {
        received.push(d.toString());
        if (received.length === 3) {
          resolve();
        }
      });
    });
    for (const m of ["a", "b", "c"]) {
      ws.send(m);
    }
    await got;
    expect(received).toEqual(["echo:a", "echo:b", "echo:c"]);
    // The upstream saw the API's path, not the credential.
    expect(upgrades).toEqual([{ url: "/base/room?x=1", apiKey: undefined, prefix: "/t/acme/chat/v1" }]);
    const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
    ws.close(1000);
    expect(await closed).toBe(1000);
    const metrics = (await call(`${t.gw.url}/metrics`)).text;
    expect(metrics).toContain('portico_gateway_websocket_frames_total{tenant="tenant-acme",direction="in"} 3');
    expect(metrics).toContain('portico_gateway_websocket_frames_total{tenant="tenant-acme",direction="out"} 3');
  });
});
