import { BundleUpstream } from "@portico/shared/bundle";
import { describe, expect, it } from "vitest";
import type { UpstreamPool } from "./client.js";
import { type Endpoint, EndpointStates, UpstreamGroup } from "./upstream.js";

const group = (weights: number[], over: Record<string, unknown> = {}) => {
  const states = new EndpointStates();
  const endpoints: Endpoint[] = weights.map((weight, i) => ({
    key: `e${i}`,
    origin: `http://e${i}`,
    pool: {} as UpstreamPool,
    weight,
    state: states.get(`e${i}`),
    current: 0,
  }));
  return new UpstreamGroup(endpoints, BundleUpstream.parse({ url: "http://127.0.0.1:1", ...over }));
};
const picks = (g: UpstreamGroup, n: number, now = 0) =>
  Array.from({ length: n }, () => g.pick(now)?.key ?? "none").join(",");

describe("upstream group", () => {
  it("round-robins equal weights and spreads unequal ones smoothly", () => {
    expect(picks(group([1, 1, 1]), 6)).toBe("e0,e1,e2,e0,e1,e2");
    expect(picks(group([5, 1, 1]), 7)).toBe("e0,e0,e1,e0,e2,e0,e0");
  });

  it("opens an endpoint's breaker after consecutive failures, then lets one trial through", () => {
    const g = group([1, 1], { circuitBreaker: { failureThreshold: 2, openMs: 1000 } });
    const [a] = g.endpoints as [Endpoint, Endpoint];
    g.failure(a, 0);
    expect(picks(g, 2)).toBe("e0,e1");
    g.failure(a, 0);
    expect(picks(g, 3, 10)).toBe("e1,e1,e1");
    // After openMs: one trial, and while it runs the others go elsewhere.
    expect(g.pick(1000)?.key).toBe("e0");
    expect(picks(g, 2, 1001)).toBe("e1,e1");
    g.success(a);
    expect(picks(g, 2, 1002).split(",").sort()).toEqual(["e0", "e1"]);
  });

  it("has nothing to offer when every endpoint is open or unhealthy, and avoids the one that just failed", () => {
    const g = group([1, 1], { circuitBreaker: { failureThreshold: 1, openMs: 1000 } });
    const [a, b] = g.endpoints as [Endpoint, Endpoint];
    expect(g.pick(0, a)?.key).toBe("e1");
    g.failure(a, 0);
    b.state.healthy = false;
    expect(g.pick(10)).toBeUndefined();
  });
});
