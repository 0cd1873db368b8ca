import { Readable } from "node:stream";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  API_KEY,
  call,
  closedPort,
  deployedGateway,
  expectProblem,
  sleep,
  startSilentUpstream,
  waitForAck,
} from "./harness.js";

describe("the gateway turns upstream failures and limits into problems", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let silent: Awaited<ReturnType<typeof startSilentUpstream>>;

  beforeAll(async () => {
    silent = await startSilentUpstream();
    t = await deployedGateway(
      { upstreamTimeoutMs: 300, maxBodyBytes: 1024 },
      { downUpstream: `http://127.0.0.1:${await closedPort()}`, silentUpstream: silent.origin },
    );
  });

  afterAll(async () => {
    await t?.close();
    await silent?.close();
  });

  it("502 bad-gateway when the upstream refuses connections, without saying where it is", async () => {
    expectProblem(await call(`${t.gw.url}/t/acme/down/v1/x`), 502, "bad-gateway");
  });

  it("504 gateway-timeout when the upstream sends no headers in time", async () => {
    const started = Date.now();
    expectProblem(await call(`${t.gw.url}/t/acme/slow/v1/x`), 504, "gateway-timeout");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("413 payload-too-large before contacting the upstream when Content-Length is over the limit", async () => {
    const before = t.upstream.received.length;
    const res = await call(`${t.gw.url}/t/acme/open/v1/upload`, { method: "POST", body: Buffer.alloc(4096, 1) });
    expectProblem(res, 413, "payload-too-large");
    expect(t.upstream.received.length).toBe(before);
  });

  it("413 payload-too-large when a chunked body grows past the limit", async () => {
    const body = Readable.from([Buffer.alloc(800, 1), Buffer.alloc(800, 2)]);
    const res = await request(`${t.gw.url}/t/acme/open/v1/upload`, { method: "POST", body });
    const text = await res.body.text();
    expectProblem({ status: res.statusCode, headers: res.headers, text }, 413, "payload-too-large");
  });

  it("streams a chunked body under the limit", async () => {
    const body = Readable.from([Buffer.from("hello "), Buffer.from("world")]);
    const res = await request(`${t.gw.url}/t/acme/open/v1/upload`, { method: "POST", body });
    expect(res.statusCode).toBe(200);
    expect(((await res.body.json()) as { body: string }).body).toBe("hello world");
  });

  it("503 api-blocked for a blocked API", async () => {
    expectProblem(await call(`${t.gw.url}/t/acme/blocked/v1/x`), 503, "api-blocked");
  });

  it("429 rate-limited past the tier's burst, with Retry-After and RateLimit headers, across a bundle swap", async () => {
    const url = `${t.gw.url}/t/acme/limited/v1/x`;
    const headers = { "x-api-key": API_KEY };
    const first = await call(url, { headers });
    expect(first.status).toBe(200);
    expect(first.headers["ratelimit-limit"]).toBe("3");
    expect(first.headers["ratelimit-remaining"]).toBe("2");
    expect(Number(first.headers["ratelimit-reset"])).toBeGreaterThan(0);
    expect((await call(url, { headers })).status).toBe(200);
    // A new bundle with the same tier must not hand out a fresh bucket.
    await t.deploy(2);
    await waitForAck(t.acks, (a) => a.ok && a.version === 2);
    expect((await call(url, { headers })).status).toBe(200);
    const limited = await call(url, { headers });
    expectProblem(limited, 429, "rate-limited");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(limited.headers["ratelimit-limit"]).toBe("3");
    expect(limited.headers["ratelimit-remaining"]).toBe("0");
    expect(Number(limited.headers["ratelimit-reset"])).toBeGreaterThanOrEqual(1);
    // 60 per minute refills one token a second.
    await sleep(1100);
    expect((await call(url, { headers })).status).toBe(200);
  });

  it("survives a client that disconnects while the upstream is still thinking", async () => {
    const controller = new AbortController();
    const pending = request(`${t.gw.url}/t/acme/slow/v1/hang`, { signal: controller.signal }).catch((e: unknown) => e);
    await sleep(50);
    controller.abort();
    await pending;
    expect((await call(`${t.gw.url}/t/acme/open/v1/after-abort`)).status).toBe(200);
  });
});
