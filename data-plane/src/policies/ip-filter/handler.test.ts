import { describe, expect, it } from "vitest";
import { testDeps, testExchange } from "../testing.js";
import { createIpFilterHandler } from "./handler.js";

const filter = (config: Partial<Parameters<typeof createIpFilterHandler>[0]>) =>
  createIpFilterHandler({ allow: [], deny: [], trustXForwardedFor: false, trustedHops: 1, ...config }, testDeps());
const from = (ip: string, xff?: string) => testExchange(xff === undefined ? {} : { "x-forwarded-for": xff }, ip);

describe("ip-filter handler", () => {
  it("allows only the listed IPv4 and IPv6 blocks", () => {
    const f = filter({ allow: ["10.0.0.0/8", "2001:db8::/32", "192.168.1.7"] });
    expect(f.onRequest(from("10.1.2.3"))).toEqual({ ok: true });
    expect(f.onRequest(from("::ffff:10.1.2.3"))).toEqual({ ok: true });
    expect(f.onRequest(from("2001:db8:1::5"))).toEqual({ ok: true });
    expect(f.onRequest(from("192.168.1.7"))).toEqual({ ok: true });
    for (const ip of ["11.0.0.1", "192.168.1.8", "2001:db9::1", "::1"]) {
      expect(f.onRequest(from(ip)), ip).toMatchObject({ ok: false, code: "forbidden" });
    }
  });

  it("lets deny win over allow", () => {
    const f = filter({ allow: ["10.0.0.0/8"], deny: ["10.0.0.0/24"] });
    expect(f.onRequest(from("10.0.0.5"))).toMatchObject({ ok: false });
    expect(f.onRequest(from("10.0.1.5"))).toEqual({ ok: true });
  });

  it("reads X-Forwarded-For only when trusted, counting hops from the right", () => {
    const plain = filter({ deny: ["203.0.113.9"] });
    expect(plain.onRequest(from("127.0.0.1", "203.0.113.9"))).toEqual({ ok: true });
    const trusted = filter({ deny: ["203.0.113.9"], trustXForwardedFor: true });
    expect(trusted.onRequest(from("127.0.0.1", "1.1.1.1, 203.0.113.9"))).toMatchObject({ ok: false });
    // A client-forged left part does not matter; two proxies of ours: the second from the right.
    const twoHops = filter({ deny: ["203.0.113.9"], trustXForwardedFor: true, trustedHops: 2 });
    expect(twoHops.onRequest(from("127.0.0.1", "203.0.113.9, 198.51.100.1"))).toMatchObject({ ok: false });
    expect(twoHops.onRequest(from("127.0.0.1", "garbage"))).toMatchObject({ ok: false });
  });

  it("refuses a bad CIDR when the bundle is compiled", () => {
    expect(() => filter({ allow: ["10.0.0.300/8"] })).toThrow(/not an IP address/);
  });
});
