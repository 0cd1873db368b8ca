/** One stored upstream answer (a 200), headers as the client got them from the upstream. */
export interface CachedResponse {
  readonly apiId: string;
  /** the API's content fingerprint when stored: another one means the API changed since */
  readonly generation: string;
  /** flat [name, value, …] after the header-transform edits */
  readonly headers: readonly string[];
  readonly body: Buffer;
  readonly storedAt: number;
  readonly expiresAt: number;
  readonly bytes: number;
}

/** Rough per-entry bookkeeping (map slot, object, key) besides headers and body. */
const ENTRY_OVERHEAD = 200;

export function entryBytes(key: string, headers: readonly string[], body: Buffer): number {
  let bytes = ENTRY_OVERHEAD + key.length + body.length;
  for (const h of headers) {
    bytes += h.length;
  }
  return bytes;
}

/**
 * One tenant's cached answers, least recently used first (Map order), bounded in bytes. Each
 * tenant has its own, so one tenant's traffic can only evict its own entries.
 */
export class TenantCache {
  readonly maxBytes: number;
  readonly #entries = new Map<string, CachedResponse>();
  readonly #generations = new Map<string, string>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /**
   * Called when a bundle compiles the API's cache policy: an API whose content changed
   * (another revision, other policies) drops what was cached under its previous content.
   */
  claim(apiId: string, generation: string): void {
    const previous = this.#generations.get(apiId);
    this.#generations.set(apiId, generation);
    if (previous !== undefined && previous !== generation) {
      for (const [key, entry] of this.#entries) {
        if (entry.apiId === apiId) {
          this.#delete(key, entry);
        }
      }
    }
  }

  get(key: string, generation: string, now: number): CachedResponse | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    this.#entries.delete(key);
    if (entry.expiresAt <= now || entry.generation !== generation) {
      this.#bytes -= entry.bytes;
      return undefined;
    }
    this.#entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CachedResponse): void {
    if (entry.bytes > this.maxBytes || this.#generations.get(entry.apiId) !== entry.generation) {
      return;
    }
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#delete(key, old);
    }
    this.#entries.set(key, entry);
    this.#bytes += entry.bytes;
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) {
        break;
      }
      this.#delete(k, e);
    }
  }

  #delete(key: string, entry: CachedResponse): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}

/** The response caches of every tenant this gateway serves, each bounded on its own. */
export class ResponseCaches {
  readonly #maxBytesPerTenant: number;
  readonly #tenants = new Map<string, TenantCache>();

  constructor(maxBytesPerTenant: number) {
    this.#maxBytesPerTenant = maxBytesPerTenant;
  }

  of(tenantId: string): TenantCache {
    let cache = this.#tenants.get(tenantId);
    if (cache === undefined) {
      cache = new TenantCache(this.#maxBytesPerTenant);
      this.#tenants.set(tenantId, cache);
    }
    return cache;
  }

  forget(tenantId: string): void {
    this.#tenants.delete(tenantId);
  }
}
