import { describe, expect, it } from "vitest";
import { IpFilterConfig } from "./schema.js";

describe("ip-filter schema", () => {
  it("takes IPv4 and IPv6 addresses and blocks, defaults to the socket address", () => {
    expect(IpFilterConfig.parse({ allow: ["10.0.0.0/8", "2001:db8::/32", "::1"] })).toEqual({
      allow: ["10.0.0.0/8", "2001:db8::/32", "::1"],
      deny: [],
      trustXForwardedFor: false,
      trustedHops: 1,
    });
  });

  it("refuses junk and an empty filter", () => {
    expect(IpFilterConfig.safeParse({ deny: ["10.0.0.0/33"] }).error?.issues[0]?.message).toBe(
      "an IPv4 or IPv6 address or CIDR block",
    );
    expect(IpFilterConfig.safeParse({}).error?.issues[0]?.message).toBe("list at least one address in allow or deny");
  });
});
