import { describe, expect, it } from "vitest";
import { subjectMatches } from "./interface.js";
import { MemoryBus } from "./memory.js";

describe("subject matching", () => {
  it("follows NATS wildcards", () => {
    expect(subjectMatches("a.>", "a.b.c")).toBe(true);
    expect(subjectMatches("a.>", "a")).toBe(false);
    expect(subjectMatches("a.*.c", "a.b.c")).toBe(true);
    expect(subjectMatches("a.*", "a.b.c")).toBe(false);
    expect(subjectMatches("a.b", "a.b")).toBe(true);
  });
});

describe("in-process bus", () => {
  it("replays the last value per key to a new watcher, then changes", async () => {
    const bus = new MemoryBus();
    await bus.kvPut("b", "t1", "v1");
    await bus.kvPut("b", "t1", "v2");
    await bus.kvPut("b", "t2", "x");
    const seen: string[] = [];
    await bus.kvWatch("b", (e) => seen.push(`${e.key}=${e.value}`));
    expect(seen).toEqual(["t1=v2", "t2=x"]);
    const one: string[] = [];
    await bus.kvWatch("b", (e) => one.push(`${e.key}=${e.value}`), { key: "t2" });
    await bus.kvPut("b", "t2", "y");
    await bus.kvPut("b", "t1", "v3");
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(["t1=v2", "t2=x", "t2=y", "t1=v3"]);
    expect(one).toEqual(["t2=x", "t2=y"]);
  });

  it("de-duplicates by message id and redelivers until the handler succeeds", async () => {
    const bus = new MemoryBus();
    await bus.ensureStream("S", ["s.>"]);
    await bus.streamPublish("s.a", "1", "m1");
    await bus.streamPublish("s.a", "1", "m1");
    await bus.streamPublish("s.b", "2", "m2");
    const got: string[] = [];
    let failOnce = true;
    const stop = await bus.consume("S", "d", async (m) => {
      if (m.data === "2" && failOnce) {
        failOnce = false;
        throw new Error("transient");
      }
      got.push(m.data);
    });
    await new Promise((r) => setTimeout(r, 700));
    expect(got).toEqual(["1", "2"]);
    await stop.stop();
    await expect(bus.streamPublish("nowhere", "x", "m3")).rejects.toThrow();
  });
});

describe("NATS names", async () => {
  const { natsNames } = await import("../names.js");
  it("spells every name from one prefix and refuses unsafe tokens", () => {
    const n = natsNames("p1");
    expect(n.bundleBucket("default")).toBe("p1_bundles_default");
    expect(n.analyticsSubject("eu", "t-1")).toBe("p1.analytics.eu.t-1");
    expect(() => n.bundleBucket("a.b")).toThrow();
    expect(() => n.statusSubject("eu", "gw>")).toThrow();
  });
});
