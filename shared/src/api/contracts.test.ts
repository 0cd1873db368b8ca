import { describe, expect, it } from "vitest";
import { Tier } from "../bundle/schema.js";
import { CreateTierRequest, Upstream } from "./index.js";

describe("tier contracts", () => {
  it("reads a tier of an older bundle (requestsPerMinute) as requests per minute", () => {
    expect(Tier.parse({ name: "Gold", requestsPerMinute: 5000, burst: null })).toEqual({
      name: "Gold",
      kind: "subscription",
      requests: 5000,
      unit: "minute",
      burst: null,
      quotaPerMonth: null,
      stopOnQuota: true,
    });
  });

  it("takes requestsPerMinute or requests with a unit, not both", () => {
    expect(CreateTierRequest.safeParse({ name: "A", requestsPerMinute: 10 }).success).toBe(true);
    expect(CreateTierRequest.safeParse({ name: "A", kind: "api", requests: 10, unit: "day" }).success).toBe(true);
    const both = CreateTierRequest.safeParse({ name: "A", requests: 10, requestsPerMinute: 10 });
    expect(both.error?.issues[0]?.message).toBe("give requests (with unit) or requestsPerMinute, not both");
    const none = CreateTierRequest.safeParse({ name: "A" });
    expect(none.error?.issues[0]?.message).toBe("give requests (null for no rate limit) or requestsPerMinute");
  });
});

describe("upstream contract", () => {
  it("keeps url alone valid and checks a group's endpoints against it", () => {
    expect(Upstream.parse({ url: "http://a.example/base" })).toEqual({ url: "http://a.example/base" });
    const group = Upstream.safeParse({
      url: "http://a.example/base",
      endpoints: [{ url: "http://b.example/other" }, { url: "ftp://c.example/base" }],
      perTryTimeoutMs: 5000,
      totalTimeoutMs: 1000,
    });
    expect(group.error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`)).toEqual([
      "endpoints.1.url: Invalid URL",
      "endpoints.0.url: every endpoint needs the path of url (/base) and no query",
      "perTryTimeoutMs: longer than totalTimeoutMs",
    ]);
  });
});
