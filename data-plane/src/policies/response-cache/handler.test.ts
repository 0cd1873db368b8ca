import { describe, expect, it } from "vitest";
import { type CachedResponse, entryBytes, ResponseCaches } from "../../traffic/response-cache.js";
import { testDeps, testExchange } from "../testing.js";
import { createResponseCacheHandler, storableFor } from "./handler.js";

const entry = (apiId: string, body: string, generation = "g1", expiresAt = Number.MAX_SAFE_INTEGER): CachedResponse => {
  const b = Buffer.from(body);
  return { apiId, generation, headers: [], body: b, storedAt: 0, expiresAt, bytes: entryBytes("k", [], b) };
};

describe("response-cache: what may be stored", () => {
  it("takes s-maxage over max-age over the policy's TTL, and refuses no-store, no-cache, private, cookies, Vary: *", () => {
    expect(storableFor([], 60_000)).toBe(60_000);
    expect(storableFor(["Cache-Control", "public, max-age=5"], 60_000)).toBe(5_000);
    expect(storableFor(["cache-control", "max-age=5, s-maxage=30"], 60_000)).toBe(30_000);
    expect(storableFor(["cache-control", "max-age=0"], 60_000)).toBe(-1);
    for (const refused of [
      ["Cache-Control", "no-store"],
      ["cache-control", "no-cache"],
      ["cache-control", "private, max-age=60"],
      ["Set-Cookie", "a=b"],
      ["vary", "*"],
    ]) {
      expect(storableFor(refused, 60_000)).toBe(-1);
    }
    expect(storableFor(["cache-control", "max-age=999999999"], 1000)).toBe(86_400_000);
  });
});

describe("response-cache: per-tenant memory", () => {
  it("evicts the least recently used entries of a tenant past its byte budget", () => {
    const caches = new ResponseCaches(3 * entry("a", "x".repeat(100)).bytes);
    const cache = caches.of("t1");
    cache.claim("a", "g1");
    for (const k of ["k1", "k2", "k3"]) {
      cache.set(k, entry("a", "x".repeat(100)));
    }
    expect(cache.get("k1", "g1", 0)).toBeDefined(); // k1 is now the most recent
    cache.set("k4", entry("a", "x".repeat(100)));
    expect(cache.get("k2", "g1", 0)).toBeUndefined();
    expect(cache.get("k1", "g1", 0)).toBeDefined();
    expect(cache.size).toBe(3);
    expect(cache.bytes).toBeLessThanOrEqual(cache.maxBytes);
    // Larger than the whole budget: never stored, nothing evicted for it.
    cache.set("huge", entry("a", "x".repeat(1000)));
    expect(cache.size).toBe(3);
  });

  it("one tenant filling its cache never evicts another tenant's entries", () => {
    const caches = new ResponseCaches(2 * entry("a", "x".repeat(100)).bytes);
    const quiet = caches.of("quiet");
    quiet.claim("a", "g1");
    quiet.set("mine", entry("a", "x".repeat(100)));
    const noisy = caches.of("noisy");
    noisy.claim("a", "g1");
    for (let i = 0; i < 1000; i++) {
      noisy.set(`k${i}`, entry("a", "x".repeat(100)));
    }
    expect(quiet.get("mine", "g1", 0)).toBeDefined();
    expect(noisy.size).toBe(2);
  });

  it("drops an API's entries when its content changes, expired ones on read, and entries stored for old content", () => {
    const cache = new ResponseCaches(1_000_000).of("t1");
    cache.claim("a", "g1");
    cache.claim("b", "g1");
    cache.set("a1", entry("a", "1"));
    cache.set("b1", entry("b", "1"));
    cache.set("old", entry("a", "1", "g1", 10));
    expect(cache.get("old", "g1", 10)).toBeUndefined();
    cache.claim("a", "g2");
    expect(cache.get("a1", "g2", 0)).toBeUndefined();
    expect(cache.get("b1", "g1", 0)).toBeDefined();
    // A response of the old chain finishing after the swap is not kept.
    cache.set("late", entry("a", "1", "g1"));
    expect(cache.get("late", "g1", 0)).toBeUndefined();
    expect(cache.size).toBe(1);
  });
});

describe("response-cache: what is looked up", () => {
  const handler = createResponseCacheHandler(
    { ttlSeconds: 60, varyHeaders: [], perApplication: false, maxEntryBytes: 1024 },
    testDeps(),
  );

  it("offers a GET's answer to the cache, but neither other methods nor WebSocket upgrades", () => {
    const get = testExchange();
    expect(handler.onRequest(get)).toEqual({ ok: true });
    expect(get.capture).not.toBeNull();
    const post = testExchange();
    Object.assign(post.req, { method: "POST" });
    handler.onRequest(post);
    expect(post.capture).toBeNull();
    const upgrade = testExchange({ upgrade: "websocket" });
    Object.assign(upgrade, { upgrade: true });
    handler.onRequest(upgrade);
    expect(upgrade.capture).toBeNull();
  });
});
