import { describe, expect, it } from "vitest";
import { parseEnv, withIdentity } from "./env.js";

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
    expect(withIdentity(parseEnv({}), undefined).ok).toBe(false);
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

  it("takes a registered gateway's id, environment, tenant and NATS settings from its identity", () => {
    const identity = {
      gatewayId: "rack4-0123456789ab",
      tenant: { id: "t-1", slug: "acme" },
      environment: { id: "e-1", name: "on-prem", busKey: "e-1" },
      nats: { servers: ["nats://a:4222", "nats://b:4222"], prefix: "p", domain: "hub", hasCreds: true },
      controlPlaneUrl: "http://cp",
      registeredAt: "2026-01-01T00:00:00.000Z",
      credsPath: "/data/gateway/nats.creds",
      bundleKeysPath: "/data/gateway/bundle-keys.json",
    };
    const env = withIdentity(parseEnv({ PORTICO_ENVIRONMENT: "other" }), identity);
    expect(env.ok && env.value).toMatchObject({
      gatewayId: "rack4-0123456789ab",
      environment: "e-1",
      tenant: "t-1",
      natsPrefix: "p",
      natsDomain: "hub",
      natsUrl: "nats://a:4222,nats://b:4222",
      natsCreds: "/data/gateway/nats.creds",
      bundleKeys: "/data/gateway/bundle-keys.json",
      inboxPrefix: "_INBOX_rack4-0123456789ab",
    });
    const leaf = withIdentity(parseEnv({ NATS_URL: "nats://127.0.0.1:4222" }), identity);
    expect(leaf.ok && leaf.value.natsUrl).toBe("nats://127.0.0.1:4222");
    expect(withIdentity(parseEnv({ PORTICO_GW_WORKERS: "2" }), identity).ok).toBe(false);
  });
});
