/**
 * What the control plane and the gateways need from the message bus. The NATS implementation
 * is the real one; the in-process one gives the all-in-one the same semantics without a server.
 */
export interface KvEntry {
  key: string;
  /** null when the key was deleted or purged. */
  value: string | null;
  revision: number;
  /** Trace context the writer sent along (`traceparent`), when it traced the write. */
  headers?: Readonly<Record<string, string>>;
}

export interface KvWatchOptions {
  /** Watch this key only (credentials scoped to one key allow no wider watch). */
  key?: string;
}

export interface StreamMessage {
  data: string;
  subject: string;
  /** Trace context the publisher sent along (`traceparent`), when it traced the publish. */
  headers?: Readonly<Record<string, string>>;
}

export interface ConsumeOptions {
  /** Messages handled at once, at most (default 1: in order). Implementations may use fewer. */
  concurrency?: number;
}

export interface Stoppable {
  stop(): Promise<void>;
}

export interface Bus {
  /** Creates the KV bucket when absent (idempotent). */
  ensureBucket(bucket: string): Promise<void>;
  kvPut(bucket: string, key: string, value: string): Promise<number>;
  kvGet(bucket: string, key: string): Promise<KvEntry | null>;
  /**
   * Calls `onEntry` with the latest value of every key, then with each change. Survives
   * reconnects: after an outage it delivers what changed meanwhile.
   */
  kvWatch(bucket: string, onEntry: (entry: KvEntry) => void, opts?: KvWatchOptions): Promise<Stoppable>;

  /** Creates the stream when absent (idempotent). */
  ensureStream(stream: string, subjects: string[]): Promise<void>;
  /** Durable publish; `msgId` de-duplicates retries. Rejects when the bus is unreachable. */
  streamPublish(subject: string, data: string, msgId: string): Promise<void>;
  /**
   * Durable, shared consumer: each message goes to one consumer instance and is removed
   * from its queue only when `handler` resolves; a rejection redelivers it later.
   */
  consume(
    stream: string,
    durable: string,
    handler: (msg: StreamMessage) => Promise<void>,
    opts?: ConsumeOptions,
  ): Promise<Stoppable>;

  /** Fire-and-forget notification (heartbeats, acks): lost when nobody listens. */
  publish(subject: string, data: string): void;
  /** `filter` may end in `>` or contain `*` tokens, as NATS subjects do. */
  subscribe(filter: string, handler: (msg: StreamMessage) => void): Stoppable;

  /** Whether the bus is reachable now. */
  isConnected(): boolean;
  /** Times the connection came back after a loss, since the bus was made (a metric). */
  reconnects(): number;
  close(): Promise<void>;
}

/** NATS subject matching: `*` matches one token, a trailing `>` one or more. */
export function subjectMatches(filter: string, subject: string): boolean {
  const f = filter.split(".");
  const s = subject.split(".");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === ">") {
      return s.length > i;
    }
    if (i >= s.length || (f[i] !== "*" && f[i] !== s[i])) {
      return false;
    }
  }
  return f.length === s.length;
}
