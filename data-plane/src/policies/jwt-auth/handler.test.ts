import { ok } from "@portico/shared";
import { describe, expect, it } from "vitest";
import type { TokenVerifier, VerifiedToken } from "../../auth/jwt.js";
import { testDeps, testExchange } from "../testing.js";
import { createJwtAuthHandler } from "./handler.js";

const token = (applicationId: string | null, scopes: string[] = []): VerifiedToken => ({
  applicationId,
  clientId: "cid_1",
  issuer: "https://issuer.test",
  exp: 4_000_000_000,
  jti: "j",
  scopes,
});

/** A verifier that knows one cached token ("hot") and verifies another ("cold") asynchronously. */
const verifier = {
  peek: (t: string) => (t === "hot" ? token("app1", ["a"]) : undefined),
  check: async (t: string) =>
    t === "cold" ? ok(token("app2", ["b"])) : t === "orphan" ? ok(token(null)) : { ok: false, error: "invalid-token" },
} as unknown as TokenVerifier;

describe("jwt-auth handler", () => {
  const handler = createJwtAuthHandler({}, testDeps({ tokens: verifier }));
  const bearer = (t: string) => testExchange({ authorization: `Bearer ${t}` });

  it("answers a cached token synchronously with its application and scopes", () => {
    const ex = bearer("hot");
    expect(handler.onRequest(ex)).toEqual({ ok: true });
    expect(ex).toMatchObject({ applicationId: "app1", scopes: ["a"], authenticated: true, consumedBearer: true });
  });

  it("takes the scheme in any case and white space around the token", () => {
    for (const authorization of ["bearer hot", "Bearer  hot", "BEARER\thot "]) {
      const ex = testExchange({ authorization });
      expect(handler.onRequest(ex)).toEqual({ ok: true });
      expect(ex.applicationId).toBe("app1");
    }
  });

  it("verifies an unseen token asynchronously", async () => {
    const ex = bearer("cold");
    const pending = handler.onRequest(ex);
    expect(pending).toBeInstanceOf(Promise);
    expect(await pending).toEqual({ ok: true });
    expect(ex.applicationId).toBe("app2");
  });

  it("refuses a bad token, and a good one whose client no application owns", async () => {
    expect(await handler.onRequest(bearer("forged"))).toMatchObject({ ok: false, code: "invalid-token" });
    expect(await handler.onRequest(bearer("orphan"))).toMatchObject({ ok: false, code: "not-subscribed" });
  });

  it("passes requests without a Bearer credential on to the auth gate", () => {
    const cases: Record<string, string>[] = [{}, { authorization: "Basic abc" }, { authorization: "Bearer" }];
    for (const headers of cases) {
      const ex = testExchange(headers);
      expect(handler.onRequest(ex)).toEqual({ ok: true });
      expect(ex.authenticated).toBe(false);
    }
  });
});
