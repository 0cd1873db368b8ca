import { describe, expect, it } from "vitest";
import type { GatewayResponse } from "../../http/response.js";
import { testDeps, testExchange } from "../testing.js";
import { createCorsHandler } from "./handler.js";

const config = {
  allowOrigins: ["https://app.example.com"],
  allowMethods: ["GET", "POST"] as ("GET" | "POST")[],
  allowHeaders: ["authorization"],
  exposeHeaders: ["x-total"],
  allowCredentials: true,
  maxAgeS: 60,
};

describe("cors handler", () => {
  const cors = createCorsHandler(config, testDeps());

  it("answers a preflight from an allowed origin itself, with 204", () => {
    const ex = testExchange({ origin: "https://app.example.com", "access-control-request-method": "POST" });
    const written: unknown[] = [];
    Object.assign(ex.req, { method: "OPTIONS" });
    Object.defineProperty(ex, "res", {
      value: {
        writeHead: (...a: unknown[]) => written.push(a),
        end: () => written.push("end"),
      } as unknown as GatewayResponse,
    });
    expect(cors.onRequest(ex)).toEqual({ ok: false, answered: true });
    const [status, headers] = written[0] as [number, string[]];
    expect(status).toBe(204);
    expect(headers).toEqual(
      expect.arrayContaining([
        "access-control-allow-origin",
        "https://app.example.com",
        "access-control-allow-methods",
        "GET, POST",
      ]),
    );
  });

  it("adds the headers to other requests of an allowed origin, and nothing for others", () => {
    const ex = testExchange({ origin: "https://app.example.com" });
    expect(cors.onRequest(ex)).toEqual({ ok: true });
    expect(ex.responseHeaders).toEqual([
      "access-control-allow-origin",
      "https://app.example.com",
      "vary",
      "Origin",
      "access-control-allow-credentials",
      "true",
      "access-control-expose-headers",
      "x-total",
    ]);
    const other = testExchange({ origin: "https://evil.example.com" });
    expect(cors.onRequest(other)).toEqual({ ok: true });
    expect(other.responseHeaders).toBeNull();
  });
});
