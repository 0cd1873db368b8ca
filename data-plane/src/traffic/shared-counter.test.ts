import { MemoryBus } from "@portico/shared/bus";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { SharedCounters } from "./shared-counter.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("shared rate-limit counters", () => {
  const started: SharedCounters[] = [];
  const gateway = (bus: MemoryBus, id: string) => {
    const c = new SharedCounters(bus, "t.ratelimit.env", id, pino({ level: "silent" }));
    c.start(20);
    started.push(c);
    return c;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((c) => c.stop()));
  });

  it("counts alone up to the limit within a fixed window, then starts again", () => {
    const c = new SharedCounters(new MemoryBus(), "s", "g", pino({ level: "silent" }));
    const at = 60_000 * 1000;
    const allowed = Array.from({ length: 5 }, () => c.take("k", 3, 60_000, at).allowed);
    expect(allowed).toEqual([true, true, true, false, false]);
    expect(c.take("k", 3, 60_000, at + 60_000).allowed).toBe(true);
  });

  it("adds what the other gateways admitted once their counts arrive", async () => {
    const bus = new MemoryBus();
    const [a, b] = [gateway(bus, "a"), gateway(bus, "b")];
    const now = Date.now();
    for (let i = 0; i < 7; i++) {
      expect(a.take("k", 10, 3_600_000, now).allowed).toBe(true);
    }
    await sleep(100);
    const fromB = Array.from({ length: 5 }, () => b.take("k", 10, 3_600_000, now).allowed);
    expect(fromB).toEqual([true, true, true, false, false]);
    await sleep(100);
    expect(a.take("k", 10, 3_600_000, now)).toMatchObject({ allowed: false, remaining: 0 });
  });

  it("ignores its own echo, stale windows and junk", async () => {
    const bus = new MemoryBus();
    const a = gateway(bus, "a");
    bus.publish("t.ratelimit.env", "not json");
    bus.publish("t.ratelimit.env", JSON.stringify({ gw: "x", c: [["k", 0, 1000]] }));
    bus.publish(
      "t.ratelimit.env",
      JSON.stringify({ gw: "a", c: [["k", Date.now() - (Date.now() % 3_600_000), 1000]] }),
    );
    await sleep(50);
    expect(a.take("k", 2, 3_600_000, Date.now()).allowed).toBe(true);
  });
});
