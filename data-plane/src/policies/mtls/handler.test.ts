import { describe, expect, it } from "vitest";
import { testDeps, testExchange } from "../testing.js";
import { createMtlsHandler } from "./handler.js";

const FP_B = Array.from({ length: 32 }, () => "BB").join(":");

/** An exchange on a TLS socket whose peer certificate the listener did (or did not) verify. */
function over(tls: { authorized: boolean; cn?: string; fingerprint256?: string } | null) {
  const ex = testExchange();
  if (tls !== null) {
    let asked = 0;
    Object.assign(ex.req.socket, {
      encrypted: true,
      authorized: tls.authorized,
      getPeerCertificate: () => {
        asked++;
        return { subject: { CN: tls.cn }, fingerprint256: tls.fingerprint256 ?? FP_B.replace(/B/g, "C") };
      },
      asked: () => asked,
    });
  }
  return ex;
}

const handler = createMtlsHandler(
  {
    applications: [
      { commonName: "client-a", applicationId: "app-a" },
      { fingerprint256: FP_B.toLowerCase(), applicationId: "app-b" },
    ],
  },
  testDeps(),
);

describe("mtls handler", () => {
  it("401 without TLS or without a verified certificate", () => {
    for (const ex of [over(null), over({ authorized: false, cn: "client-a" })]) {
      expect(handler.onRequest(ex)).toMatchObject({ ok: false, code: "unauthorized" });
      expect(ex.authenticated).toBe(false);
    }
  });

  it("authenticates the application bound by fingerprint or common name; an unbound one only passes", () => {
    const a = over({ authorized: true, cn: "client-a" });
    expect(handler.onRequest(a)).toEqual({ ok: true });
    expect([a.applicationId, a.authenticated]).toEqual(["app-a", true]);
    const b = over({ authorized: true, cn: "client-a", fingerprint256: FP_B });
    expect(handler.onRequest(b)).toEqual({ ok: true });
    expect(b.applicationId).toBe("app-b");
    const c = over({ authorized: true, cn: "someone" });
    expect(handler.onRequest(c)).toEqual({ ok: true });
    expect([c.applicationId, c.authenticated]).toEqual([null, false]);
  });

  it("reads a connection's certificate once", () => {
    const ex = over({ authorized: true, cn: "client-a" });
    handler.onRequest(ex);
    handler.onRequest(ex);
    expect((ex.req.socket as unknown as { asked(): number }).asked()).toBe(1);
  });
});
