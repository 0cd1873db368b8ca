import { describe, expect, it } from "vitest";
import { ResponseCacheConfig } from "./schema.js";

describe("response-cache schema", () => {
  it("fills defaults, takes lower-case vary headers, bounds TTL and entry size", () => {
    expect(ResponseCacheConfig.parse({})).toEqual({
      ttlSeconds: 60,
      varyHeaders: [],
      perApplication: false,
      maxEntryBytes: 1024 * 1024,
    });
    expect(ResponseCacheConfig.parse({ varyHeaders: ["accept-language"] }).varyHeaders).toEqual(["accept-language"]);
    expect(ResponseCacheConfig.safeParse({ varyHeaders: ["Accept"] }).error?.issues[0]?.message).toBe(
      "a lower-case HTTP header name",
    );
    expect(ResponseCacheConfig.safeParse({ ttlSeconds: 0 }).success).toBe(false);
    expect(ResponseCacheConfig.safeParse({ ttlSeconds: 86_401 }).success).toBe(false);
    expect(ResponseCacheConfig.safeParse({ maxEntryBytes: 17 * 1024 * 1024 }).success).toBe(false);
  });
});
