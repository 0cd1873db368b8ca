import { err, ok, type Result } from "@portico/shared";
import type { DeploymentBundle } from "@portico/shared/bundle";
import {
  createLocalJWKSet,
  decodeJwt,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
  errors as joseErrors,
  jwtVerify,
} from "jose";
import { type RemoteJwksCache, remoteJwks } from "./remote-jwks.js";

const CLOCK_TOLERANCE_S = 30;
const CACHE_MAX = 10_000;

interface IssuerCheck {
  keys: JWTVerifyGetKey;
  options: JWTVerifyOptions;
  clientIdClaim: string;
  scopeClaim: string;
}

/** What the gateway needs of a valid token: who it speaks for, and what it may do. */
export interface VerifiedToken {
  /** null when the token is genuine but names a client no application owns */
  applicationId: string | null;
  clientId: string | null;
  issuer: string;
  /** From the issuer's scope claim (space-separated string or array of strings). */
  scopes: readonly string[];
  exp: number;
  jti: string | undefined;
}

function readScopes(value: unknown): string[] {
  if (typeof value === "string") {
    return value.split(" ").filter((s) => s !== "");
  }
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === "string" && s !== "") : [];
}

export type TokenFailure = "invalid-token" | "upstream-unavailable";

/** A verified token with the whole token it was verified as. */
interface CachedToken {
  readonly token: string;
  readonly verified: VerifiedToken;
}

/**
 * The cache key of a token: its signature, the part after the last dot. Hashing a whole token
 * (near a kilobyte) on every request costs about as much as the rest of the lookup; the
 * signature is a tenth of it, and an entry only counts when the whole token matches too.
 */
const cacheKey = (token: string) => token.slice(token.lastIndexOf(".") + 1);

/**
 * Validates access tokens locally against one bundle's issuers. Built once per bundle apply
 * (key sets included), so a new bundle also starts with an empty cache: a token accepted under
 * the old issuers or clients is checked again under the new ones.
 */
export class TokenVerifier {
  readonly #issuers: ReadonlyMap<string, IssuerCheck>;
  /** `${issuer}\n${clientId}` → applicationId */
  readonly #clients: ReadonlyMap<string, string>;
  readonly #revoked: ReadonlySet<string>;
  /** cacheKey(token) → the token and what it was verified as */
  readonly #cache = new Map<string, CachedToken>();

  private constructor(issuers: Map<string, IssuerCheck>, clients: Map<string, string>, revoked: Set<string>) {
    this.#issuers = issuers;
    this.#clients = clients;
    this.#revoked = revoked;
  }

  /** `jwks` caches external issuers' keys across bundles (one per process by default). */
  static create(bundle: DeploymentBundle, jwks: RemoteJwksCache = remoteJwks): Result<TokenVerifier, string> {
    const issuers = new Map<string, IssuerCheck>();
    for (const i of bundle.issuers) {
      let keys: JWTVerifyGetKey;
      try {
        if (i.jwks) {
          keys = createLocalJWKSet(i.jwks as Parameters<typeof createLocalJWKSet>[0]);
        } else if (i.jwksUri) {
          keys = jwks.keySet(i.jwksUri);
        } else {
          return err(`issuer ${i.issuer} has neither jwks nor jwksUri`);
        }
      } catch (error) {
        return err(`issuer ${i.issuer}: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (issuers.has(i.issuer)) {
        return err(`issuer ${i.issuer} is listed twice`);
      }
      issuers.set(i.issuer, {
        keys,
        clientIdClaim: i.clientIdClaim,
        scopeClaim: i.scopeClaim,
        options: {
          issuer: i.issuer,
          audience: i.audience,
          // The schema's enum already excludes "none" and HMAC; the allow-list keeps it that way.
          algorithms: [...i.algorithms],
          clockTolerance: CLOCK_TOLERANCE_S,
          requiredClaims: ["exp"],
        },
      });
    }
    const clients = new Map(bundle.clients.map((c) => [`${c.issuer}\n${c.clientId}`, c.applicationId]));
    return ok(new TokenVerifier(issuers, clients, new Set(bundle.revokedTokens.map((t) => t.jti))));
  }

  /** The application the token was issued to (null: valid token, unknown client). */
  async verify(token: string, nowS: number): Promise<Result<string | null, TokenFailure>> {
    const r = await this.check(token, nowS);
    return r.ok ? ok(r.value.applicationId) : r;
  }

  /** A token verified before and still good, without a promise: the hot path's common case. */
  peek(token: string, nowS: number): VerifiedToken | undefined {
    const cached = this.#cache.get(cacheKey(token));
    if (cached === undefined || cached.token !== token) {
      return undefined;
    }
    const v = cached.verified;
    return v.exp > nowS && (v.jti === undefined || !this.#revoked.has(v.jti)) ? v : undefined;
  }

  /** Verifies the token (cache first): its application, client and scopes (the issuer's scope claim mapping applied). */
  async check(token: string, nowS: number): Promise<Result<VerifiedToken, TokenFailure>> {
    const known = this.peek(token, nowS);
    if (known !== undefined) {
      return ok(known);
    }
    const key = cacheKey(token);
    if (this.#cache.get(key)?.token === token) {
      // expired or revoked: a token with only the same signature leaves the entry alone
      this.#cache.delete(key);
    }
    let iss: string | undefined;
    try {
      // Unverified, only to pick the issuer whose keys and rules then verify it.
      iss = decodeJwt(token).iss;
    } catch {
      return err("invalid-token");
    }
    const issuer = iss === undefined ? undefined : this.#issuers.get(iss);
    if (issuer === undefined) {
      return err("invalid-token");
    }
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, issuer.keys, issuer.options));
    } catch (error) {
      return err(isKeyFetchFailure(error) ? "upstream-unavailable" : "invalid-token");
    }
    const jti = typeof payload.jti === "string" ? payload.jti : undefined;
    if (jti !== undefined && this.#revoked.has(jti)) {
      return err("invalid-token");
    }
    const claimed = payload[issuer.clientIdClaim];
    const clientId = typeof claimed === "string" ? claimed : null;
    const applicationId = clientId === null ? null : (this.#clients.get(`${iss}\n${clientId}`) ?? null);
    if (this.#cache.size >= CACHE_MAX) {
      // Maps iterate in insertion order: this evicts the oldest entry.
      const oldest = this.#cache.keys().next();
      if (!oldest.done) {
        this.#cache.delete(oldest.value);
      }
    }
    const verified: VerifiedToken = {
      applicationId,
      clientId,
      issuer: iss as string,
      scopes: readScopes(payload[issuer.scopeClaim]),
      exp: payload.exp as number,
      jti,
    };
    this.#cache.set(key, { token, verified });
    return ok(verified);
  }
}

/** The issuer's key endpoint failed: the token may be fine, so this is not the client's fault. */
function isKeyFetchFailure(error: unknown): boolean {
  return error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError);
}
