import type { Bus, Stoppable } from "@portico/shared/bus";
import type { Logger } from "pino";
import type { RateDecision } from "./rate-limit.js";

/** What a gateway tells the others: its own admitted count per key and window start. */
interface SyncMessage {
  gw: string;
  /** [key, windowStart, count] — cumulative for that window, so a lost or repeated message does no harm */
  c: [string, number, number][];
}

interface WindowCount {
  windowStart: number;
  /** epoch ms after which the window can be forgotten (0: not known yet, heard from others) */
  windowEnd: number;
  local: number;
  /** gateway id → its latest cumulative count for this window */
  remote: Map<string, number>;
  remoteSum: number;
  dirty: boolean;
}

/**
 * Rate limits shared by the gateways of one environment. Consistency model: fixed windows
 * aligned on the epoch; each gateway admits while `its own count + the last counts it heard
 * from the others < limit`, and publishes its own cumulative counts of changed windows every
 * `syncMs` on a core NATS subject (no persistence: a window is short-lived). Nothing is
 * called on the request path. Over-admission is bounded by what the other gateways admit
 * during one sync interval (plus NATS latency) once the limit is reached; a gateway cut off
 * from NATS falls back to counting alone (at most N × limit with N gateways).
 */
export class SharedCounters {
  readonly #bus: Bus;
  readonly #subject: string;
  readonly #gatewayId: string;
  readonly #logger: Logger;
  readonly #windows = new Map<string, WindowCount>();
  #sub: Stoppable | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(bus: Bus, subject: string, gatewayId: string, logger: Logger) {
    this.#bus = bus;
    this.#subject = subject;
    this.#gatewayId = gatewayId;
    this.#logger = logger;
  }

  start(syncMs = 100): void {
    this.#sub = this.#bus.subscribe(this.#subject, (msg) => this.#receive(msg.data));
    this.#timer = setInterval(() => this.#publish(Date.now()), syncMs).unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#publish(Date.now());
    await this.#sub?.stop();
  }

  take(key: string, limit: number, windowMs: number, now: number): RateDecision {
    const windowStart = now - (now % windowMs);
    return this.takeIn(key, limit, windowStart, windowStart + windowMs, now);
  }

  /** Same for a window given by its bounds (calendar months for quotas). */
  takeIn(key: string, limit: number, windowStart: number, windowEnd: number, now: number): RateDecision {
    let w = this.#windows.get(key);
    if (w === undefined || w.windowStart !== windowStart) {
      if (w !== undefined && w.windowStart > windowStart) {
        // a count heard from a gateway whose clock runs ahead: treat as this window
        w.windowStart = windowStart;
      } else {
        w = { windowStart, windowEnd, local: 0, remote: new Map(), remoteSum: 0, dirty: false };
        this.#windows.set(key, w);
      }
    }
    w.windowEnd = windowEnd;
    const used = w.local + w.remoteSum;
    const allowed = used < limit;
    if (allowed) {
      w.local++;
      w.dirty = true;
    }
    const resetS = Math.ceil((windowEnd - now) / 1000);
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - used - (allowed ? 1 : 0)),
      resetS,
      retryAfterS: allowed ? 0 : Math.max(1, resetS),
    };
  }

  #publish(now: number): void {
    const c: [string, number, number][] = [];
    for (const [key, w] of this.#windows) {
      if (w.dirty) {
        c.push([key, w.windowStart, w.local]);
        w.dirty = false;
      } else if (w.windowEnd !== 0 ? now > w.windowEnd + 60_000 : now - w.windowStart > 40 * 86_400_000) {
        this.#windows.delete(key);
      }
    }
    if (c.length > 0) {
      try {
        this.#bus.publish(this.#subject, JSON.stringify({ gw: this.#gatewayId, c } satisfies SyncMessage));
      } catch (error) {
        this.#logger.debug({ err: error }, "rate-limit sync not published");
      }
    }
  }

  #receive(data: string): void {
    let msg: SyncMessage;
    try {
      msg = JSON.parse(data) as SyncMessage;
    } catch {
      return;
    }
    if (msg.gw === this.#gatewayId || !Array.isArray(msg.c)) {
      return;
    }
    for (const entry of msg.c) {
      const [key, windowStart, count] = entry;
      if (typeof key !== "string" || typeof windowStart !== "number" || typeof count !== "number") {
        continue;
      }
      let w = this.#windows.get(key);
      if (w === undefined || w.windowStart < windowStart) {
        w = { windowStart, windowEnd: 0, local: 0, remote: new Map(), remoteSum: 0, dirty: false };
        this.#windows.set(key, w);
      } else if (w.windowStart > windowStart) {
        continue; // an old window
      }
      const before = w.remote.get(msg.gw) ?? 0;
      if (count > before) {
        w.remote.set(msg.gw, count);
        w.remoteSum += count - before;
      }
    }
  }

  get size(): number {
    return this.#windows.size;
  }
}
