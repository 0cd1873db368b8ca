import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, expectProblem, signupTenant, type TestControlPlane } from "./harness.js";
import { application, publishedApi, startTestStack, type TestStack, until } from "./journey.js";

/**
 * Every lifecycle state × every action: allowed moves change the state and what the gateway
 * does, refused ones answer 409 and change nothing.
 */
let stack: TestStack;
let t: TestControlPlane;
let gw: Client;
let upstream: TestStack["upstream"];
let tenant: Awaited<ReturnType<typeof signupTenant>>;

beforeAll(async () => {
  stack = await startTestStack("lifecycle-gw");
  ({ t, gw, upstream } = stack);
  tenant = await signupTenant(t.api);
});
afterAll(() => stack?.close());

const ACTIONS = ["pre-release", "publish", "block", "deprecate", "retire", "demote"] as const;
const ALLOWED: Record<string, Partial<Record<(typeof ACTIONS)[number], string>>> = {
  CREATED: { "pre-release": "PRE-RELEASED", publish: "PUBLISHED" },
  "PRE-RELEASED": { publish: "PUBLISHED", demote: "CREATED" },
  PUBLISHED: { block: "BLOCKED", deprecate: "DEPRECATED", demote: "CREATED" },
  BLOCKED: { publish: "PUBLISHED", deprecate: "DEPRECATED" },
  DEPRECATED: { retire: "RETIRED" },
  RETIRED: {},
};
/** From PUBLISHED (where the consumer subscribed) to each state. */
const PATH_TO: Record<string, (typeof ACTIONS)[number][]> = {
  PUBLISHED: [],
  BLOCKED: ["block"],
  DEPRECATED: ["deprecate"],
  RETIRED: ["deprecate", "retire"],
  CREATED: ["demote"],
  "PRE-RELEASED": ["demote", "pre-release"],
};
/** What a subscribed consumer gets from the gateway in each state. */
const EFFECT: Record<string, { status: number; deprecation?: boolean }> = {
  CREATED: { status: 200 },
  "PRE-RELEASED": { status: 200 },
  PUBLISHED: { status: 200 },
  BLOCKED: { status: 503 },
  DEPRECATED: { status: 200, deprecation: true },
  RETIRED: { status: 404 },
};

let n = 0;
async function apiIn(state: string) {
  const { api } = await publishedApi(t, tenant.token, { context: `life${n++}`, upstreamUrl: upstream.url });
  const { key } = await application(t, tenant.token, api.id);
  const move = (action: string) =>
    t.api.call("POST", `/api/v1/apis/${api.id}/lifecycle`, { token: tenant.token, body: { action } });
  for (const action of PATH_TO[state]!) {
    expect((await move(action)).status).toBe(200);
  }
  return { api, key, move, path: `/t/${tenant.slug}/${api.context}/v1/x` };
}

async function expectEffect(path: string, key: string, state: string) {
  const want = EFFECT[state]!;
  // Wait for the whole effect: PUBLISHED and DEPRECATED both answer 200 and differ only in headers.
  const res = await until(
    async () => {
      const r = await gw.call("GET", path, { headers: { "x-api-key": key } });
      return r.status === want.status && r.headers.has("deprecation") === Boolean(want.deprecation) ? r : undefined;
    },
    `${state} → ${want.status}${want.deprecation ? " + Deprecation" : ""}`,
  );
  if (want.status === 503) {
    expectProblem(res, 503, "api-blocked");
  }
}

describe("lifecycle at the gateway", () => {
  for (const state of Object.keys(PATH_TO)) {
    it(`${state}: every action is either applied, with its gateway effect, or refused with 409`, async () => {
      for (const action of ACTIONS) {
        const { key, move, path } = await apiIn(state);
        await expectEffect(path, key, state);
        const res = await move(action);
        const next = ALLOWED[state]![action];
        if (next) {
          expect(res.status, `${state} --${action}-->`).toBe(200);
          expect(res.body.status).toBe(next);
          await expectEffect(path, key, next);
        } else {
          expectProblem(res, 409, "invalid-transition");
          await expectEffect(path, key, state);
        }
      }
    });
  }

  it("takes no new subscriptions unless PUBLISHED; existing ones keep working when DEPRECATED", async () => {
    const { api, key, path } = await apiIn("PUBLISHED");
    const sunsetAt = "2027-06-30T00:00:00.000Z";
    const deprecated = await t.api.call("POST", `/api/v1/apis/${api.id}/lifecycle`, {
      token: tenant.token,
      body: { action: "deprecate", sunsetAt },
    });
    expect(deprecated.body).toMatchObject({ status: "DEPRECATED", sunsetAt });
    await expectEffect(path, key, "DEPRECATED");
    const res = await gw.call("GET", path, { headers: { "x-api-key": key } });
    expect(res.headers.get("sunset")).toBe("Wed, 30 Jun 2027 00:00:00 GMT");
    expect(res.headers.get("deprecation")).toBe(`@${Math.floor(Date.parse(deprecated.body.deprecatedAt) / 1000)}`);
    const app = (await t.api.call("POST", "/api/v1/applications", { token: tenant.token, body: { name: "late" } }))
      .body;
    const sub = await t.api.call("POST", "/api/v1/subscriptions", {
      token: tenant.token,
      body: { applicationId: app.id, apiId: api.id, tier: "Gold" },
    });
    expectProblem(sub, 409, "conflict");
  });
});

