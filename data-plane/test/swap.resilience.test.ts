import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployedGateway, ENV, sleep, tenantDraft, waitFor } from "./harness.js";

const SWAPS = 12;
const WINDOW_MS = 250;
const CONCURRENCY = 16;

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] as number;

/** Bundle swaps while requests flow: none fails, and the tail latency barely moves. */
describe("bundle swaps under load", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  const signed: string[] = [];

  beforeAll(async () => {
    t = await deployedGateway();
    // Signed up front: signing in this process (the gateway's) would count against the swaps.
    for (let v = 2; v < 2 + SWAPS; v++) {
      signed.push(await t.keys.sign(tenantDraft({ version: v, upstream: t.upstream.origin, issuer: t.issuer })));
    }
  });

  afterAll(async () => {
    await t?.close();
  });

  it(`${SWAPS} swaps under load: no failed request, p99 during swaps within 1.5x of steady`, async () => {
    // Steady and swapping windows alternate, so a neighbour's burst on a shared box lands on
    // both kinds alike instead of on one long phase. A request counts for the window it began in.
    const latencies = { warmup: [] as number[], steady: [] as number[], swapping: [] as number[] };
    let window: keyof typeof latencies = "warmup";
    let failed = 0;
    let running = true;
    const worker = async () => {
      while (running) {
        const began = window;
        const t0 = performance.now();
        const res = await request(`${t.gw.url}/t/acme/open/v1/x`);
        await res.body.dump();
        latencies[began].push(performance.now() - t0);
        if (res.statusCode !== 200) {
          failed++;
        }
      }
    };
    const workers = Array.from({ length: CONCURRENCY }, worker);
    await sleep(1000);
    const before = t.acks.messages.length;
    for (const [i, jws] of signed.entries()) {
      window = "steady";
      await sleep(WINDOW_MS);
      // The swapping window lasts until the gateway has acked the bundle, and at least as long as a steady one.
      window = "swapping";
      const opened = Date.now();
      await t.control.kvPut(t.names.bundleBucket(ENV), "tenant-acme", jws);
      await waitFor(() => t.acks.messages.slice(before).find((a) => a.version === 2 + i), 10_000, `ack of v${2 + i}`);
      await sleep(Math.max(0, WINDOW_MS - (Date.now() - opened)));
    }
    running = false;
    await Promise.all(workers);

    const applied = t.acks.messages.slice(before).filter((a) => a.ok).length;
    const steady = p99(latencies.steady);
    const swapping = p99(latencies.swapping);
    process.stdout.write(
      `swaps: ${applied} applied; steady p99 ${steady.toFixed(2)} ms (${latencies.steady.length} req), during swaps p99 ${swapping.toFixed(2)} ms (${latencies.swapping.length} req), ratio ${(swapping / steady).toFixed(2)}\n`,
    );
    expect(failed).toBe(0);
    expect(applied).toBe(SWAPS);
    // On a shared CI box a sub-millisecond p99 moves with any neighbour: 1.5x, or 2 ms of slack.
    expect(swapping).toBeLessThanOrEqual(Math.max(1.5 * steady, steady + 2));
  }, 30_000);
});
