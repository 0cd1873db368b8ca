import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Pool } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, startTestControlPlane, type TestControlPlane } from "./harness.js";
import { application, publishedApi, startTestGateway, until } from "./journey.js";
import { ownNatsServer } from "./nats-server.js";
import { startEchoUpstream } from "./upstream.js";

/**
 * Requests through three gateways while each gateway, NATS and the control plane restart once:
 * analytics must count every request exactly once, in the events and in both rollups.
 * `npm run bench:analytics` runs it with 100,000 requests and keeps the figures
 * (PORTICO_ANALYTICS_REQUESTS, PORTICO_ANALYTICS_RATE, PORTICO_ANALYTICS_RESULT).
 */
const REQUESTS = Number(process.env.PORTICO_ANALYTICS_REQUESTS ?? 3000);
/** Requests a second; 0: as fast as the gateways answer. Paced in CI so each outage sees traffic. */
const RATE = Number(process.env.PORTICO_ANALYTICS_RATE ?? 500);
const CONCURRENCY = Number(process.env.PORTICO_ANALYTICS_CONCURRENCY ?? 24);
const RESULT = process.env.PORTICO_ANALYTICS_RESULT;

let nats: Awaited<ReturnType<typeof ownNatsServer>>;
let t: TestControlPlane;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
const root = mkdtempSync(join(tmpdir(), "portico-exactly-once-"));

interface Node {
  id: string;
  dataDir: string;
  handle: Awaited<ReturnType<typeof startTestGateway>>;
  pool: Pool;
  accepting: boolean;
  inflight: number;
}
const nodes: Node[] = [];

async function gatewayUp(id: string): Promise<Pick<Node, "handle" | "pool">> {
  const handle = await startTestGateway(t, { gatewayId: id, dataDir: join(root, id), natsUrl: nats.url });
  const pool = new Pool(handle.gateway.url, { connections: CONCURRENCY });
  // Ready means its bundles are loaded (from disk when NATS is down): no request is refused as unknown.
  await until(async () => (await fetch(`${handle.gateway.url}/readyz`)).status === 200, `${id} ready`);
  return { handle, pool };
}

/** As a load balancer would: stop sending to it, let its requests finish, restart, send again. */
async function restartGateway(node: Node) {
  node.accepting = false;
  await until(async () => node.inflight === 0, `${node.id} drained`);
  await node.pool.close();
  await node.handle.close();
  Object.assign(node, await gatewayUp(node.id));
  node.accepting = true;
}

beforeAll(async () => {
  nats = await ownNatsServer();
  t = await startTestControlPlane({ natsUrl: nats.url });
  upstream = await startEchoUpstream();
});
afterAll(async () => {
  for (const n of nodes) {
    await n.pool.close();
    await n.handle.close();
  }
  await upstream?.close();
  await t?.close();
  await nats?.destroy();
  rmSync(root, { recursive: true, force: true });
});

