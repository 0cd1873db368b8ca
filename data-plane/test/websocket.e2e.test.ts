import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AnalyticsBatch, type AnalyticsEvent } from "@portico/shared";
import type { PolicyInput } from "@portico/shared/policies";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { API_KEY, call, deployedGateway, ENV, waitFor } from "./harness.js";

/**
 * WebSocket APIs: auth at the upgrade, messages relayed both ways and counted (metrics and the
 * connection's analytics event), client messages drawing from the rate limit.
 */
describe("WebSocket APIs", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let upstream: Server;
  let wss: WebSocketServer;
  const upgrades: { url?: string; apiKey?: string; prefix?: string }[] = [];
  const events: AnalyticsEvent[] = [];
  /** what the upstream received, as `url:message` */
  const relayed: string[] = [];
  let analytics: { stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    upstream = createServer();
    wss = new WebSocketServer({ server: upstream });
    wss.on("connection", (ws, req) => {
      upgrades.push({
        url: req.url,
        apiKey: req.headers["x-api-key"] as string | undefined,
        prefix: req.headers["x-forwarded-prefix"] as string | undefined,
      });
      ws.on("message", (data, isBinary) => {
        relayed.push(`${req.url}:${data.toString()}`);
        ws.send(isBinary ? data : `echo:${data.toString()}`, { binary: isBinary });
      });
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    t = await deployedGateway();
    analytics = t.control.subscribe(t.names.analyticsSubject(ENV, "tenant-acme"), (m) =>
      events.push(...AnalyticsBatch.parse(JSON.parse(m.data)).events),
    );
    const wsApi = (id: string, context: string, policies: PolicyInput[]) => ({
      id,
      name: id,
      context,
      version: "v1",
      status: "PUBLISHED" as const,
      upstream: { url: `${origin}/base` },
      revision: { id: `rev_${id}`, number: 1 },
      authRequired: false,
      policies,
    });
    const ack = await t.deployAcked(2, {
      extraApis: [
        wsApi("api_ws_close", "chat-close", [{ kind: "rate-limit", config: { by: "ip", limit: 3, windowMs: 60_000 } }]),
        wsApi("api_ws_drop", "chat-drop", [
          { kind: "rate-limit", config: { by: "ip", limit: 3, windowMs: 60_000, websocketFrames: "drop" } },
        ]),
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
    expect(ack.ok).toBe(true);
  });

  afterAll(async () => {
    await analytics?.stop();
    await t?.close();
    wss?.close();
    upstream?.closeAllConnections();
    upstream?.close();
  });

  const open = (headers: Record<string, string> = {}, context = "chat") =>
    new Promise<{ ws?: WebSocket; status?: number }>((resolve) => {
      const ws = new WebSocket(`${t.gw.url.replace("http", "ws")}/t/acme/${context}/v1/room?x=1`, { headers });
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

  it("puts the connection's messages each way in its analytics event", async () => {
    const event = await waitFor(
      () => events.find((e) => e.resource === "/room" && e.status === 101 && e.api === "api_ws"),
      5000,
      "the WebSocket connection's event",
    );
    expect(event).toMatchObject({ framesIn: 3, framesOut: 3, application: "app1" });
  });

  /** Sends n messages and collects what comes back until the socket closes or goes quiet. */
  async function exchange(context: string, n: number) {
    const { ws } = await open({}, context);
    if (ws === undefined) {
      throw new Error("no WebSocket");
    }
    const received: string[] = [];
    ws.on("message", (d) => received.push(d.toString()));
    const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
    for (let i = 1; i <= n; i++) {
      ws.send(`m${i}`);
    }
    const code = await Promise.race([closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 500))]);
    if (code === undefined) {
      ws.close(1000);
      await closed;
    }
    return { received, code };
  }

  it("closes with 1008 once client messages pass the rate limit (the upgrade took one)", async () => {
    const { received, code } = await exchange("chat-close", 5);
    expect(code).toBe(1008);
    // The close may overtake the echoes; the upstream never sees a message past the limit.
    expect(["echo:m1", "echo:m2"].slice(0, received.length)).toEqual(received);
    expect(relayed.filter((m) => /:m[345]$/.test(m))).toEqual([]);
    const event = await waitFor(() => events.find((e) => e.api === "api_ws_close"), 5000, "event");
    // Messages already in flight when the close went out still arrive (and are counted).
    expect(event).toMatchObject({ errorType: "rate-limited" });
    expect(event?.framesIn).toBeGreaterThanOrEqual(3);
  });

  it("or drops the messages past the limit and keeps the connection, when configured so", async () => {
    const before = relayed.length;
    const { received, code } = await exchange("chat-drop", 5);
    expect(code).toBeUndefined();
    expect(received).toEqual(["echo:m1", "echo:m2"]);
    expect(relayed.slice(before)).toEqual(["/base/room?x=1:m1", "/base/room?x=1:m2"]);
    const event = await waitFor(() => events.find((e) => e.api === "api_ws_drop"), 5000, "event");
    expect(event).toMatchObject({ framesIn: 5, framesOut: 2, errorType: "rate-limited" });
  });
});
