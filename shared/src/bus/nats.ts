import { readFileSync } from "node:fs";
import type { JetStreamManager } from "@nats-io/jetstream";
import { AckPolicy, type JetStreamClient, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { Bucket, type KV, Kvm, type KvEntry as NatsKvEntry } from "@nats-io/kv";
import {
  connect,
  credsAuthenticator,
  type MsgHdrs,
  type NatsConnection,
  headers as natsHeaders,
} from "@nats-io/transport-node";
import { type TraceHeaders, tracedConsume, tracedPublish, tracerOrNull } from "../telemetry/index.js";
import type { Bus, ConsumeOptions, KvEntry, KvWatchOptions, Stoppable, StreamMessage } from "./interface.js";

export interface NatsBusOptions {
  /** Comma-separated server URLs, as in NATS_URL. */
  servers: string;
  /** Path of a NATS credentials file (self-hosted gateways). */
  credsFile?: string;
  name: string;
  /**
   * JetStream domain of the cluster. Clients behind a leaf node without JetStream reach the
   * cluster's JetStream only by its domain ($JS.<domain>.API), so every process names it.
   */
  domain?: string;
  /** Replicas of the buckets and streams this process creates (3 on a 3-node cluster). */
  replicas?: number;
  /** Prefix of the connection's reply inboxes; scoped credentials may subscribe to theirs only. */
  inboxPrefix?: string;
  onError?: (error: unknown) => void;
}

const RETRY_MS = 1000;
/**
 * How long a delivered, unacknowledged stream message waits before it is delivered again: what
 * a message in flight to a consumer that stopped or died costs. A handler slower than this gets
 * its message twice; consumers are idempotent (analytics ingest is, on event id).
 */
const ACK_WAIT_NS = 10_000_000_000;
/** How long stopping a consumer waits for the messages it already received to be handled. */
const STOP_GRACE_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TRACER = "@portico/bus";
const TRACE_HEADERS = ["traceparent", "tracestate"] as const;

function toMsgHdrs(trace: TraceHeaders | undefined): MsgHdrs | undefined {
  if (trace === undefined) {
    return undefined;
  }
  const h = natsHeaders();
  for (const [name, value] of Object.entries(trace)) {
    h.set(name, value);
  }
  return h;
}

function fromMsgHdrs(h: MsgHdrs | undefined): Record<string, string> | undefined {
  if (h === undefined || !h.get("traceparent")) {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const name of TRACE_HEADERS) {
    const value = h.get(name);
    if (value) {
      out[name] = value;
    }
  }
  return out;
}

/**
 * The headers of a watched KV entry. The KV API does not expose them; its entries keep the
 * stream message as `sm`. Without it (another nats.js), the entry just carries no trace.
 */
const kvEntryHeaders = (e: NatsKvEntry) => fromMsgHdrs((e as { sm?: { headers?: MsgHdrs } }).sm?.headers);

/**
 * Bus over NATS JetStream. It connects in the background and reconnects forever, so a
 * process that starts while NATS is down still starts; calls that need the server wait for
 * it, except `streamPublish`, which fails fast so callers can spool.
 */
export class NatsBus implements Bus {
  readonly #opts: NatsBusOptions;
  #nc: NatsConnection | undefined;
  #js: JetStreamClient | undefined;
  #jsm: JetStreamManager | undefined;
  readonly #kvs = new Map<string, Promise<KV>>();
  readonly #ready: Promise<NatsConnection>;
  #closed = false;
  #connected = false;
  #reconnects = 0;

  constructor(opts: NatsBusOptions) {
    this.#opts = opts;
    this.#ready = this.#connect();
    this.#ready.catch(() => {});
  }

  async #connect(): Promise<NatsConnection> {
    const servers = this.#opts.servers
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const authenticator = this.#opts.credsFile ? credsAuthenticator(readFileSync(this.#opts.credsFile)) : undefined;
    const nc = await connect({
      servers,
      name: this.#opts.name,
      authenticator,
      inboxPrefix: this.#opts.inboxPrefix,
      waitOnFirstConnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: RETRY_MS,
      pingInterval: 5000,
      maxPingOut: 2,
      // Otherwise every request (each JetStream publish) builds an Error to keep its caller's
      // stack for a timeout message: tens of microseconds per analytics batch on the gateway.
      noAsyncTraces: true,
    });
    this.#nc = nc;
    this.#connected = true;
    this.#js = jetstream(nc, { timeout: 5000, domain: this.#opts.domain });
    // No JetStream probe here: a cluster still electing its leader would time it out and leave
    // the bus unusable; each JetStream call finds out, and callers retry.
    this.#jsm = await jetstreamManager(nc, { timeout: 5000, checkAPI: false, domain: this.#opts.domain });
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === "disconnect") {
          this.#connected = false;
        } else if (s.type === "reconnect") {
          this.#connected = true;
          this.#reconnects++;
        }
      }
    })();
    return nc;
  }

  async #kv(bucket: string): Promise<KV> {
    let kv = this.#kvs.get(bucket);
    if (!kv) {
      kv = this.#ready.then(() =>
        new Kvm(this.#js!).create(bucket, { history: 1, replicas: this.#opts.replicas ?? 1 }),
      );
      this.#kvs.set(bucket, kv);
      kv.catch(() => this.#kvs.delete(bucket));
    }
    return kv;
  }

  async ensureBucket(bucket: string): Promise<void> {
    await this.#kv(bucket);
  }

  async kvPut(bucket: string, key: string, value: string): Promise<number> {
    const kv = await this.#kv(bucket);
    return tracedPublish(tracerOrNull(TRACER), `publish ${bucket}`, async (trace) => {
      if (trace === undefined || !(kv instanceof Bucket)) {
        return kv.put(key, value);
      }
      // KV put takes no headers: the same publish it makes (our buckets use no codecs), with the
      // trace context added.
      const subject = kv.subjectForKey(kv.encodeKey(key), true);
      return (await kv.js.publish(subject, value, { headers: toMsgHdrs(trace) })).seq;
    });
  }

  async kvGet(bucket: string, key: string): Promise<KvEntry | null> {
    const e = await (await this.#kv(bucket)).get(key);
    if (!e) {
      return null;
    }
    return { key: e.key, value: e.operation === "PUT" ? e.string() : null, revision: e.revision };
  }

  async kvWatch(bucket: string, onEntry: (entry: KvEntry) => void, opts: KvWatchOptions = {}): Promise<Stoppable> {
    let lastRevision = 0;
    // The ordered consumer behind a watch can end when the server restarts; resume from the
    // last revision seen so nothing changed during the outage is missed.
    return this.#keepIterating(async () => {
      const kv = await this.#kv(bucket);
      const iter = await kv.watch({
        ...(opts.key === undefined ? {} : { key: opts.key }),
        ...(lastRevision > 0 ? { resumeFromRevision: lastRevision + 1 } : {}),
      });
      return {
        iter,
        each: async (e) => {
          lastRevision = Math.max(lastRevision, e.revision);
          onEntry({
            key: e.key,
            value: e.operation === "PUT" ? e.string() : null,
            revision: e.revision,
            headers: kvEntryHeaders(e),
          });
        },
      };
    });
  }

  async ensureStream(stream: string, subjects: string[]): Promise<void> {
    await this.#ready;
    const jsm = this.#jsm!;
    try {
      await jsm.streams.info(stream);
    } catch {
      await jsm.streams.add({
        name: stream,
        subjects,
        duplicate_window: 120_000_000_000,
        num_replicas: this.#opts.replicas ?? 1,
      });
    }
  }

  async streamPublish(subject: string, data: string, msgId: string): Promise<void> {
    if (!this.#js || !this.#connected) {
      throw new Error("NATS is not connected");
    }
    const js = this.#js;
    await tracedPublish(tracerOrNull(TRACER), "publish", (trace) =>
      js.publish(subject, data, { msgID: msgId, timeout: 3000, headers: toMsgHdrs(trace) }),
    );
  }

  async consume(
    stream: string,
    durable: string,
    handler: (msg: StreamMessage) => Promise<void>,
    opts: ConsumeOptions = {},
  ): Promise<Stoppable> {
    const limit = Math.max(1, opts.concurrency ?? 1);
    const running = new Set<Promise<void>>();
    const handle = async (m: JsMsg) => {
      try {
        const headers = fromMsgHdrs(m.headers);
        await tracedConsume(tracerOrNull(TRACER), `process ${stream}`, headers, () =>
          handler({ subject: m.subject, data: m.string(), headers }),
        );
        m.ack();
      } catch (error) {
        this.#opts.onError?.(error);
        m.nak(RETRY_MS);
      }
    };
    return this.#keepIterating(
      async () => {
        await this.#ready;
        await this.#jsm!.consumers.add(stream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          ack_wait: ACK_WAIT_NS,
        });
        const consumer = await this.#js!.consumers.get(stream, durable);
        const iter = await consumer.consume({ max_messages: 256 });
        return {
          iter,
          // A handler's latency, not the database's capacity, bounds one-at-a-time consumption.
          each: async (m) => {
            const p = handle(m).finally(() => running.delete(p));
            running.add(p);
            if (running.size >= limit) {
              await Promise.race(running);
            }
          },
        };
      },
      () => Promise.all(running).then(() => {}),
    );
  }

  /**
   * Runs `open` and feeds every item of the iterator it returns to `each`; when the iterator
   * ends or fails (server restart, lost consumer), opens it again after a pause, until stopped.
   */
  #keepIterating<T>(
    open: () => Promise<{ iter: AsyncIterable<T> & { stop(): void }; each: (item: T) => Promise<void> }>,
    settle?: () => Promise<void>,
  ): Stoppable {
    let stopped = false;
    let current: { stop(): void } | undefined;
    const loop = (async () => {
      while (!stopped && !this.#closed) {
        try {
          const { iter, each } = await open();
          current = iter;
          for await (const item of iter) {
            await each(item);
          }
        } catch (error) {
          this.#opts.onError?.(error);
        }
        if (!stopped) {
          await sleep(RETRY_MS);
        }
      }
    })();
    return {
      // Stopping the iterator ends it after what it already holds. With `settle` (consumers),
      // let that be handled and acknowledged rather than wait out the ack wait for redelivery.
      stop: async () => {
        stopped = true;
        current?.stop();
        if (settle) {
          await Promise.race([loop.then(settle), sleep(STOP_GRACE_MS)]);
        }
      },
    };
  }

  publish(subject: string, data: string): void {
    if (this.#nc && !this.#nc.isClosed()) {
      this.#nc.publish(subject, data);
    }
  }

  subscribe(filter: string, handler: (msg: StreamMessage) => void): Stoppable {
    let sub: { unsubscribe(): void } | undefined;
    let stopped = false;
    void this.#ready.then((nc) => {
      if (stopped) {
        return;
      }
      sub = nc.subscribe(filter, {
        callback: (error, m) => {
          if (!error) {
            handler({ subject: m.subject, data: m.string() });
          }
        },
      });
    });
    return {
      stop: async () => {
        stopped = true;
        sub?.unsubscribe();
      },
    };
  }

  isConnected(): boolean {
    return this.#connected;
  }

  reconnects(): number {
    return this.#reconnects;
  }

  /** Resolves once the first connection is up. */
  async ready(): Promise<void> {
    await this.#ready;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const nc = this.#nc;
    if (nc && !nc.isClosed()) {
      // Draining waits for the server; with the server gone it would wait for ever.
      await Promise.race([nc.drain().catch(() => {}), sleep(2000)]);
      await nc.close().catch(() => {});
    }
  }
}