describe("analytics under restarts", () => {
  it(
    `counts ${REQUESTS} requests exactly once while each gateway, NATS and the control plane restart`,
    async () => {
      const { token, slug } = await signupTenant(t.api);
      const { api } = await publishedApi(t, token, { context: "counted", upstreamUrl: upstream.url });
      const { key } = await application(t, token, api.id, "Unlimited");
      const path = `/t/${slug}/counted/v1/ping`;
      for (const id of ["eo-gw-1", "eo-gw-2", "eo-gw-3"]) {
        mkdirSync(join(root, id));
        nodes.push({ id, dataDir: join(root, id), accepting: true, inflight: 0, ...(await gatewayUp(id)) });
      }
      const first = nodes[0]!;
      await until(async () => {
        const res = await fetch(first.handle.gateway.url + path, { headers: { "x-api-key": key } });
        await res.body?.cancel();
        return res.status === 200;
      }, "API deployed");
      // That probe was a request too.
      let answered = 1;
      const statuses = new Map<number, number>([[200, 1]]);
      let issued = 1;
      let transportErrors = 0;
      const started = performance.now();
      const from = new Date(Date.now() - 120_000).toISOString();

      const waiters: { at: number; resolve: () => void }[] = [];
      const reached = (fraction: number) =>
        new Promise<void>((resolve) => {
          const at = Math.floor(REQUESTS * fraction);
          if (answered >= at) {
            resolve();
          } else {
            waiters.push({ at, resolve });
          }
        });

      let next = 0;
      const pick = () => {
        for (let i = 0; i < nodes.length; i++) {
          const n = nodes[next++ % nodes.length]!;
          if (n.accepting) {
            return n;
          }
        }
        return undefined;
      };
      const worker = async () => {
        while (issued < REQUESTS) {
          const n = pick();
          if (!n) {
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          const due = started + (RATE > 0 ? (issued / RATE) * 1000 : 0);
          issued++;
          n.inflight++;
          try {
            if (due > performance.now()) {
              await new Promise((r) => setTimeout(r, due - performance.now()));
            }
            const res = await n.pool.request({ path, method: "GET", headers: { "x-api-key": key } });
            await res.body.dump();
            answered++;
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
            for (const w of waiters.filter((x) => answered >= x.at)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve();
            }
          } catch {
            // The gateway may or may not have seen it: such a request would make the count ambiguous.
            transportErrors++;
            issued--;
          } finally {
            n.inflight--;
          }
          if (upstream.seen.length > 1000) {
            upstream.seen.length = 0;
          }
        }
      };

      const restarts: Record<string, number> = {};
      const timed = async (what: string, fn: () => Promise<void>) => {
        const t0 = performance.now();
        await fn();
        restarts[what] = Math.round(performance.now() - t0);
      };
      const scenario = (async () => {
        await reached(0.15);
        await timed("gateway 1", () => restartGateway(nodes[0]!));
        await reached(0.3);
        await nats.stop();
        await reached(0.4);
        // While NATS is down: its batches wait on disk through the restart and are replayed after.
        await timed("gateway 2 (NATS down)", () => restartGateway(nodes[1]!));
        await reached(0.5);
        await timed("nats", () => nats.start());
        await reached(0.65);
        await timed("control plane", () => t.restart());
        await reached(0.8);
        await timed("gateway 3", () => restartGateway(nodes[2]!));
      })();
      await Promise.all([scenario, ...Array.from({ length: CONCURRENCY }, worker)]);
      const trafficMs = performance.now() - started;

      const count = async () =>
        (await t.api.call("GET", `/api/v1/analytics/requests?from=${from}`, { token })).body.totals.count as number;
      const counted = await until(
        async () => {
          const c = await count();
          return c >= answered ? c : undefined;
        },
        "every request counted",
        Math.max(60_000, REQUESTS),
      ).catch(() => count());
      const settledMs = performance.now() - started;
      // Late duplicates would arrive after the count first matched: look again.
      await new Promise((r) => setTimeout(r, 2000));
      const events = await count();
      const rollupSum = async (granularity: string) =>
        (
          await t.api.call("GET", `/api/v1/analytics/rollups?granularity=${granularity}&from=${from}&limit=10000`, {
            token,
          })
        ).body.rows.reduce((s: number, r: { count: number }) => s + r.count, 0) as number;
      const spooled = nodes.reduce((s, n) => s + readdirSync(join(n.dataDir, "gateway", n.id, "spool")).length, 0);

      const result = {
        requests: answered,
        counted: events,
        lost: Math.max(0, answered - events),
        duplicated: Math.max(0, events - answered),
        minuteRollup: await rollupSum("minute"),
        hourRollup: await rollupSum("hour"),
        statuses: Object.fromEntries(statuses),
        transportErrors,
        spoolFilesLeft: spooled,
        trafficMs: Math.round(trafficMs),
        countedAfterMs: Math.round(settledMs),
        firstCount: counted,
        restartMs: restarts,
        gateways: nodes.length,
        rate: RATE || "unpaced",
        concurrency: CONCURRENCY,
        at: new Date().toISOString(),
      };
      console.info(`analytics exactly-once: ${JSON.stringify(result)}`);
      if (RESULT) {
        mkdirSync(dirname(RESULT), { recursive: true });
        writeFileSync(RESULT, `${JSON.stringify(result, null, 2)}\n`);
      }
      expect({
        lost: result.lost,
        duplicated: result.duplicated,
        minute: result.minuteRollup,
        hour: result.hourRollup,
        requests: answered,
      }).toEqual({ lost: 0, duplicated: 0, minute: answered, hour: answered, requests: REQUESTS });
      expect(statuses.get(200)).toBe(answered);
    },
    Math.max(90_000, REQUESTS * 5),
  );
});
