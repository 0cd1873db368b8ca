import { describe, expect, it } from "vitest";
import { MtlsConfig } from "./schema.js";

const FP = Array.from({ length: 32 }, () => "AB").join(":");

describe("mtls schema", () => {
  it("binds certificates by fingerprint or common name, exactly one of them", () => {
    expect(MtlsConfig.parse({})).toEqual({ applications: [] });
    expect(
      MtlsConfig.parse({
        applications: [
          { fingerprint256: FP, applicationId: "app1" },
          { commonName: "client-a", applicationId: "app2" },
        ],
      }).applications,
    ).toHaveLength(2);
    expect(
      MtlsConfig.safeParse({ applications: [{ fingerprint256: FP, commonName: "x", applicationId: "a" }] }).error
        ?.issues[0]?.message,
    ).toBe("name exactly one of fingerprint256 or commonName");
    expect(MtlsConfig.safeParse({ applications: [{ applicationId: "a" }] }).success).toBe(false);
    expect(
      MtlsConfig.safeParse({ applications: [{ fingerprint256: "AB:CD", applicationId: "a" }] }).error?.issues[0]
        ?.message,
    ).toBe("a SHA-256 fingerprint such as AB:CD:…");
  });
});
