import type { BundleContent } from "@portico/shared/bundle";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, API_KEY_UNSUBSCRIBED, call, deployedGateway, expectProblem, waitFor } from "./harness.js";

type DraftProduct = NonNullable<BundleContent["products"]>[number];

/**
 * A product of two operations of two APIs (`shop/pets` under `/base`, `open` at the root),
 * subscribed to by app2, whose only subscription to `shop/pets` itself is BLOCKED.
 */
const bundleProduct = (upstream: string, over: Partial<DraftProduct> = {}): DraftProduct => ({
  id: "prod_bundle",
  name: "bundle",
  context: "bundle",
  version: "v1",
  status: "PUBLISHED",
  revision: { id: "prodrev_1", number: 1 },
  apis: [
    { id: "api_pets", version: "v1", upstream: { url: `${upstream}/base` } },
    {
      id: "api_open",
      version: "v1",
      upstream: { url: upstream },
      policies: [{ kind: "header-transform", config: { request: { add: { "x-api": "open" } } } }],
    },
  ],
  resources: [
    { apiId: "api_pets", method: "GET", path: "/dogs/{id}" },
    { apiId: "api_open", method: "GET", path: "/ping", scopes: ["ping"] },
    { apiId: "api_open", method: "POST", path: "/ping" },
  ],
  ...over,
});

describe("API products at the gateway", () => {
  let t: Awaited<ReturnType<typeof deployedGateway>>;
  let version = 1;
  const app2 = { "x-api-key": API_KEY_UNSUBSCRIBED };

  const redeploy = async (products: DraftProduct[], tier = "Tiny") => {
    version++;
    const before = t.acks.messages.length;
    await t.deploy(version, {
      products,
      extraSubscriptions: [
        { id: "sub_bundle", applicationId: "app2", productId: "prod_bundle", tier, status: "ACTIVE" },
      ],
    });
    return waitFor(() => t.acks.messages.slice(before).find((a) => a.version === version), 10_000, "ack");
  };

  beforeAll(async () => {
    t = await deployedGateway();
    expect((await redeploy([bundleProduct(t.upstream.origin)], "Unlimited")).ok).toBe(true);
  });
  afterAll(() => t?.close());

  it("proxies each resource to its API's upstream with that API's and resource's policies", async () => {
    const dogs = await call(`${t.gw.url}/t/acme/bundle/v1/dogs/7?x=1`, { headers: app2 });
    expect(dogs.status).toBe(200);
    expect(dogs.json()).toMatchObject({ method: "GET", url: "/base/dogs/7?x=1" });
    expect(dogs.json().headers["x-forwarded-prefix"]).toBe("/t/acme/bundle/v1");
    const pinged = await call(`${t.gw.url}/t/acme/bundle/v1/ping`, { method: "POST", headers: app2 });
    expect(pinged.status).toBe(200);
    expect(pinged.json()).toMatchObject({ method: "POST", url: "/ping" });
    expect(pinged.json().headers["x-api"]).toBe("open");
    // The resource's scopes hold through the product.
    expectProblem(await call(`${t.gw.url}/t/acme/bundle/v1/ping`, { headers: app2 }), 403, "insufficient-scope");
  });

  it("answers 404 outside its resources and 403 to applications not subscribed to it", async () => {
    expectProblem(await call(`${t.gw.url}/t/acme/bundle/v1/cats`, { headers: app2 }), 404, "resource-not-found");
    expectProblem(await call(`${t.gw.url}/t/acme/bundle/v1/dogs`, { headers: app2 }), 404, "resource-not-found");
    // app1 is subscribed to shop/pets, not to the product; app2 the other way round.
    expectProblem(
      await call(`${t.gw.url}/t/acme/bundle/v1/dogs/7`, { headers: { "x-api-key": API_KEY } }),
      403,
      "not-subscribed",
    );
    expect((await call(`${t.gw.url}/t/acme/shop/pets/v1/dogs/7`, { headers: { "x-api-key": API_KEY } })).status).toBe(
      200,
    );
    expectProblem(await call(`${t.gw.url}/t/acme/shop/pets/v1/dogs/7`, { headers: app2 }), 403, "not-subscribed");
    expectProblem(await call(`${t.gw.url}/t/acme/bundle/v1/dogs/7`), 401, "unauthorized");
  });

  it("limits by the product subscription's tier and follows the product's lifecycle", async () => {
    expect((await redeploy([bundleProduct(t.upstream.origin)])).ok).toBe(true);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await call(`${t.gw.url}/t/acme/bundle/v1/dogs/1`, { headers: app2 })).status);
    }
    // Tiny: a bucket of 3, refilled one a second.
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses).toContain(429);
    expect((await redeploy([bundleProduct(t.upstream.origin, { status: "BLOCKED" })])).ok).toBe(true);
    expectProblem(
      await call(`${t.gw.url}/t/acme/bundle/v1/ping`, { method: "POST", headers: app2 }),
      503,
      "api-blocked",
    );
    expect((await redeploy([bundleProduct(t.upstream.origin, { status: "RETIRED" })])).ok).toBe(true);
    expectProblem(
      await call(`${t.gw.url}/t/acme/bundle/v1/ping`, { method: "POST", headers: app2 }),
      404,
      "api-not-found",
    );
  });

  it("refuses a bundle whose product clashes with an API or names an API it does not carry", async () => {
    const clash = await redeploy([bundleProduct(t.upstream.origin, { context: "shop/pets" })]);
    expect(clash).toMatchObject({ ok: false });
    expect(clash.ok === false && clash.detail).toContain("two APIs or products serve shop/pets/v1");
    const stray = await redeploy([
      bundleProduct(t.upstream.origin, { resources: [{ apiId: "api_elsewhere", method: "GET", path: "/x" }] }),
    ]);
    expect(stray.ok === false && stray.detail).toContain("which the product does not carry");
    // The last good bundle keeps serving.
    expect((await call(`${t.gw.url}/t/acme/shop/pets/v1/dogs/7`, { headers: { "x-api-key": API_KEY } })).status).toBe(
      200,
    );
  });
});
