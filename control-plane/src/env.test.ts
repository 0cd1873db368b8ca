import { describe, expect, it } from "vitest";
import { readEnv } from "./env.js";

describe("control-plane environment", () => {
  it("reads analytics retention as durations, with defaults", () => {
    expect(readEnv({})).toMatchObject({
      PORTICO_ANALYTICS_RAW_RETENTION: 7 * 86_400_000,
      PORTICO_ANALYTICS_MINUTE_RETENTION: 31 * 86_400_000,
      PORTICO_ANALYTICS_HOUR_RETENTION: 400 * 86_400_000,
    });
    expect(
      readEnv({ PORTICO_ANALYTICS_RAW_RETENTION: "36h", PORTICO_ANALYTICS_MINUTE_RETENTION: "90m" }),
    ).toMatchObject({
      PORTICO_ANALYTICS_RAW_RETENTION: 36 * 3_600_000,
      PORTICO_ANALYTICS_MINUTE_RETENTION: 90 * 60_000,
    });
    expect(() => readEnv({ PORTICO_ANALYTICS_HOUR_RETENTION: "1y" })).toThrow(
      /PORTICO_ANALYTICS_HOUR_RETENTION: a duration like 90m, 36h or 7d/,
    );
    expect(() => readEnv({ PORTICO_SECRETS_KEY: "short" })).toThrow(/PORTICO_SECRETS_KEY: 32 bytes, base64-encoded/);
  });
});
