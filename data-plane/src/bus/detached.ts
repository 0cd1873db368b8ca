import type { Bus, KvEntry, Stoppable } from "@portico/shared/bus";

const NONE: Stoppable = { stop: async () => {} };
const noBus = () => Promise.reject(new Error("no bus configured (NATS_URL is unset)"));

/**
 * The bus of a gateway started without NATS_URL: no bundles arrive, so it serves what is on
 * disk; analytics spool until a later start with a bus ships them.
 */
export class DetachedBus implements Bus {
  ensureBucket = noBus;
  kvPut = noBus;
  kvGet = noBus as () => Promise<KvEntry | null>;
  streamPublish = noBus;
  consume = noBus as () => Promise<Stoppable>;

  async kvWatch(): Promise<Stoppable> {
    return NONE;
  }

  async ensureStream(): Promise<void> {}

  publish(): void {}

  subscribe(): Stoppable {
    return NONE;
  }

  isConnected(): boolean {
    return false;
  }

  reconnects(): number {
    return 0;
  }

  async close(): Promise<void> {}
}
