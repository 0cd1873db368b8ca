import { tracedConsume, tracedPublish, tracerOrNull } from "../telemetry/index.js";
import type { Bus, KvEntry, KvWatchOptions, Stoppable, StreamMessage } from "./interface.js";
import { subjectMatches } from "./interface.js";

interface Stream {
  subjects: string[];
  messages: StreamMessage[];
  seenIds: Set<string>;
  /** durable name → index of the next undelivered message */
  cursors: Map<string, { next: number; running: boolean; wake?: () => void }>;
}

const TRACER = "@portico/bus";

/**
 * In-process bus for the all-in-one: the same contract as NATS JetStream (last value per key
 * on watch, de-duplication by message id, at-least-once durable consumers).
 */
export class MemoryBus implements Bus {
  readonly #buckets = new Map<string, { revision: number; entries: Map<string, KvEntry> }>();
  readonly #watchers = new Map<string, Set<(e: KvEntry) => void>>();
  readonly #streams = new Map<string, Stream>();
  readonly #subs = new Set<{ filter: string; handler: (m: StreamMessage) => void }>();

  async ensureBucket(bucket: string): Promise<void> {
    if (!this.#buckets.has(bucket)) {
      this.#buckets.set(bucket, { revision: 0, entries: new Map() });
    }
  }

  async kvPut(bucket: string, key: string, value: string): Promise<number> {
    await this.ensureBucket(bucket);
    return tracedPublish(tracerOrNull(TRACER), `publish ${bucket}`, async (headers) =>
      this.#kvPut(bucket, key, value, headers),
    );
  }

  #kvPut(bucket: string, key: string, value: string, headers: KvEntry["headers"]): number {
    const b = this.#buckets.get(bucket)!;
    const entry = { key, value, revision: ++b.revision, headers };
    b.entries.set(key, entry);
    for (const w of this.#watchers.get(bucket) ?? []) {
      queueMicrotask(() => w(entry));
    }
    return entry.revision;
  }

  async kvGet(bucket: string, key: string): Promise<KvEntry | null> {
    return this.#buckets.get(bucket)?.entries.get(key) ?? null;
  }

  async kvWatch(bucket: string, onEntry: (entry: KvEntry) => void, opts: KvWatchOptions = {}): Promise<Stoppable> {
    await this.ensureBucket(bucket);
    const watcher = opts.key === undefined ? onEntry : (e: KvEntry) => e.key === opts.key && onEntry(e);
    for (const e of this.#buckets.get(bucket)!.entries.values()) {
      watcher(e);
    }
    const set = this.#watchers.get(bucket) ?? new Set();
    this.#watchers.set(bucket, set);
    set.add(watcher);
    return { stop: async () => void set.delete(watcher) };
  }

  async ensureStream(stream: string, subjects: string[]): Promise<void> {
    if (!this.#streams.has(stream)) {
      this.#streams.set(stream, { subjects, messages: [], seenIds: new Set(), cursors: new Map() });
    }
  }

  async streamPublish(subject: string, data: string, msgId: string): Promise<void> {
    await tracedPublish(tracerOrNull(TRACER), "publish", async (headers) =>
      this.#streamPublish(subject, data, msgId, headers),
    );
  }

  #streamPublish(subject: string, data: string, msgId: string, headers: StreamMessage["headers"]): void {
    const stream = [...this.#streams.values()].find((s) => s.subjects.some((f) => subjectMatches(f, subject)));
    if (!stream) {
      throw new Error(`no stream matches subject ${subject}`);
    }
    if (stream.seenIds.has(msgId)) {
      return;
    }
    stream.seenIds.add(msgId);
    stream.messages.push({ subject, data, headers });
    for (const c of stream.cursors.values()) {
      c.wake?.();
    }
  }

  async consume(
    streamName: string,
    durable: string,
    handler: (msg: StreamMessage) => Promise<void>,
  ): Promise<Stoppable> {
    const stream = this.#streams.get(streamName);
    if (!stream) {
      throw new Error(`no stream ${streamName}`);
    }
    const cursor = stream.cursors.get(durable) ?? { next: 0, running: false };
    stream.cursors.set(durable, cursor);
    let stopped = false;
    const loop = async () => {
      while (!stopped) {
        const msg = stream.messages[cursor.next];
        if (!msg) {
          await new Promise<void>((resolve) => {
            cursor.wake = resolve;
          });
          continue;
        }
        try {
          await tracedConsume(tracerOrNull(TRACER), `process ${streamName}`, msg.headers, () => handler(msg));
          cursor.next++;
        } catch {
          // At-least-once: keep the message and try again shortly, as a NAK with delay would.
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    };
    void loop();
    return {
      stop: async () => {
        stopped = true;
        cursor.wake?.();
      },
    };
  }

  publish(subject: string, data: string): void {
    for (const s of this.#subs) {
      if (subjectMatches(s.filter, subject)) {
        queueMicrotask(() => s.handler({ subject, data }));
      }
    }
  }

  subscribe(filter: string, handler: (msg: StreamMessage) => void): Stoppable {
    const sub = { filter, handler };
    this.#subs.add(sub);
    return { stop: async () => void this.#subs.delete(sub) };
  }

  isConnected(): boolean {
    return true;
  }

  reconnects(): number {
    return 0;
  }

  async close(): Promise<void> {
    this.#subs.clear();
    this.#watchers.clear();
  }
}
