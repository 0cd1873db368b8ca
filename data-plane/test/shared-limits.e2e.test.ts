import type { GatewayAck } from "@portico/shared";
import { natsNames } from "@portico/shared";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bundleSigningKey,
  collect,
  ENV,
  gateway,
  natsBus,
  sleep,
  startEchoUpstream,
  type TestGateway,
  tempDir,
  tenantDraft,
  tenantIssuer,
  uniquePrefix,
  waitForAck,
} from "./harness.js";

/**
 * Over-admission of a limit shared by 3 gateways on one machine (real NATS, loopback). CI
 * defaults keep it short; the figure (1000/min) is the same test with
 * PORTICO_OVERADMIT_LIMIT=1000 PORTICO_OVERADMIT_WINDOW_MS=60000 PORTICO_OVERADMIT_SECONDS=30.
 */
const LIMIT = Number(process.env.PORTICO_OVERADMIT_LIMIT ?? 100);
const WINDOW_MS = Number(process.env.PORTICO_OVERADMIT_WINDOW_MS ?? 5_000);
const SECONDS = Number(process.env.PORTICO_OVERADMIT_SECONDS ?? 3);
/** Offered load, all gateways together: twice the limit's average rate over the run, at least 60/s. */
const RATE = Number(process.env.PORTICO_OVERADMIT_RATE ?? Math.max(60, Math.ceil((2 * LIMIT) / SECONDS)));

describe("a rate limit shared by the gateways of an environment", () => {
  const prefix = uniquePrefix();
  const names = natsNames(prefix);
  const gws: TestGateway[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const upstream = await startEchoUpstream();
    const issuer = await tenantIssuer();
    const keys = await bundleSigningKey();
    const control = natsBus("control-plane");
    await control.ready();
    cleanups.push(
      () => upstream.close(),
      () => control.close(),
    );
    const acks: { messages: GatewayAck[]; stop(): Promise<void> }[] = [];
    for (const id of ["gw-1", "gw-2", "gw-3"]) {
      const dir = await tempDir();
      const bus = natsBus(id);
      acks.push(collect<GatewayAck>(control, names.ackSubject(ENV, id)));
      const gw = await gateway({ bus, dataDir: dir.path, bundleKeys: keys.jwks, natsPrefix: prefix, gatewayId: id });
      gws.push(gw);
      cleanups.push(
        async () => {
          await gw.close();
          await bus.close();
        },
        () => dir.remove(),
      );
    }
    const draft = tenantDraft({
      version: 1,
      upstream: upstream.origin,
      issuer,
      extraApis: [
        {
          id: "api_shared",
          name: "shared",
          context: "shared",
          version: "v1",
          status: "PUBLISHED",
          upstream: { url: upstream.origin },
          revision: { id: "rev_shared", number: 1 },
          authRequired: false,
          policies: [{ kind: "rate-limit", config: { by: "api", limit: LIMIT, windowMs: WINDOW_MS, shared: true } }],
        },
      ],
    });
    await control.kvPut(names.bundleBucket(ENV), "tenant-acme", await keys.sign(draft));
    for (const a of acks) {
      await waitForAck(a, (x) => x.ok && x.version === 1);
      await a.stop();
    }
  }, 30_000);

  afterAll(async () => {
    for (const c of cleanups.reverse()) {
      await c();
    }
  });

  it(`3 gateways, ${LIMIT} per ${WINDOW_MS / 1000} s, ${RATE} req/s offered: at most 5 % over the limit`, async () => {
    // Start just after a window boundary, so the whole run falls in one window.
    const now = Date.now();
    await sleep(WINDOW_MS - (now % WINDOW_MS) + 20);
    const windowEnd = Date.now() - (Date.now() % WINDOW_MS) + WINDOW_MS;
    const until = Math.min(Date.now() + SECONDS * 1000, windowEnd - 50);
    let admitted = 0;
    let refused = 0;
    let other = 0;
    const perGateway = RATE / gws.length;
    await Promise.all(
      gws.map(async (gw) => {
        const pending: Promise<void>[] = [];
        const start = Date.now();
        let sent = 0;
        while (Date.now() < until) {
          const due = Math.floor(((Date.now() - start) / 1000) * perGateway);
          while (sent < due) {
            sent++;
            pending.push(
              request(`${gw.url}/t/acme/shared/v1/x`).then(async (res) => {
                await res.body.dump();
                if (res.statusCode === 200) {
                  admitted++;
                } else if (res.statusCode === 429) {
                  refused++;
                } else {
                  other++;
                }
              }),
            );
          }
          await sleep(5);
        }
        await Promise.all(pending);
      }),
    );
    const overPct = Math.round(((admitted - LIMIT) / LIMIT) * 1000) / 10;
    process.stdout.write(
      `shared limit: ${LIMIT}/${WINDOW_MS} ms over 3 gateways, ${admitted + refused + other} requests, ${admitted} admitted (${overPct} % over), ${refused} refused\n`,
    );
    expect(other).toBe(0);
    expect(admitted).toBeGreaterThanOrEqual(LIMIT);
    expect(admitted).toBeLessThanOrEqual(LIMIT * 1.05);
  }, 120_000);
});
