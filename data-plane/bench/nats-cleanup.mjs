// The streams a bench run left on the shared NATS: its analytics stream and bundle bucket.
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

export async function deleteRunStreams(prefix) {
  const nc = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" });
  const jsm = await jetstreamManager(nc);
  for await (const st of jsm.streams.list()) {
    if (st.config.name.startsWith(prefix) || st.config.name.startsWith(`KV_${prefix}`)) {
      await jsm.streams.delete(st.config.name);
    }
  }
  await nc.close();
}
