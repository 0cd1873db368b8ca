import type { Analytics } from "./cp-admin";
import { utcOfInput } from "./utc-input";

/** The time ranges the analytics page offers; `custom` reads `from` and `to`. */
export const RANGES = [
  { value: "1h", label: "Last hour", ms: 3_600_000 },
  { value: "24h", label: "Last 24 hours", ms: 86_400_000 },
  { value: "7d", label: "Last 7 days", ms: 7 * 86_400_000 },
  { value: "custom", label: "Custom", ms: 0 },
] as const;
export type RangeKey = (typeof RANGES)[number]["value"];

/** The control plane serves at most 31 days per query. */
const MAX_RANGE_MS = 31 * 86_400_000;

export interface ResolvedRange {
  key: RangeKey;
  from: Date;
  to: Date;
  /** Set when a custom range could not be used as given. */
  problem?: string;
}

/** The range of the page's query string; a bad custom range falls back to the last hour. */
export function resolveRange(
  range: string | undefined,
  from: string | undefined,
  to: string | undefined,
  now = new Date(),
): ResolvedRange {
  const preset = RANGES.find((r) => r.value === range && r.value !== "custom");
  if (range !== "custom") {
    const ms = preset?.ms ?? RANGES[0].ms;
    return { key: preset?.value ?? "1h", from: new Date(now.getTime() - ms), to: now };
  }
  const start = utcOfInput(from);
  const end = utcOfInput(to) ?? now;
  if (!start || start >= end || end.getTime() - start.getTime() > MAX_RANGE_MS) {
    return {
      key: "custom",
      from: new Date(now.getTime() - RANGES[0].ms),
      to: now,
      problem: "Give a start before the end, at most 31 days apart. Showing the last hour.",
    };
  }
  return { key: "custom", from: start, to: end };
}

/** A chart point: one bucket of the series. Latency is null where the bucket saw no request. */
export interface SeriesPoint {
  at: string;
  label: string;
  requests: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

const BUCKET_MINUTES = [1, 5, 15, 30, 60, 120, 360, 720, 1440];
/** Enough points to read a trend, few enough for a 375 px wide chart to stay legible. */
const MAX_POINTS = 100;

/**
 * Folds the control plane's per-minute series (minutes without requests are absent) into even
 * buckets with zeros where nothing happened. Percentiles of merged minutes are averaged,
 * weighted by requests: an approximation, said so on the page.
 */
export function bucketSeries(
  series: Analytics["series"],
  from: Date,
  to: Date,
): { minutes: number; points: SeriesPoint[] } {
  const spanMin = Math.max(1, (to.getTime() - from.getTime()) / 60_000);
  const minutes = BUCKET_MINUTES.find((m) => spanMin / m <= MAX_POINTS) ?? 1440;
  const size = minutes * 60_000;
  const start = Math.floor(from.getTime() / size) * size;
  const count = Math.max(1, Math.ceil((to.getTime() - start) / size));
  const acc = Array.from({ length: count }, () => ({ requests: 0, errors: 0, w50: 0, w95: 0, w99: 0, timed: 0 }));
  for (const s of series) {
    const i = Math.floor((new Date(s.minute).getTime() - start) / size);
    const b = acc[i];
    if (!b) {
      continue;
    }
    b.requests += s.count;
    b.errors += s.errors;
    if (s.p50 !== null && s.p95 !== null && s.p99 !== null) {
      b.w50 += s.p50 * s.count;
      b.w95 += s.p95 * s.count;
      b.w99 += s.p99 * s.count;
      b.timed += s.count;
    }
  }
  const long = to.getTime() - from.getTime() > 86_400_000;
  const points = acc.map((b, i) => {
    const at = new Date(start + i * size).toISOString();
    const round = (v: number) => Math.round((v / b.timed) * 10) / 10;
    return {
      at,
      label: long ? `${at.slice(5, 10)} ${at.slice(11, 16)}` : at.slice(11, 16),
      requests: b.requests,
      errors: b.errors,
      p50: b.timed ? round(b.w50) : null,
      p95: b.timed ? round(b.w95) : null,
      p99: b.timed ? round(b.w99) : null,
    };
  });
  return { minutes, points };
}
