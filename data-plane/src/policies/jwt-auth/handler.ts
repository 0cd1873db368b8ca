import type { JwtAuthConfig } from "@portico/shared/policies";
import type { z } from "zod";
import type { VerifiedToken } from "../../auth/jwt.js";
import type { Exchange } from "../../http/exchange.js";
import { type Outcome, PASS, type PolicyDeps, type PolicyHandler, reject } from "../types.js";

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

const UNBOUND = reject("not-subscribed", "The token's client is not bound to an application");

function accept(ex: Exchange, token: VerifiedToken): Outcome {
  ex.consumedBearer = true;
  if (token.applicationId === null) {
    return UNBOUND;
  }
  ex.applicationId = token.applicationId;
  ex.scopes = token.scopes;
  ex.authenticated = true;
  return PASS;
}

/**
 * A `Bearer` token verified against the bundle's issuers authenticates its client's
 * application. A token seen before is answered from the verifier's cache without a promise.
 */
export function createJwtAuthHandler(_config: z.infer<typeof JwtAuthConfig>, deps: PolicyDeps): PolicyHandler {
  const tokens = deps.tenant.tokens;
  return {
    onRequest(ex) {
      if (ex.authenticated) {
        return PASS;
      }
      const authorization = ex.req.headers.authorization;
      if (authorization === undefined) {
        return PASS;
      }
      const nowS = Math.floor(ex.time / 1000);
      if (authorization.startsWith("Bearer ")) {
        // The usual spelling with a token seen before: no regular expression scanning the
        // whole token once more (a cached token has no white space to strip).
        const seen = tokens.peek(authorization.slice(7), nowS);
        if (seen !== undefined) {
          return accept(ex, seen);
        }
      }
      const bearer = BEARER.exec(authorization)?.[1];
      if (bearer === undefined) {
        return PASS;
      }
      const hit = tokens.peek(bearer, nowS);
      if (hit !== undefined) {
        return accept(ex, hit);
      }
      return tokens.check(bearer, nowS).then((r) => (r.ok ? accept(ex, r.value) : reject(r.error)));
    },
  };
}
