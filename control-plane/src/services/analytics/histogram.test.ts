import { describe, expect, it } from "vitest";
import { histogramOf, MIN_MS, percentile, RELATIVE_ERROR } from "./histogram.js";

/** percentile_cont, as PostgreSQL computes it on the raw events. */
function exact(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const rank = q * (s.length - 1);
  const lo = Math.floor(rank);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (rank - lo);
}

describe("latency histogram", () => {
  it("reads percentiles within the stated relative error, for narrow and wide distributions", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const sets = [
      Array.from({ length: 5000 }, () => 0.2 + random() * 3),
      Array.from({ length: 5000 }, () => Math.exp(random() * 10)),
      Array.from({ length: 7 }, (_, i) => (i + 1) * 13),
    ];
    for (const values of sets) {
      const h = histogramOf(values);
      for (const q of [0.5, 0.9, 0.95, 0.99]) {
        const want = exact(values, q);
        expect(Math.abs(percentile(h, q)! - want)).toBeLessThanOrEqual(want * RELATIVE_ERROR + MIN_MS);
      }
    }
  });

  it("sums bucket by bucket and is null when empty", () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(histogramOf([0, 0.01, MIN_MS])).toEqual([3]);
  });
});
