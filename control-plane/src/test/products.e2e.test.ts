import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, expectProblem, signupTenant, type TestControlPlane } from "./harness.js";
import { accessToken, publishedApi, served as servedBy, startTestStack, type TestStack, until } from "./journey.js";

/**
 * API products end to end: two APIs, a product with one operation of each, applications
 * subscribed to the product, calls through the real gateway; then what the control plane
 * refuses, and what another tenant cannot do with the product.
 */
let stack: TestStack;
let t: TestControlPlane;
let gw: Client;
let upstream: TestStack["upstream"];

beforeAll(async () => {
  stack = await startTestStack("products-gw-1");
  ({ t, gw, upstream } = stack);
});
afterAll(() => stack?.close());

const served = (path: string, headers: Record<string, string>, status = 200) => servedBy(gw, path, headers, status);

/** Two published, deployed APIs with declared resources, and a product of one resource of each. */
async function productFixture(token: string) {
  const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
  const orders = (
    await publishedApi(t, token, {
      context: "orders",
      upstreamUrl: `${upstream.url}/orders-base`,
      resources: [
        {
          method: "GET",
          path: "/orders/{id}",
          policies: [
            { kind: "header-transform", enabled: true, config: { request: { add: { "x-resource": "order" } } } },
          ],
        },
        { method: "POST", path: "/orders" },
      ],
    })
  ).api;
  const stock = (
    await publishedApi(t, token, {
      context: "stock",
      upstreamUrl: `${upstream.url}/stock-base`,
      resources: [
        { method: "GET", path: "/items" },
        { method: "GET", path: "/items/{sku}" },
        { method: "POST", path: "/reservations", scopes: ["stock:reserve"] },
      ],
    })
  ).api;
  expect((await call("POST", "/api/v1/tiers", { name: "Tiny", requestsPerMinute: 3 })).status).toBe(201);
  const created = await call("POST", "/api/v1/products", {
    name: "Shop bundle",
    context: "bundle",
    version: "v1",
    resources: [
      { apiId: orders.id, method: "GET", path: "/orders/{id}" },
      { apiId: stock.id, method: "GET", path: "/items" },
      { apiId: stock.id, method: "POST", path: "/reservations" },
    ],
    tiers: ["Gold", "Tiny"],
  });
  expect(created.status).toBe(201);
  const product = created.body;
  expect(product).toMatchObject({ status: "CREATED", context: "bundle", version: "v1", tiers: ["Gold", "Tiny"] });
  expect((await call("POST", `/api/v1/products/${product.id}/lifecycle`, { action: "publish" })).body.status).toBe(
    "PUBLISHED",
  );
  const rev = await call("POST", `/api/v1/products/${product.id}/revisions`);
  expect(rev.status).toBe(201);
  const dep = await call("POST", `/api/v1/products/${product.id}/deployments`, {
    revisionId: rev.body.id,
    environment: "default",
  });
  expect(dep.status).toBe(201);
  expect(dep.body).toMatchObject({ productId: product.id, revisionNumber: 1, environment: "default" });
  return { orders, stock, product, revision: rev.body };
}

/** An application with an API key, subscribed to the product with `tier`. */
async function productApp(token: string, productId: string, tier: string) {
  const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token, body });
  const app = (await call("POST", "/api/v1/applications", { name: `product-app-${tier}` })).body;
  const key = (await call("POST", `/api/v1/applications/${app.id}/api-keys`)).body.key as string;
  const sub = await call("POST", "/api/v1/subscriptions", { applicationId: app.id, productId, tier });
  expect(sub.status).toBe(201);
  expect(sub.body).toMatchObject({ productId, tier, status: "ACTIVE" });
  expect(sub.body.apiId).toBeUndefined();
  return { app, key, subscription: sub.body };
}