describe("subscription workflow at the gateway", () => {
  it("PENDING until approved, BLOCKED refused at once, tier changes apply", async () => {
    const token = tenant.token;
    const api = (
      await t.api.call("POST", "/api/v1/apis", {
        token,
        body: {
          name: "Approved",
          context: "approved",
          version: "v1",
          upstream: { url: upstream.url },
          subscriptionApproval: true,
        },
      })
    ).body;
    expect(api.subscriptionApproval).toBe(true);
    await t.api.call("POST", `/api/v1/apis/${api.id}/lifecycle`, { token, body: { action: "publish" } });
    const rev = (await t.api.call("POST", `/api/v1/apis/${api.id}/revisions`, { token })).body;
    await t.api.call("POST", `/api/v1/apis/${api.id}/deployments`, {
      token,
      body: { revisionId: rev.id, environment: "default" },
    });
    const app = (await t.api.call("POST", "/api/v1/applications", { token, body: { name: "waiting" } })).body;
    const key = (await t.api.call("POST", `/api/v1/applications/${app.id}/api-keys`, { token })).body.key;
    const sub = (
      await t.api.call("POST", "/api/v1/subscriptions", {
        token,
        body: { applicationId: app.id, apiId: api.id, tier: "Gold" },
      })
    ).body;
    expect(sub.status).toBe("PENDING");
    const path = `/t/${tenant.slug}/approved/v1/x`;
    const expectStatus = (status: number) =>
      until(
        async () =>
          (await gw.call("GET", path, { headers: { "x-api-key": key } })).status === status ? true : undefined,
        `→ ${status}`,
      );

    await expectStatus(403);
    expectProblem(
      await t.api.call("PATCH", `/api/v1/subscriptions/${sub.id}`, { token, body: { status: "BLOCKED" } }),
      409,
      "invalid-transition",
    );
    expect((await t.api.call("POST", `/api/v1/subscriptions/${sub.id}/approve`, { token })).body.status).toBe("ACTIVE");
    await expectStatus(200);
    expectProblem(
      await t.api.call("POST", `/api/v1/subscriptions/${sub.id}/approve`, { token }),
      409,
      "invalid-transition",
    );

    expect(
      (await t.api.call("PATCH", `/api/v1/subscriptions/${sub.id}`, { token, body: { status: "BLOCKED" } })).body
        .status,
    ).toBe("BLOCKED");
    await expectStatus(403);
    expect(
      (await t.api.call("PATCH", `/api/v1/subscriptions/${sub.id}`, { token, body: { status: "ACTIVE" } })).body.status,
    ).toBe("ACTIVE");
    await expectStatus(200);

    await t.api.call("POST", "/api/v1/tiers", { token, body: { name: "Two", requestsPerMinute: 2 } });
    expect(
      (await t.api.call("PATCH", `/api/v1/subscriptions/${sub.id}`, { token, body: { tier: "Two" } })).body.tier,
    ).toBe("Two");
    await until(async () => {
      const r = await gw.call("GET", path, { headers: { "x-api-key": key } });
      return r.headers.get("ratelimit-limit") === "2" ? true : undefined;
    }, "tier applied");
    expectProblem(
      await t.api.call("PATCH", `/api/v1/subscriptions/${sub.id}`, { token, body: { tier: "Nope" } }),
      400,
      "validation-failed",
    );

    const other = (await t.api.call("POST", "/api/v1/applications", { token, body: { name: "rejected" } })).body;
    const pending = (
      await t.api.call("POST", "/api/v1/subscriptions", {
        token,
        body: { applicationId: other.id, apiId: api.id, tier: "Gold" },
      })
    ).body;
    expect((await t.api.call("POST", `/api/v1/subscriptions/${pending.id}/reject`, { token })).body.status).toBe(
      "REJECTED",
    );
    const actions = (await t.api.call("GET", "/api/v1/audit?targetType=subscription&order=asc", { token })).body.map(
      (e: { action: string }) => e.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining(["subscription.approve", "subscription.update", "subscription.reject"]),
    );
  });
});
