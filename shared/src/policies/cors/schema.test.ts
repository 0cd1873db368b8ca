import { describe, expect, it } from "vitest";
import { CorsConfig } from "./schema.js";

describe("cors schema", () => {
  it("fills defaults and refuses credentials for any origin", () => {
    expect(CorsConfig.parse({ allowOrigins: ["https://a.example"] })).toMatchObject({
      allowCredentials: false,
      maxAgeS: 600,
    });
    expect(CorsConfig.safeParse({ allowOrigins: ["*"], allowCredentials: true }).error?.issues[0]?.message).toBe(
      "credentials cannot be allowed for any origin (*)",
    );
    expect(CorsConfig.safeParse({ allowOrigins: ["a.example/x"] }).success).toBe(false);
  });
});
