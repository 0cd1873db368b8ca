import type { BundleApi, BundleResource } from "@portico/shared/bundle";
import type { Policy } from "@portico/shared/policies";
import { describe, expect, it } from "vitest";
import { RateLimiter } from "../traffic/rate-limit.js";
import {
  buildChain,
  compileResources,
  effectivePolicies,
  matchResource,
  NO_METHOD,
  NO_PATH,
  runChain,
} from "./chain.js";
import { testDeps, testExchange } from "./testing.js";

const kinds = (ps: Policy[]) => ps.map((p) => p.kind);
const ctx = () => ({ ...testDeps(), apiId: "api-1", attachedTo: "", limiter: new RateLimiter() });

describe("policy chain", () => {
  it("gives an API with auth on API key, JWT, subscription and its tier limit by default", () => {
    expect(kinds(effectivePolicies([], true))).toEqual(["key-auth", "jwt-auth", "subscription", "rate-limit"]);
  });

  it("keeps only the authentication the API names", () => {
    const ps = effectivePolicies([{ kind: "key-auth", enabled: true, config: { header: "apikey" } }], true);
    expect(kinds(ps)).toEqual(["key-auth", "subscription", "rate-limit"]);
  });

  it("drops authentication and authorisation when auth is off, and disabled policies always", () => {
    const declared: Policy[] = [
      { kind: "scopes", enabled: true, config: { scopes: ["a"] } },
      { kind: "rate-limit", enabled: true, config: { by: "ip", limit: 5, windowMs: 60_000, shared: false } },
      { kind: "request-size", enabled: false, config: { maxBytes: 5 } },
    ];
    expect(kinds(effectivePolicies(declared, false))).toEqual(["rate-limit"]);
  });

  it("runs in phase order whatever the declaration order, with a 401 gate after authentication", async () => {
    const chain = buildChain(
      [
        { kind: "rate-limit", enabled: true, config: { by: "ip", limit: 100, windowMs: 60_000, shared: false } },
        { kind: "key-auth", enabled: true, config: { header: "x-api-key" } },
      ],
      ctx(),
    );
    expect(chain).toHaveLength(3);
    expect(runChain(chain, testExchange())).toMatchObject({ ok: false, code: "unauthorized" });
    const ex = testExchange({ "x-api-key": "good-key" });
    expect(runChain(chain, ex)).toEqual({ ok: true });
    expect(ex.rate?.remaining).toBe(99);
  });

  it("refuses a policy config its module cannot build", () => {
    expect(() =>
      buildChain([{ kind: "rate-limit", enabled: true, config: { by: "ip", windowMs: 60_000, shared: false } }], ctx()),
    ).toThrow(/no limit/);
  });
});

describe("resource matching", () => {
  const resource = (method: BundleResource["method"], path: string): BundleResource => ({
    method,
    path,
    authRequired: true,
    scopes: [],
    policies: [],
  });
  const api = {
    resources: [
      resource("GET", "/pets"),
      resource("POST", "/pets"),
      resource("GET", "/pets/{petId}"),
      resource("GET", "/pets/{petId}/photos/{n}"),
      resource("GET", "/a.b/(x)"),
    ],
  } as BundleApi;
  const table = compileResources(api, () => []);

  it("matches literal and templated paths by method, HEAD as GET", () => {
    if (table === null) {
      throw new Error("no table");
    }
    const hit = (path: string, method = "GET") => {
      const r = matchResource(table, path, method);
      return typeof r === "number" ? r : r.template;
    };
    expect(hit("/pets")).toBe("/pets");
    expect(hit("/pets", "POST")).toBe("/pets");
    expect(hit("/pets/42")).toBe("/pets/{petId}");
    expect(hit("/pets/42", "HEAD")).toBe("/pets/{petId}");
    expect(hit("/pets/42/photos/1")).toBe("/pets/{petId}/photos/{n}");
    expect(hit("/a.b/(x)")).toBe("/a.b/(x)");
    expect(hit("/aXb/(x)")).toBe(NO_PATH);
    expect(hit("/pets/42/photos")).toBe(NO_PATH);
    expect(hit("/pets//")).toBe(NO_PATH);
    expect(hit("/pets/42", "DELETE")).toBe(NO_METHOD);
  });

  it("refuses the same operation twice and means 'no restriction' without resources", () => {
    expect(() =>
      compileResources({ resources: [resource("GET", "/x"), resource("GET", "/x")] } as BundleApi, () => []),
    ).toThrow(/listed twice/);
    expect(compileResources({ resources: [] as BundleResource[] } as BundleApi, () => [])).toBeNull();
  });
});
