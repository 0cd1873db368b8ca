import type { BundleApi, BundleProduct } from "@portico/shared/bundle";
import { sha256Hex } from "@portico/shared/bundle";
import type { ResponseCacheConfig } from "@portico/shared/policies";
import type { z } from "zod";
import type { Exchange, ResponseCapture } from "../../http/exchange.js";
import { gatewayHeaders } from "../../http/respond.js";
import { type CachedResponse, entryBytes, type TenantCache } from "../../traffic/response-cache.js";
import { ANSWERED, PASS, type PolicyDeps, type PolicyHandler } from "../types.js";

const MAX_TTL_MS = 86_400_000;

/** The API's content as the bundle carries it: a change of any part of it drops its cached answers. */
const generations = new WeakMap<BundleApi | BundleProduct, string>();
function generationOf(api: BundleApi | BundleProduct): string {
  let generation = generations.get(api);
  if (generation === undefined) {
    generation = sha256Hex(JSON.stringify(api));
    generations.set(api, generation);
  }
  return generation;
}

const directive = (value: string | string[] | undefined, re: RegExp) =>
  value !== undefined && re.test(Array.isArray(value) ? value.join(",") : value);
const REQUEST_REFRESH = /(?:^|,)\s*(?:no-cache|max-age\s*=\s*0)\s*(?:,|$)/i;
const REQUEST_NO_STORE = /(?:^|,)\s*no-store\s*(?:,|$)/i;
const NOT_STORABLE = /(?:^|,)\s*(?:no-store|no-cache|private)\s*(?:[,=]|$)/i;
const S_MAXAGE = /(?:^|,)\s*s-maxage\s*=\s*"?(\d+)/i;
const MAX_AGE = /(?:^|,)\s*max-age\s*=\s*"?(\d+)/i;

/**
 * How long the upstream lets a shared cache keep this answer (ms), the policy's TTL when it
 * says nothing, -1 when it must not be stored: Cache-Control no-store / no-cache / private,
 * Set-Cookie, or Vary: *. s-maxage wins over max-age.
 */
export function storableFor(headers: readonly string[], defaultTtlMs: number): number {
  let ttl = defaultTtlMs;
  for (let i = 0; i < headers.length; i += 2) {
    const name = (headers[i] as string).toLowerCase();
    const value = headers[i + 1] as string;
    if (name === "set-cookie" || (name === "vary" && value.trim() === "*")) {
      return -1;
    }
    if (name === "cache-control") {
      if (NOT_STORABLE.test(value)) {
        return -1;
      }
      const age = S_MAXAGE.exec(value) ?? MAX_AGE.exec(value);
      if (age !== null) {
        ttl = Number(age[1]) * 1000;
      }
    }
  }
  return ttl > 0 ? Math.min(ttl, MAX_TTL_MS) : -1;
}

/** Collects an upstream 200 as it streams to the client and stores it once complete. */
class CacheCapture implements ResponseCapture {
  readonly #cache: TenantCache;
  readonly #key: string;
  readonly #apiId: string;
  readonly #generation: string;
  readonly #defaultTtlMs: number;
  readonly #maxBytes: number;
  readonly #store: boolean;
  #headers: string[] | null = null;
  #ttlMs = 0;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(
    cache: TenantCache,
    key: string,
    api: { id: string; generation: string },
    config: { ttlMs: number; maxBytes: number },
    store: boolean,
  ) {
    this.#cache = cache;
    this.#key = key;
    this.#apiId = api.id;
    this.#generation = api.generation;
    this.#defaultTtlMs = config.ttlMs;
    this.#maxBytes = config.maxBytes;
    this.#store = store;
  }

  headers(status: number, headers: string[]): void {
    const ttl = this.#store && status === 200 ? storableFor(headers, this.#defaultTtlMs) : -1;
    if (ttl > 0) {
      // The client's Age is computed on a hit; the upstream's would repeat it.
      const kept: string[] = [];
      for (let i = 0; i < headers.length; i += 2) {
        if ((headers[i] as string).toLowerCase() !== "age") {
          kept.push(headers[i] as string, headers[i + 1] as string);
        }
      }
      this.#headers = kept;
      this.#ttlMs = ttl;
    }
    headers.push("x-cache", "MISS");
  }

  data(chunk: Buffer): void {
    if (this.#headers === null) {
      return;
    }
    this.#size += chunk.length;
    if (this.#size > this.#maxBytes) {
      this.#headers = null;
      this.#chunks = [];
      return;
    }
    this.#chunks.push(chunk);
  }

  complete(): void {
    const headers = this.#headers;
    if (headers === null) {
      return;
    }
    const body = Buffer.concat(this.#chunks, this.#size);
    const now = Date.now();
    const entry: CachedResponse = {
      apiId: this.#apiId,
      generation: this.#generation,
      headers,
      body,
      storedAt: now,
      expiresAt: now + this.#ttlMs,
      bytes: entryBytes(this.#key, headers, body),
    };
    this.#cache.set(this.#key, entry);
  }
}

function serve(ex: Exchange, hit: CachedResponse, now: number): void {
  const headers = [...hit.headers, "x-cache", "HIT", "age", String(Math.floor((now - hit.storedAt) / 1000))];
  gatewayHeaders(ex, headers);
  ex.status = 200;
  ex.res.writeHead(200, headers);
  ex.res.end(ex.req.method === "HEAD" ? undefined : hit.body);
}

/**
 * GET and HEAD answered from the tenant's cache, keyed by API, path and query, the configured
 * request headers and (optionally) the calling application. Runs after authentication,
 * authorisation and rate limits, so a cached answer is only ever given to a caller the chain
 * admitted. `Cache-Control: no-cache` from the client refreshes the entry, `no-store` bypasses.
 */
export function createResponseCacheHandler(
  config: z.infer<typeof ResponseCacheConfig>,
  deps: PolicyDeps,
): PolicyHandler {
  const cache = deps.caches.of(deps.tenant.id);
  const api = { id: deps.api.id, generation: generationOf(deps.api) };
  cache.claim(api.id, api.generation);
  const prefix = `${api.id}\n`;
  const { varyHeaders, perApplication } = config;
  const limits = { ttlMs: config.ttlSeconds * 1000, maxBytes: config.maxEntryBytes };
  return {
    onRequest(ex) {
      const { method, headers } = ex.req;
      if ((method !== "GET" && method !== "HEAD") || ex.upgrade) {
        return PASS;
      }
      let key = prefix + (ex.req.url ?? "/");
      for (const name of varyHeaders) {
        const value = headers[name];
        key += `\n${Array.isArray(value) ? value.join(",") : (value ?? "")}`;
      }
      if (perApplication) {
        key += `\n${ex.applicationId ?? ""}`;
      }
      const cc = headers["cache-control"];
      const noStore = directive(cc, REQUEST_NO_STORE);
      if (!noStore && !directive(cc, REQUEST_REFRESH) && !directive(headers.pragma, /no-cache/i)) {
        const now = Date.now();
        const hit = cache.get(key, api.generation, now);
        if (hit !== undefined) {
          serve(ex, hit, now);
          return ANSWERED;
        }
      }
      ex.capture = new CacheCapture(cache, key, api, limits, method === "GET" && !noStore);
      return PASS;
    },
  };
}
