import { describe, expect, it } from "vitest";
import { parseEnv } from "./env.js";

describe("gateway environment", () => {
  it("applies the documented defaults", () => {
    const env = parseEnv({ PORTICO_BUNDLE_KEYS: "/etc/portico/keys.json" });
    expect(env).toMatchObject({
      port: 8000,
      host: "0.0.0.0",
      environment: "default",
      natsPrefix: "portico",
      natsUrl: undefined,
      workers: 1,
    });
    expect(env.gatewayId).toMatch(/^[a-zA-Z0-9_-]+-[0-9a-f]{8}$/);
  });

  it("derives a stable id per data dir and sanitises a given one for NATS subjects", () => {
    const a = parseEnv({ PORTICO_BUNDLE_KEYS: "k", PORTICO_DATA_DIR: "/tmp/a" });
    expect(parseEnv({ PORTICO_BUNDLE_KEYS: "k", PORTICO_DATA_DIR: "/tmp/a" }).gatewayId).toBe(a.gatewayId);
    expect(parseEnv({ PORTICO_BUNDLE_KEYS: "k", PORTICO_DATA_DIR: "/tmp/b" }).gatewayId).not.toBe(a.gatewayId);
    expect(parseEnv({ PORTICO_BUNDLE_KEYS: "k", PORTICO_GATEWAY_ID: "gw.eu west/1" }).gatewayId).toBe("gw-eu-west-1");
  });

  it("fails fast without bundle keys or with a bad port", () => {
    expect(() => parseEnv({})).toThrow();
    expect(() => parseEnv({ PORTICO_BUNDLE_KEYS: "k", PORTICO_GW_PORT: "http" })).toThrow();
  });

  it("runs the TLS listener only with a certificate and its key, and a client CA only beside them", () => {
    expect(parseEnv({ PORTICO_BUNDLE_KEYS: "k" }).tls).toBeUndefined();
    expect(
      parseEnv({
        PORTICO_BUNDLE_KEYS: "k",
        PORTICO_GW_TLS_CERT: "/c.pem",
        PORTICO_GW_TLS_KEY: "/k.pem",
        PORTICO_GW_TLS_CLIENT_CA: "/ca.pem",
      }).tls,
    ).toEqual({ port: 8443, certFile: "/c.pem", keyFile: "/k.pem", clientCaFile: "/ca.pem" });
    expect(() => parseEnv({ PORTICO_BUNDLE_KEYS: "k", PORTICO_GW_TLS_CERT: "/c.pem" })).toThrow(/together/);
    expect(() => parseEnv({ PORTICO_BUNDLE_KEYS: "k", PORTICO_GW_TLS_CLIENT_CA: "/ca.pem" })).toThrow(/needs/);
  });
});
