/**
 * Latency histogram of the rollups: log-spaced buckets (as DDSketch), so a percentile read
 * from any sum of histograms is within RELATIVE_ERROR of the exact one. A latency v in
 * (MIN·γ^(i-1), MIN·γ^i] counts in bucket i and reads back as 2·MIN·γ^i/(γ+1), at most α
 * away from v relatively; bucket 0 holds [0, MIN] and reads back as MIN (at most MIN_MS away).
 * Latencies above MAX_MS all land in the last bucket, which carries no bound.
 */
export const RELATIVE_ERROR = 0.05;
export const MIN_MS = 0.05;
const MAX_MS = 300_000;
const GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR);
const LOG_GAMMA = Math.log(GAMMA);
const BUCKETS = Math.ceil(Math.log(MAX_MS / MIN_MS) / LOG_GAMMA) + 1;

export function bucketOf(latencyMs: number): number {
  if (!(latencyMs > MIN_MS)) {
    return 0;
  }
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(latencyMs / MIN_MS) / LOG_GAMMA));
}

const bucketValue = (bucket: number) => (bucket === 0 ? MIN_MS : (2 * MIN_MS * GAMMA ** bucket) / (GAMMA + 1));

/** Counts per bucket, without trailing empty buckets (PostgreSQL adds arrays of any length). */
export function histogramOf(latencies: Iterable<number>): number[] {
  const h: number[] = [];
  for (const v of latencies) {
    const b = bucketOf(v);
    while (h.length <= b) {
      h.push(0);
    }
    h[b]! += 1;
  }
  return h;
}

/**
 * The q-quantile as percentile_cont computes it on the raw values (linear between the two
 * nearest ranks), each rank's value read from its bucket; null for an empty histogram.
 */
export function percentile(histogram: readonly number[], q: number): number | null {
  const n = histogram.reduce((a, b) => a + b, 0);
  if (n === 0) {
    return null;
  }
  const rank = q * (n - 1);
  const lo = Math.floor(rank);
  const vLo = valueAtRank(histogram, lo);
  const vHi = rank === lo ? vLo : valueAtRank(histogram, lo + 1);
  return vLo + (vHi - vLo) * (rank - lo);
}

function valueAtRank(histogram: readonly number[], rank: number): number {
  let seen = 0;
  for (let b = 0; b < histogram.length; b++) {
    seen += histogram[b]!;
    if (seen > rank) {
      return bucketValue(b);
    }
  }
  return bucketValue(histogram.length - 1);
}
