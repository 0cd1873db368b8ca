/**
 * A fixed-window counter per key, in memory: enough to blunt floods against one control-plane
 * process (each process counts on its own). The whole map is dropped when a window ends, so
 * keys an attacker invents never pile up.
 */
export class FixedWindow {
  private counts = new Map<string, number>();
  private windowEnds = 0;

  constructor(
    private readonly windowMs: number,
    private readonly limit: number,
  ) {}

  /** Counts one event for `key`: 0 when allowed, else the seconds until the window ends. */
  take(key: string, now = Date.now()): number {
    if (now >= this.windowEnds) {
      this.counts.clear();
      this.windowEnds = now + this.windowMs;
    }
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n > this.limit ? Math.max(1, Math.ceil((this.windowEnds - now) / 1000)) : 0;
  }
}
