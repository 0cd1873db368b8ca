import { sha256Hex } from "@portico/shared/bundle";
import { describe, expect, it } from "vitest";
import { authenticateApiKey, indexApiKeys } from "./api-key.js";

const key = (k: string, extra: { allowedIps?: string[]; allowedReferrers?: string[]; expiresAt?: number } = {}) => ({
  id: `id-${k}`,
  hash: sha256Hex(k),
  applicationId: `app-${k}`,
  expiresAt: extra.expiresAt ?? null,
  allowedIps: extra.allowedIps ?? null,
  allowedReferrers: extra.allowedReferrers ?? null,
});

describe("API key restrictions", () => {
  const index = indexApiKeys([
    key("open"),
    key("ips", { allowedIps: ["10.0.0.0/8", "192.168.1.7", "2001:db8::/32"] }),
    key("refs", { allowedReferrers: ["https://app.example.com/*", "*.example.org", "exact.example.net"] }),
    key("old", { expiresAt: 100 }),
  ]);
  const auth = (k: string, client: { ip?: string; referer?: string }) => {
    if (!index.ok) {
      throw new Error(index.error);
    }
    const r = authenticateApiKey(index.value, k, 500, client);
    return r.ok ? r.value : r.error;
  };

  it("lets a key without restrictions in from anywhere", () => {
    expect(auth("open", {})).toBe("app-open");
  });

  it("checks the client address against IPs and CIDRs, IPv4-mapped addresses included", () => {
    expect(auth("ips", { ip: "10.1.2.3" })).toBe("app-ips");
    expect(auth("ips", { ip: "::ffff:10.1.2.3" })).toBe("app-ips");
    expect(auth("ips", { ip: "192.168.1.7" })).toBe("app-ips");
    expect(auth("ips", { ip: "2001:db8::1" })).toBe("app-ips");
    expect(auth("ips", { ip: "192.168.1.8" })).toBe("api-key-not-allowed");
    expect(auth("ips", { ip: "127.0.0.1" })).toBe("api-key-not-allowed");
    expect(auth("ips", {})).toBe("api-key-not-allowed");
  });

  it("checks the Referer against URL prefixes and host patterns", () => {
    expect(auth("refs", { referer: "https://app.example.com/page?x=1" })).toBe("app-refs");
    expect(auth("refs", { referer: "https://shop.example.org/" })).toBe("app-refs");
    expect(auth("refs", { referer: "http://exact.example.net/a" })).toBe("app-refs");
    expect(auth("refs", { referer: "https://app.example.com.evil.test/" })).toBe("api-key-not-allowed");
    expect(auth("refs", { referer: "https://example.org/" })).toBe("api-key-not-allowed");
    expect(auth("refs", { referer: "not a url" })).toBe("api-key-not-allowed");
    expect(auth("refs", {})).toBe("api-key-not-allowed");
  });

  it("refuses expired and unknown keys as invalid, and a bundle with a bad CIDR", () => {
    expect(auth("old", {})).toBe("invalid-api-key");
    expect(auth("nope", {})).toBe("invalid-api-key");
    expect(indexApiKeys([key("bad", { allowedIps: ["10.0.0.0/33"] })]).ok).toBe(false);
  });
});
