import { describe, expect, it } from "vitest";
import { DRIFT_GRACE_MS, driftOf } from "./drift.js";

const now = Date.parse("2026-01-01T12:00:00Z");
const at = (msAgo: number) => new Date(now - msAgo);
const expected = { version: 7, hash: "h7", updatedAt: at(60_000) };
const verdict = (o: Partial<Parameters<typeof driftOf>[0]>) =>
  driftOf({ run: undefined, exp: expected, live: true, rejectedAt: null, now, ...o });

describe("drift of a gateway's bundle from the expected one", () => {
  it("is in sync when it runs the expected version and hash, live or not", () => {
    const run = { version: 7, hash: "h7", updatedAt: at(1000) };
    expect(verdict({ run })).toEqual({
      status: "in-sync",
      expected: { version: 7, hash: "h7" },
      actual: { version: 7, hash: "h7" },
      reason: null,
    });
    expect(verdict({ run, live: false }).status).toBe("in-sync");
  });

  it("names why it drifted", () => {
    const behind = { version: 6, hash: "h6", updatedAt: at(1000) };
    expect(verdict({ run: behind })).toMatchObject({ status: "drifted", reason: "stale" });
    expect(verdict({ run: { ...behind, version: 7 } })).toMatchObject({ status: "drifted", reason: "hash-mismatch" });
    expect(verdict({})).toMatchObject({ status: "drifted", reason: "missing", actual: null });
    expect(verdict({ run: behind, rejectedAt: now - 1000 })).toMatchObject({ status: "drifted", reason: "rejected" });
  });

  it("does not flag a gateway a new bundle is still on its way to, unless it refused it", () => {
    const fresh = { ...expected, updatedAt: at(DRIFT_GRACE_MS / 2) };
    const behind = { version: 6, hash: "h6", updatedAt: at(1000) };
    expect(verdict({ exp: fresh, run: behind })).toMatchObject({ status: "unknown", reason: "propagating" });
    expect(verdict({ exp: fresh, run: behind, rejectedAt: now - 100 })).toMatchObject({
      status: "drifted",
      reason: "rejected",
    });
    // A refusal long before the expected bundle changed is about an older one.
    expect(verdict({ run: behind, rejectedAt: now - 3_600_000 })).toMatchObject({ reason: "stale" });
  });

  it("cannot tell for a gateway without heartbeats, or with nothing deployed", () => {
    expect(verdict({ live: false, run: { version: 6, hash: "h6", updatedAt: at(1000) } })).toMatchObject({
      status: "unknown",
      reason: "not-live",
    });
    expect(verdict({ exp: undefined })).toMatchObject({ status: "unknown", reason: "no-bundle", expected: null });
  });
});
