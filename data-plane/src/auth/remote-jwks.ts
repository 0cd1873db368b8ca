import {
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  type JWTVerifyGetKey,
  errors as joseErrors,
} from "jose";

export interface RemoteJwksOptions {
  /** Keys older than this are refreshed in the background while the cached ones keep serving. */
  refreshAfterMs: number;
  /** Least time between two fetches of one URI (an unknown `kid` cannot hammer the IdP). */
  cooldownMs: number;
  timeoutMs: number;
  /** Keys not refreshed successfully for this long are dropped: the IdP has been gone too long. */
  maxStaleMs: number;
}

export const DEFAULT_REMOTE_JWKS: RemoteJwksOptions = {
  refreshAfterMs: 5 * 60_000,
  cooldownMs: 30_000,
  timeoutMs: 5000,
  maxStaleMs: 24 * 3600_000,
};

/** Raised when there are no usable keys because the IdP's JWKS endpoint fails (not a JOSE error). */
export class JwksUnavailable extends Error {
  override readonly name = "JwksUnavailable";
}

interface Entry {
  local: ReturnType<typeof createLocalJWKSet> | null;
  /** ms timestamps */
  fetchedAt: number;
  attemptedAt: number;
  inflight: Promise<void> | null;
  lastError: string | null;
}

/**
 * External issuers' JWKS, cached per URI for the whole process, so a new bundle (which builds
 * a new TokenVerifier) starts with the keys the last one had. Refreshes in the background once
 * the keys are `refreshAfterMs` old; a failed fetch keeps the last good keys, so tokens keep
 * validating while the IdP is unreachable, for up to `maxStaleMs`. An unknown `kid` triggers a
 * refresh (rate-limited by `cooldownMs`), which is how the IdP's own key rotation is picked up.
 */
export class RemoteJwksCache {
  readonly #entries = new Map<string, Entry>();
  #options: RemoteJwksOptions;
  readonly #now: () => number;

  constructor(options: Partial<RemoteJwksOptions> = {}, now: () => number = Date.now) {
    this.#options = { ...DEFAULT_REMOTE_JWKS, ...options };
    this.#now = now;
  }

  configure(options: Partial<RemoteJwksOptions>): void {
    this.#options = { ...this.#options, ...options };
  }

  /** A key resolver for `jwtVerify`, backed by this cache. */
  keySet(uri: string): JWTVerifyGetKey {
    new URL(uri); // throws on a bad URI, so the bundle is rejected at compile time
    return (header, token) => this.#getKey(uri, header, token);
  }

  /** For status and tests: when each URI's keys were last fetched successfully. */
  state(uri: string): { fetchedAt: number; lastError: string | null } | undefined {
    const e = this.#entries.get(uri);
    return e ? { fetchedAt: e.fetchedAt, lastError: e.lastError } : undefined;
  }

  async #getKey(uri: string, header: JWSHeaderParameters, token: FlattenedJWSInput) {
    let entry = this.#entries.get(uri);
    if (entry === undefined) {
      entry = { local: null, fetchedAt: 0, attemptedAt: 0, inflight: null, lastError: null };
      this.#entries.set(uri, entry);
    }
    const now = this.#now();
    if (entry.local !== null && now - entry.fetchedAt > this.#options.maxStaleMs) {
      entry.local = null;
    }
    if (entry.local === null) {
      if (entry.inflight === null && now - entry.attemptedAt < this.#options.cooldownMs && entry.attemptedAt > 0) {
        throw new JwksUnavailable(`JWKS of ${uri} unavailable: ${entry.lastError ?? "no keys"}`);
      }
      await this.#refresh(uri, entry);
      if (entry.local === null) {
        throw new JwksUnavailable(`JWKS of ${uri} unavailable: ${entry.lastError ?? "no keys"}`);
      }
    } else if (now - entry.fetchedAt > this.#options.refreshAfterMs && this.#mayFetch(entry, now)) {
      void this.#refresh(uri, entry);
    }
    try {
      return await entry.local!(header, token);
    } catch (error) {
      // An unknown kid: the IdP may have rotated. Wait for a refresh under way, or start one.
      if (
        error instanceof joseErrors.JWKSNoMatchingKey &&
        (entry.inflight !== null || this.#mayFetch(entry, this.#now()))
      ) {
        await this.#refresh(uri, entry);
        return entry.local!(header, token);
      }
      throw error;
    }
  }

  #mayFetch(entry: Entry, now: number): boolean {
    return entry.inflight === null && now - entry.attemptedAt >= this.#options.cooldownMs;
  }

  #refresh(uri: string, entry: Entry): Promise<void> {
    if (entry.inflight !== null) {
      return entry.inflight;
    }
    entry.attemptedAt = this.#now();
    entry.inflight = (async () => {
      try {
        const res = await fetch(uri, {
          signal: AbortSignal.timeout(this.#options.timeoutMs),
          headers: { accept: "application/json" },
          redirect: "error",
        });
        if (!res.ok) {
          throw new Error(`HTTP ${res.status}`);
        }
        const jwks = (await res.json()) as JSONWebKeySet;
        if (!Array.isArray(jwks?.keys)) {
          throw new Error("not a JWKS");
        }
        // Only public keys matter for verification; drop anything else the endpoint returns.
        const keys = jwks.keys.filter((k) => typeof k === "object" && k !== null && !("d" in k));
        entry.local = createLocalJWKSet({ keys });
        entry.fetchedAt = this.#now();
        entry.lastError = null;
      } catch (error) {
        // Keep the last good keys: the IdP being down must not lock out valid tokens.
        entry.lastError = error instanceof Error ? error.message : String(error);
      } finally {
        entry.inflight = null;
      }
    })();
    return entry.inflight;
  }
}

/** One cache per process: every tenant's verifier and every bundle apply share it. */
export const remoteJwks = new RemoteJwksCache();
