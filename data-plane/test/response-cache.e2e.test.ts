import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BundleContent } from "@portico/shared/bundle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, API_KEY_UNSUBSCRIBED, call, deployedGateway, expectProblem, sleep } from "./harness.js";

type DraftApi = BundleContent["apis"][number];

/** The upstream's Cache-Control (or cookie) by path; every answer carries how often it was asked. */
const ANSWERS: Record<string, [string, string] | null> = {
  "/data/plain": null,
  "/data/short": ["cache-control", "public, max-age=1"],
  "/data/shared": ["cache-control", "max-age=0, s-maxage=60"],
  "/data/no-store": ["cache-control", "no-store"],
  "/data/private": ["cache-control", "private, max-age=60"],
  "/data/cookie": ["set-cookie", "session=1"],
};

describe("response cache through the real gateway", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let upstream: Server;
  let origin: string;
  let asked = 0;
  let version = 1;
  const key = { "x-api-key": API_KEY };

  const cachedApi = (id: string, context: string, config: Record<string, unknown>, revision = 1): DraftApi => ({
    id,
    name: id,
    context,
    version: "v1",
    status: "PUBLISHED",
    upstream: { url: `${origin}/data` },
    revision: { id: `rev_${id}_${revision}`, number: revision },
    authRequired: true,
    policies: [{ kind: "response-cache", config }],
  });

  const deploy = async (apis: DraftApi[]) => {
    version++;
    const ack = await t.deployAcked(version, {
      extraApis: apis,
      extraSubscriptions: apis.flatMap((a) => [
        { id: `sub_${a.id}_1`, applicationId: "app1", apiId: a.id, tier: "Unlimited", status: "ACTIVE" as const },
        // app2 only where entries are kept per application
        ...(a.id === "api_per_app"
          ? [{ id: "sub_per_app_2", applicationId: "app2", apiId: a.id, tier: "Unlimited", status: "ACTIVE" as const }]
          : []),
      ]),
    });
    expect(ack.ok).toBe(true);
  };

  const get = (path: string, headers: Record<string, string> = key, method = "GET") =>
    call(`${t.gw.url}/t/acme/cached/v1${path}`, { method, headers });
  const askedIn = (res: { headers: Record<string, unknown> }) => Number(res.headers["x-asked"]);

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      asked++;
      const extra = ANSWERS[(req.url ?? "").split("?")[0] as string] ?? null;
      const body = JSON.stringify({ asked, url: req.url, lang: req.headers["accept-language"] ?? null });
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        "x-asked": String(asked),
        ...(extra ? { [extra[0]]: extra[1] } : {}),
      });
      res.end(body);
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    t = await deployedGateway();
    await deploy([
      cachedApi("api_cached", "cached", { ttlSeconds: 60, varyHeaders: ["accept-language"] }),
      cachedApi("api_per_app", "per-app", { ttlSeconds: 60, perApplication: true }),
    ]);
  });

  afterAll(async () => {
    await t?.close();
    upstream?.closeAllConnections();
    upstream?.close();
  });

  it("answers a repeated GET from the cache (X-Cache HIT, Age), HEAD too, the same body", async () => {
    const first = await get("/plain?q=1");
    expect(first.status).toBe(200);
    expect(first.headers["x-cache"]).toBe("MISS");
    const again = await get("/plain?q=1");
    expect(again.headers["x-cache"]).toBe("HIT");
    expect(again.headers.age).toBe("0");
    expect(again.text).toBe(first.text);
    expect(askedIn(again)).toBe(askedIn(first));
    expect(again.headers["x-request-id"]).not.toBe(first.headers["x-request-id"]);
    const head = await get("/plain?q=1", key, "HEAD");
    expect(head.headers["x-cache"]).toBe("HIT");
    expect(head.text).toBe("");
    // Another query string or vary header value is another entry.
    expect((await get("/plain?q=2")).headers["x-cache"]).toBe("MISS");
    expect((await get("/plain?q=1", { ...key, "accept-language": "fr" })).headers["x-cache"]).toBe("MISS");
    expect((await get("/plain?q=1", { ...key, "accept-language": "fr" })).headers["x-cache"]).toBe("HIT");
  });

  it("never lets a cached answer skip authentication or authorisation", async () => {
    expect((await get("/plain?q=1")).headers["x-cache"]).toBe("HIT");
    expectProblem(await get("/plain?q=1", {}), 401, "unauthorized");
    expectProblem(await get("/plain?q=1", { "x-api-key": "pk_wrong" }), 401, "invalid-api-key");
    expectProblem(await get("/plain?q=1", { "x-api-key": API_KEY_UNSUBSCRIBED }), 403, "not-subscribed");
  });

  it("honours the upstream's Cache-Control: no-store, private and Set-Cookie are never stored", async () => {
    for (const path of ["/no-store", "/private", "/cookie"]) {
      const a = await get(path);
      const b = await get(path);
      expect([a.headers["x-cache"], b.headers["x-cache"]]).toEqual(["MISS", "MISS"]);
      expect(askedIn(b)).toBe(askedIn(a) + 1);
    }
  });

  it("keeps an answer for the upstream's max-age (s-maxage first) instead of the policy's TTL", async () => {
    expect((await get("/shared")).headers["x-cache"]).toBe("MISS");
    expect((await get("/shared")).headers["x-cache"]).toBe("HIT");
    expect((await get("/short")).headers["x-cache"]).toBe("MISS");
    expect((await get("/short")).headers["x-cache"]).toBe("HIT");
    await sleep(1100);
    expect((await get("/short")).headers["x-cache"]).toBe("MISS");
  });

  it("refreshes the entry on a request's Cache-Control: no-cache, and caches only GET", async () => {
    const cached = await get("/plain?q=1");
    const refreshed = await get("/plain?q=1", { ...key, "cache-control": "no-cache" });
    expect(refreshed.headers["x-cache"]).toBe("MISS");
    expect(askedIn(refreshed)).toBeGreaterThan(askedIn(cached));
    const after = await get("/plain?q=1");
    expect(after.headers["x-cache"]).toBe("HIT");
    expect(askedIn(after)).toBe(askedIn(refreshed));
    const before = asked;
    await get("/plain?q=1", key, "POST");
    await get("/plain?q=1", key, "POST");
    expect(asked).toBe(before + 2);
  });

  it("keeps one entry per application when asked to", async () => {
    const perApp = (k: string) => call(`${t.gw.url}/t/acme/per-app/v1/plain`, { headers: { "x-api-key": k } });
    expect((await perApp(API_KEY)).headers["x-cache"]).toBe("MISS");
    expect((await perApp(API_KEY)).headers["x-cache"]).toBe("HIT");
    expect((await perApp(API_KEY_UNSUBSCRIBED)).headers["x-cache"]).toBe("MISS");
    expect((await perApp(API_KEY_UNSUBSCRIBED)).headers["x-cache"]).toBe("HIT");
    await deploy([
      cachedApi("api_cached", "cached", { ttlSeconds: 60, varyHeaders: ["accept-language"] }),
      cachedApi("api_per_app", "per-app", { ttlSeconds: 60, perApplication: true }),
    ]);
    // An unchanged API keeps its entries over a bundle swap.
    expect((await perApp(API_KEY)).headers["x-cache"]).toBe("HIT");
  });

  it("drops an API's entries when a bundle swap changes that API, and only that API's", async () => {
    expect((await get("/plain?q=1")).headers["x-cache"]).toBe("HIT");
    const perApp = () => call(`${t.gw.url}/t/acme/per-app/v1/plain`, { headers: key });
    expect((await perApp()).headers["x-cache"]).toBe("HIT");
    await deploy([
      cachedApi("api_cached", "cached", { ttlSeconds: 60, varyHeaders: ["accept-language"] }, 2),
      cachedApi("api_per_app", "per-app", { ttlSeconds: 60, perApplication: true }),
    ]);
    expect((await get("/plain?q=1")).headers["x-cache"]).toBe("MISS");
    expect((await perApp()).headers["x-cache"]).toBe("HIT");
  });
});
