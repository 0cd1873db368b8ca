/**
 * How long after the expected bundle changed a gateway still behind it counts as receiving
 * it rather than drifted: propagation takes milliseconds, a heartbeat a few seconds.
 */
export const DRIFT_GRACE_MS = 10_000;

/** Refusals are stamped by the gateway's clock, the expected bundle by the control plane's. */
const CLOCK_SKEW_MS = 5000;

type BundleRef = { version: number; hash: string };

/**
 * The bundle a gateway runs for the tenant against the one expected. Heartbeats report it
 * after every apply and refusal, so drift shows within one heartbeat interval; a refusal of
 * this tenant's bundle makes a gateway behind drifted at once, without waiting out the grace.
 */
export function driftOf(o: {
  run: (BundleRef & { updatedAt: Date }) | undefined;
  exp: (BundleRef & { updatedAt: Date }) | undefined;
  live: boolean;
  /** when the gateway last refused a bundle of this tenant (its clock) */
  rejectedAt: number | null;
  now: number;
}) {
  const expected = o.exp ? { version: o.exp.version, hash: o.exp.hash } : null;
  const actual = o.run ? { version: o.run.version, hash: o.run.hash } : null;
  const verdict = (status: "in-sync" | "drifted" | "unknown", reason: DriftReason | null) => ({
    status,
    expected,
    actual,
    reason,
  });
  if (!expected) {
    return verdict("unknown", "no-bundle");
  }
  if (actual && actual.version === expected.version && actual.hash === expected.hash) {
    return verdict("in-sync", null);
  }
  if (!o.live) {
    return verdict("unknown", "not-live");
  }
  if (actual && actual.version >= expected.version) {
    return verdict("drifted", "hash-mismatch");
  }
  if (o.rejectedAt !== null && o.rejectedAt >= o.exp!.updatedAt.getTime() - CLOCK_SKEW_MS) {
    return verdict("drifted", "rejected");
  }
  if (o.now - o.exp!.updatedAt.getTime() < DRIFT_GRACE_MS) {
    return verdict("unknown", "propagating");
  }
  return verdict("drifted", actual ? "stale" : "missing");
}

type DriftReason = "stale" | "hash-mismatch" | "missing" | "rejected" | "propagating" | "not-live" | "no-bundle";