describe("an API product through the gateway", () => {
  it("serves its resources from each API's upstream and nothing else", async () => {
    const { token, slug } = await signupTenant(t.api);
    const { orders, stock, product } = await productFixture(token);
    const { app, key, subscription } = await productApp(token, product.id, "Gold");
    const headers = { "x-api-key": key };
    const base = `/t/${slug}/bundle/v1`;

    await served(`${base}/orders/7?full=1`, headers);
    upstream.seen.length = 0;
    const order = await gw.call("GET", `${base}/orders/7?full=1`, { headers });
    expect(order.status).toBe(200);
    // The resource's own policy ran, and the API's upstream got the path below the product.
    expect(upstream.seen.at(-1)).toMatchObject({ method: "GET", url: "/orders-base/orders/7?full=1" });
    expect(upstream.seen.at(-1)!.headers["x-resource"]).toBe("order");
    expect(upstream.seen.at(-1)!.headers["x-forwarded-prefix"]).toBe(base);
    const items = await gw.call("GET", `${base}/items`, { headers });
    expect(items.status).toBe(200);
    expect(upstream.seen.at(-1)).toMatchObject({ method: "GET", url: "/stock-base/items" });

    // JWTs of the application work the same way.
    const creds = (await t.api.call("POST", `/api/v1/applications/${app.id}/credentials`, { token })).body;
    const jwt = await accessToken(t, slug, creds);
    await served(`${base}/items`, { authorization: `Bearer ${jwt}` });
    // The resource's scopes hold through the product, and the product subscription grants them.
    const reserve = (bearer: string) =>
      gw.call("POST", `${base}/reservations`, { headers: { authorization: `Bearer ${bearer}` }, body: {} });
    expectProblem(await reserve(jwt), 403, "insufficient-scope");
    const reserved = await reserve(await accessToken(t, slug, creds, "stock:reserve"));
    expect(reserved.status).toBe(200);
    expect(upstream.seen.at(-1)).toMatchObject({ method: "POST", url: "/stock-base/reservations" });

    // Operations of the APIs the product does not include.
    expectProblem(await gw.call("GET", `${base}/items/abc`, { headers }), 404, "resource-not-found");
    expectProblem(await gw.call("POST", `${base}/orders`, { headers, body: {} }), 404, "resource-not-found");
    // The product's subscription does not open the APIs themselves.
    upstream.seen.length = 0;
    expectProblem(await gw.call("GET", `/t/${slug}/orders/v1/orders/7`, { headers }), 403, "not-subscribed");
    expectProblem(await gw.call("GET", `/t/${slug}/stock/v1/items`, { headers }), 403, "not-subscribed");
    expect(upstream.seen).toEqual([]);

    // Analytics name the product and the API that owns each resource.
    const counted = await until(async () => {
      const res = (await t.api.call("GET", `/api/v1/analytics/requests?productId=${product.id}`, { token })).body;
      return res.totals.count >= 4 ? res : undefined;
    }, "product analytics");
    expect(counted.totals.count).toBeGreaterThanOrEqual(4);
    const rows = await t.cp.database.system.execute<{ api_id: string; n: number }>(
      sql`select api_id, count(*)::int as n from analytics_events where product_id = ${product.id} and status = 200 group by api_id`,
    );
    expect(new Set(rows.map((r) => r.api_id))).toEqual(new Set([orders.id, stock.id]));

    // Blocking the subscription refuses it from the next bundle; unblocking serves again.
    const block = await t.api.call("PATCH", `/api/v1/subscriptions/${subscription.id}`, {
      token,
      body: { status: "BLOCKED" },
    });
    expect(block.status).toBe(200);
    expectProblem(await served(`${base}/items`, headers, 403), 403, "not-subscribed");
    await t.api.call("PATCH", `/api/v1/subscriptions/${subscription.id}`, { token, body: { status: "ACTIVE" } });
    await served(`${base}/items`, headers);

    // Blocking the product answers 503 for everyone; retiring it takes it off the gateway.
    const life = (action: string) =>
      t.api.call("POST", `/api/v1/products/${product.id}/lifecycle`, { token, body: { action } });
    expect((await life("block")).status).toBe(200);
    expectProblem(await served(`${base}/items`, headers, 503), 503, "api-blocked");
    expect((await life("deprecate")).status).toBe(200);
    const deprecated = await served(`${base}/items`, headers);
    expect(deprecated.headers.get("deprecation")).toMatch(/^@\d+$/);
    expect((await life("retire")).status).toBe(200);
    expectProblem(await served(`${base}/items`, headers, 404), 404, "api-not-found");
    // The APIs are untouched by all of it.
    expect((await t.api.call("GET", `/api/v1/apis/${orders.id}`, { token })).body.status).toBe("PUBLISHED");
  });

  it("limits each application by the product subscription's tier, and waits for approval when asked", async () => {
    const { token, slug } = await signupTenant(t.api);
    const { product } = await productFixture(token);
    const tiny = await productApp(token, product.id, "Tiny");
    const path = `/t/${slug}/bundle/v1/items`;
    await served(path, { "x-api-key": tiny.key });
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<Client["call"]>> | undefined;
    for (let i = 0; i < 5; i++) {
      const res = await gw.call("GET", path, { headers: { "x-api-key": tiny.key } });
      statuses.push(res.status);
      limited = res.status === 429 ? res : limited;
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(3);
    expectProblem(limited!, 429, "rate-limited");
    expect(limited!.headers.get("ratelimit-limit")).toBe("3");

    // A tier the product does not offer is refused, as is a second subscription.
    const call = (method: string, p: string, body?: unknown) => t.api.call(method, p, { token, body });
    const res = await call("POST", "/api/v1/subscriptions", {
      applicationId: tiny.app.id,
      productId: product.id,
      tier: "Unlimited",
    });
    expectProblem(res, 400, "validation-failed");
    expect(res.body.errors).toEqual([{ path: "tier", message: "not a tier of this API product" }]);
    expectProblem(
      await call("POST", "/api/v1/subscriptions", { applicationId: tiny.app.id, productId: product.id, tier: "Gold" }),
      409,
      "conflict",
    );
    expectProblem(
      await call("PATCH", `/api/v1/subscriptions/${tiny.subscription.id}`, { tier: "Silver" }),
      400,
      "validation-failed",
    );

    // With approval on, a new subscription waits as PENDING and the gateway refuses it until approved.
    expect((await call("PATCH", `/api/v1/products/${product.id}`, { subscriptionApproval: true })).status).toBe(200);
    const app = (await call("POST", "/api/v1/applications", { name: "waiting" })).body;
    const key = (await call("POST", `/api/v1/applications/${app.id}/api-keys`)).body.key as string;
    const sub = (
      await call("POST", "/api/v1/subscriptions", { applicationId: app.id, productId: product.id, tier: "Gold" })
    ).body;
    expect(sub.status).toBe("PENDING");
    expectProblem(await served(path, { "x-api-key": key }, 403), 403, "not-subscribed");
    expect((await call("POST", `/api/v1/subscriptions/${sub.id}/approve`)).body.status).toBe("ACTIVE");
    await served(path, { "x-api-key": key });
    expect((await call("GET", `/api/v1/subscriptions?productId=${product.id}`)).body).toHaveLength(2);
  });
});

describe("the control plane's product rules", () => {
  it("lists every resource that does not exist, refuses clashing contexts, keeps ETags and the lifecycle", async () => {
    const { token, slug } = await signupTenant(t.api);
    const call = (method: string, p: string, body?: unknown, headers?: Record<string, string>) =>
      t.api.call(method, p, { token, body, headers });
    const { orders, stock, product } = await productFixture(token);

    const bad = await call("POST", "/api/v1/products", {
      name: "Broken",
      context: "broken",
      version: "v1",
      resources: [
        { apiId: orders.id, method: "GET", path: "/orders/{id}" },
        { apiId: orders.id, method: "DELETE", path: "/orders/{id}" },
        { apiId: "not-an-id", method: "GET", path: "/x" },
        { apiId: "00000000-0000-4000-8000-000000000000", method: "GET", path: "/x" },
        { apiId: stock.id, method: "GET", path: "/orders/{id}" },
      ],
    });
    expectProblem(bad, 400, "validation-failed");
    expect(bad.body.errors).toEqual([
      { path: "resources.1", message: `DELETE /orders/{id} is not a resource of API ${orders.id}` },
      { path: "resources.2.apiId", message: "no API not-an-id" },
      { path: "resources.3.apiId", message: "no API 00000000-0000-4000-8000-000000000000" },
      { path: "resources.4", message: `GET /orders/{id} is not a resource of API ${stock.id}` },
    ]);
    const resources = [{ apiId: stock.id, method: "GET", path: "/items" }];
    expectProblem(
      await call("POST", "/api/v1/products", { name: "x", context: "y", version: "v1", resources, tiers: ["Nope"] }),
      400,
      "validation-failed",
    );
    expectProblem(
      await call("POST", "/api/v1/products", { name: "x", context: "y", version: "v1", resources: [] }),
      400,
      "validation-failed",
    );

    // Contexts: a product cannot take an API's or another product's context+version, nor an API a product's.
    const clashApi = await call("POST", "/api/v1/products", {
      name: "x",
      context: "/orders/",
      version: "v1",
      resources,
    });
    expectProblem(clashApi, 409, "conflict");
    expect(clashApi.body.detail).toBe("an API with context /orders and version v1 exists");
    expectProblem(
      await call("POST", "/api/v1/products", { name: "x", context: "bundle", version: "v1", resources }),
      409,
      "conflict",
    );
    expectProblem(
      await call("POST", "/api/v1/apis", {
        name: "x",
        context: "bundle",
        version: "v1",
        upstream: { url: upstream.url },
      }),
      409,
      "conflict",
    );
    expect(
      (await call("POST", "/api/v1/products", { name: "x", context: "bundle", version: "v2", resources })).status,
    ).toBe(201);

    // ETag / If-Match, and updates checked like creation.
    const read = await call("GET", `/api/v1/products/${product.id}`);
    const etag = read.headers.get("etag")!;
    expect(etag).toMatch(/^".+"$/);
    const renamed = await call("PATCH", `/api/v1/products/${product.id}`, { name: "Renamed" }, { "if-match": etag });
    expect(renamed.status).toBe(200);
    expect(renamed.headers.get("etag")).not.toBe(etag);
    expectProblem(
      await call("PATCH", `/api/v1/products/${product.id}`, { name: "Lost" }, { "if-match": etag }),
      412,
      "precondition-failed",
    );
    expectProblem(
      await call("PATCH", `/api/v1/products/${product.id}`, {
        resources: [{ apiId: stock.id, method: "PUT", path: "/items" }],
      }),
      400,
      "validation-failed",
    );
    expectProblem(
      await call("PATCH", `/api/v1/products/${product.id}`, { context: "moved" }),
      400,
      "validation-failed",
    );

    // The API lifecycle, as the product's.
    expectProblem(
      await call("POST", `/api/v1/products/${product.id}/lifecycle`, { action: "retire" }),
      409,
      "invalid-transition",
    );
    const list = (await call("GET", "/api/v1/products?status=PUBLISHED")).body as { id: string }[];
    expect(list.map((p) => p.id)).toEqual([product.id]);

    // A subscription names exactly one of apiId and productId.
    const app = (await call("POST", "/api/v1/applications", { name: "both" })).body;
    for (const body of [
      { applicationId: app.id, apiId: orders.id, productId: product.id, tier: "Gold" },
      { applicationId: app.id, tier: "Gold" },
    ]) {
      expectProblem(await call("POST", "/api/v1/subscriptions", body), 400, "validation-failed");
    }
    // A product still in the making takes no subscriptions.
    const draft = (await call("GET", "/api/v1/products?status=CREATED")).body[0];
    expectProblem(
      await call("POST", "/api/v1/subscriptions", { applicationId: app.id, productId: draft.id, tier: "Gold" }),
      409,
      "conflict",
    );

    // A developer sees published products only, and subscribes their own application.
    const invitation = (await call("POST", "/api/v1/invitations", { email: "dev@products.example", role: "developer" }))
      .body;
    const dev = (
      await t.api.call("POST", "/api/v1/invitations/accept", {
        body: { tenant: slug, token: invitation.token, password: "developer password" },
      })
    ).body.accessToken as string;
    const asDev = (method: string, p: string, body?: unknown) => t.api.call(method, p, { token: dev, body });
    expect(((await asDev("GET", "/api/v1/products")).body as { id: string }[]).map((p) => p.id)).toEqual([product.id]);
    expectProblem(await asDev("GET", `/api/v1/products/${draft.id}`), 404, "not-found");
    expectProblem(await asDev("PATCH", `/api/v1/products/${product.id}`, { name: "dev" }), 403, "forbidden");
    const devApp = (await asDev("POST", "/api/v1/applications", { name: "dev app" })).body;
    expect(
      (await asDev("POST", "/api/v1/subscriptions", { applicationId: devApp.id, productId: product.id, tier: "Gold" }))
        .status,
    ).toBe(201);

    // Audit and webhook events, as for APIs.
    const audit = (await call("GET", `/api/v1/audit?targetId=${product.id}`)).body as { action: string }[];
    expect(audit.map((e) => e.action).sort()).toEqual(["product.create", "product.lifecycle", "product.update"]);

    // An API whose operations a product includes stays until the product lets go of them.
    const inUse = await call("DELETE", `/api/v1/apis/${orders.id}`);
    expectProblem(inUse, 409, "conflict");
    expect(inUse.body.detail).toContain("Renamed");
    // Deleting the product takes it off the gateways and its subscriptions with it.
    expect((await call("DELETE", `/api/v1/products/${product.id}`)).status).toBe(204);
    expectProblem(await call("GET", `/api/v1/products/${product.id}`), 404, "not-found");
    expect((await call("DELETE", `/api/v1/apis/${orders.id}`)).status).toBe(204);
  });
});

describe("another tenant", () => {
  it("cannot read, list, change, delete, deploy, subscribe to or reuse the product", async () => {
    const a = await signupTenant(t.api);
    const b = await signupTenant(t.api);
    const { orders, product, revision } = await productFixture(a.token);
    const aApp = await productApp(a.token, product.id, "Gold");
    await served(`/t/${a.slug}/bundle/v1/items`, { "x-api-key": aApp.key });
    const asB = (method: string, p: string, body?: unknown) => t.api.call(method, p, { token: b.token, body });

    expectProblem(await asB("GET", `/api/v1/products/${product.id}`), 404, "not-found");
    expect((await asB("GET", "/api/v1/products")).body).toEqual([]);
    expect((await asB("GET", `/api/v1/subscriptions?productId=${product.id}`)).body).toEqual([]);
    expect((await asB("GET", `/api/v1/analytics/requests?productId=${product.id}`)).body.totals.count).toBe(0);
    expectProblem(await asB("PATCH", `/api/v1/products/${product.id}`, { name: "pwned" }), 404, "not-found");
    expectProblem(await asB("POST", `/api/v1/products/${product.id}/lifecycle`, { action: "block" }), 404, "not-found");
    expectProblem(await asB("POST", `/api/v1/products/${product.id}/revisions`), 404, "not-found");
    expectProblem(await asB("GET", `/api/v1/products/${product.id}/revisions`), 404, "not-found");
    expectProblem(await asB("GET", `/api/v1/products/${product.id}/deployments`), 404, "not-found");
    expectProblem(
      await asB("POST", `/api/v1/products/${product.id}/deployments`, {
        revisionId: revision.id,
        environment: "default",
      }),
      404,
      "not-found",
    );
    expectProblem(await asB("DELETE", `/api/v1/products/${product.id}/deployments/default`), 404, "not-found");
    expectProblem(await asB("DELETE", `/api/v1/products/${product.id}`), 404, "not-found");

    const bApp = (await asB("POST", "/api/v1/applications", { name: "B app" })).body;
    const bKey = (await asB("POST", `/api/v1/applications/${bApp.id}/api-keys`)).body.key as string;
    expectProblem(
      await asB("POST", "/api/v1/subscriptions", { applicationId: bApp.id, productId: product.id, tier: "Gold" }),
      400,
      "validation-failed",
    );
    // A's API resources are not B's to bundle.
    const reuse = await asB("POST", "/api/v1/products", {
      name: "stolen",
      context: "stolen",
      version: "v1",
      resources: [{ apiId: orders.id, method: "GET", path: "/orders/{id}" }],
    });
    expectProblem(reuse, 400, "validation-failed");
    expect(reuse.body.errors).toEqual([{ path: "resources.0.apiId", message: `no API ${orders.id}` }]);
    // B's own product revision cannot be deployed as A's, nor A's revision as B's.
    const bApi = (
      await publishedApi(t, b.token, {
        context: "b-api",
        upstreamUrl: upstream.url,
        resources: [{ method: "GET", path: "/b" }],
      })
    ).api;
    const bProduct = (
      await asB("POST", "/api/v1/products", {
        name: "B",
        context: "bundle",
        version: "v1",
        resources: [{ apiId: bApi.id, method: "GET", path: "/b" }],
      })
    ).body;
    expect(bProduct.context).toBe("bundle");
    expectProblem(
      await asB("POST", `/api/v1/products/${bProduct.id}/deployments`, {
        revisionId: revision.id,
        environment: "default",
      }),
      400,
      "validation-failed",
    );

    // At the gateway, B's key is nobody at A, and A's product path does not exist under B.
    expectProblem(
      await gw.call("GET", `/t/${a.slug}/bundle/v1/items`, { headers: { "x-api-key": bKey } }),
      401,
      "invalid-api-key",
    );
    expectProblem(
      await gw.call("GET", `/t/${b.slug}/bundle/v1/items`, { headers: { "x-api-key": aApp.key } }),
      404,
      "api-not-found",
    );
    // A still has everything.
    expect((await t.api.call("GET", `/api/v1/products/${product.id}`, { token: a.token })).body.name).toBe(
      "Shop bundle",
    );
    await served(`/t/${a.slug}/bundle/v1/items`, { "x-api-key": aApp.key });
  });
});
