import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { BundleContent } from "@portico/shared/bundle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  closedPort,
  deployedGateway,
  expectProblem,
  sleep,
  startEchoUpstream,
  startSilentUpstream,
  waitFor,
} from "./harness.js";

type DraftApi = BundleContent["apis"][number];

const openApi = (id: string, upstream: DraftApi["upstream"]): DraftApi => ({
  id,
  name: id,
  context: id,
  version: "v1",
  status: "PUBLISHED",
  upstream,
  revision: { id: `rev_${id}`, number: 1 },
  authRequired: false,
});

describe("upstreams: balancing, failover, retries, timeouts, circuit breaker, health checks", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let a: Awaited<ReturnType<typeof startEchoUpstream>>;
  let b: Awaited<ReturnType<typeof startEchoUpstream>>;
  let silent: Awaited<ReturnType<typeof startSilentUpstream>>;
  let dead: string;
  let dead2: string;
  let sick: { origin: string; hits: number; close(): void };

  beforeAll(async () => {
    t = await deployedGateway();
    a = await startEchoUpstream();
    b = await startEchoUpstream();
    silent = await startSilentUpstream();
    dead = `http://127.0.0.1:${await closedPort()}`;
    // Breaker state is per endpoint, shared by the APIs using it: a second dead one starts closed.
    dead2 = `http://127.0.0.1:${await closedPort()}`;
    // Serves traffic but fails its health endpoint.
    let hits = 0;
    const server = createServer((req, res) => {
      if (req.url === "/health") {
        res.writeHead(500).end();
        return;
      }
      hits++;
      res.writeHead(200, { "content-length": "4" }).end("sick");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    sick = {
      origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      get hits() {
        return hits;
      },
      close: () => server.close(),
    };
    const before = t.acks.messages.length;
    await t.deploy(2, {
      extraApis: [
        openApi("rr", { url: a.origin, endpoints: [{ url: a.origin }, { url: b.origin }] }),
        openApi("weighted", {
          url: a.origin,
          endpoints: [
            { url: a.origin, weight: 3 },
            { url: b.origin, weight: 1 },
          ],
        }),
        openApi("failover", {
          url: dead,
          endpoints: [{ url: dead }, { url: a.origin }],
          retries: 1,
          circuitBreaker: { failureThreshold: 2, openMs: 60_000 },
        }),
        openApi("alldead", { url: dead2, circuitBreaker: { failureThreshold: 2, openMs: 60_000 } }),
        openApi("slowfirst", {
          url: silent.origin,
          endpoints: [{ url: silent.origin }, { url: b.origin }],
          retries: 1,
          perTryTimeoutMs: 200,
        }),
        openApi("total", { url: silent.origin, totalTimeoutMs: 300 }),
        openApi("health", {
          url: sick.origin,
          endpoints: [{ url: sick.origin }, { url: b.origin }],
          healthCheck: { path: "/health", intervalMs: 200, unhealthyThreshold: 1 },
        }),
      ],
    });
    const ack = await waitFor(() => t.acks.messages.slice(before).find((x) => x.version === 2), 10_000, "ack");
    expect(ack.ok).toBe(true);
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([a?.close(), b?.close(), silent?.close()]);
    sick?.close();
  });

  // Health probes hit the endpoints too (GET /health): count the API's own requests only.
  const served = (u: typeof a) => u.received.filter((r) => r.url === "/x").length;
  const hit = (api: string, method = "GET") => call(`${t.gw.url}/t/acme/${api}/v1/x`, { method });

  it("round-robins equal weights and follows weights", async () => {
    const [a0, b0] = [served(a), served(b)];
    for (let i = 0; i < 10; i++) {
      expect((await hit("rr")).status).toBe(200);
    }
    expect([served(a) - a0, served(b) - b0]).toEqual([5, 5]);
    const [a1, b1] = [served(a), served(b)];
    for (let i = 0; i < 40; i++) {
      await hit("weighted");
    }
    expect([served(a) - a1, served(b) - b1]).toEqual([30, 10]);
  });

  it("retries an idempotent request on the next endpoint, then stops trying a dead one (breaker)", async () => {
    for (let i = 0; i < 6; i++) {
      expect((await hit("failover")).status).toBe(200);
    }
    // A POST is never retried: with the breaker open it goes to the live endpoint only.
    expect((await hit("failover", "POST")).status).toBe(200);
  });

  it("502 while an endpoint fails, 503 upstream-unavailable once its breaker is open", async () => {
    expectProblem(await hit("alldead"), 502, "bad-gateway");
    expectProblem(await hit("alldead"), 502, "bad-gateway");
    expectProblem(await hit("alldead"), 503, "upstream-unavailable");
  });

  it("gives up on an attempt after the per-try timeout and retries elsewhere", async () => {
    const t0 = performance.now();
    const res = await call(`${t.gw.url}/t/acme/slowfirst/v1/x`);
    const second = await call(`${t.gw.url}/t/acme/slowfirst/v1/x`);
    expect([res.status, second.status]).toEqual([200, 200]);
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it("504 past the total timeout", async () => {
    const t0 = performance.now();
    expectProblem(await hit("total"), 504, "gateway-timeout");
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it("takes an endpoint whose health check fails out of rotation", async () => {
    await sleep(600);
    const before = sick.hits;
    for (let i = 0; i < 6; i++) {
      expect((await hit("health")).status).toBe(200);
    }
    expect(sick.hits).toBe(before);
  });
});
