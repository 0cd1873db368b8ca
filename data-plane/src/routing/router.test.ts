import { describe, expect, it } from "vitest";
import type { CompiledApi, CompiledTenant } from "../config/compile.js";
import { TenantStore } from "../config/store.js";
import { RequestMeters } from "../metrics.js";
import type { UpstreamGroup } from "../proxy/upstream.js";
import { route } from "./router.js";

const api = (id: string, basePath = ""): CompiledApi => ({
  id,
  productId: undefined,
  version: "v1",
  status: "PUBLISHED",
  authRequired: false,
  upstream: {} as UpstreamGroup,
  chain: [],
  resources: null,
  deprecationHeaders: null,
  basePath,
  prefix: "",
  meters: new RequestMeters(),
});

function storeWith(slug: string, apis: Record<string, CompiledApi>): TenantStore {
  const store = new TenantStore();
  const keys = Object.keys(apis);
  store.install({
    id: `id-${slug}`,
    slug,
    apis: new Map(Object.entries(apis)),
    maxRouteSegments: Math.max(...keys.map((k) => k.split("/").length)),
  } as unknown as CompiledTenant);
  return store;
}

describe("route", () => {
  const store = storeWith("acme", {
    "shop/pets/v1": api("pets", "/base"),
    "shop/v1": api("shop"),
    "open/v2": api("open"),
  });
  const match = (url: string) => {
    const r = route(store, url);
    return r.kind === "match" ? { api: r.api.id, upstreamPath: r.upstreamPath, resource: r.resource } : r.kind;
  };

  it("maps a multi-segment context and keeps the rest of the path and the query as sent", () => {
    expect(match("/t/acme/shop/pets/v1/items/42?a=1&b=%20")).toEqual({
      api: "pets",
      upstreamPath: "/base/items/42?a=1&b=%20",
      resource: "/items/42",
    });
  });

  it("distinguishes the API root with and without a trailing slash", () => {
    expect(match("/t/acme/shop/pets/v1")).toMatchObject({ upstreamPath: "/base", resource: "/" });
    expect(match("/t/acme/shop/pets/v1/")).toMatchObject({ upstreamPath: "/base/" });
    expect(match("/t/acme/open/v2")).toMatchObject({ upstreamPath: "/" });
    expect(match("/t/acme/open/v2?x=1")).toMatchObject({ upstreamPath: "/?x=1" });
  });

  it("prefers the longest context when one context is a prefix of another", () => {
    expect(match("/t/acme/shop/v1/x")).toMatchObject({ api: "shop", upstreamPath: "/x" });
    expect(match("/t/acme/shop/pets/v1/x")).toMatchObject({ api: "pets" });
  });

  it("matches context and version exactly", () => {
    expect(match("/t/acme/shop/pets/v10/x")).toBe("unknown-api");
    expect(match("/t/acme/Shop/pets/v1/x")).toBe("unknown-api");
    expect(match("/t/acme/shop/petsv1")).toBe("unknown-api");
  });

  it("tells an unknown tenant from an unknown API, and ignores paths outside /t/", () => {
    expect(match("/t/other/open/v2")).toBe("unknown-tenant");
    expect(match("/t/acme")).toBe("unknown-tenant");
    expect(match("/x/acme/open/v2")).toBe("unknown-tenant");
    expect(match("/abc/open/v2")).toBe("unknown-tenant");
  });

  it("refuses every way of climbing out of the API", () => {
    for (const url of [
      "/t/acme/open/v2/../../x",
      "/t/acme/open/v2/..",
      "/t/acme/open/v2/.",
      "/t/acme/open/v2/%2e%2e/x",
      "/t/acme/open/v2/%2E./x",
      "/t/acme/open/v2/a%2fb",
      "/t/acme/open/v2/a%5Cb",
      "/t/acme/open/v2/a\\b",
      "/t/acme/open/v2/a%00",
      "/t/acme/../other/open/v2",
    ]) {
      expect(match(url), url).toBe("invalid");
    }
  });

  it("lets dots inside a segment and in the query through", () => {
    expect(match("/t/acme/open/v2/file.tar.gz?next=../x")).toMatchObject({ upstreamPath: "/file.tar.gz?next=../x" });
    expect(match("/t/acme/open/v2/...")).toMatchObject({ upstreamPath: "/..." });
  });
});
