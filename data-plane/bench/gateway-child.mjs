#!/usr/bin/env node
// The fixture gateway as its own process (for bench:soak), on the real NATS at NATS_URL under
// the prefix given: analytics go to JetStream as in production. Prints {"url","jwt"}, then, with
// PORTICO_MEMORY_SAMPLE_MS set, a {"memory"} line that often: what its RSS is made of.
// Usage: node data-plane/bench/gateway-child.mjs <upstream origin> <nats prefix>
import { getHeapSpaceStatistics } from "node:v8";
import { NatsBus } from "@portico/shared/bus/nats";
import { startFixtureGateway } from "./fixture.mjs";

const bus = new NatsBus({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "portico-soak" });
const f = await startFixtureGateway({ upstream: process.argv[2], bus, natsPrefix: process.argv[3] });
process.stdout.write(`${JSON.stringify({ url: f.gw.url, jwt: f.jwt })}\n`);
const mb = (bytes) => Math.round(bytes / 104857.6) / 10;
const sampleEvery = Number(process.env.PORTICO_MEMORY_SAMPLE_MS ?? 0);
if (sampleEvery > 0) {
  setInterval(() => {
    const m = process.memoryUsage();
    const spaces = getHeapSpaceStatistics();
    const space = (name) => spaces.find((s) => s.space_name === name)?.space_size ?? 0;
    const memory = {
      heapTotalMb: mb(m.heapTotal),
      heapUsedMb: mb(m.heapUsed),
      newSpaceMb: mb(space("new_space")),
      oldSpaceMb: mb(space("old_space")),
      externalMb: mb(m.external),
    };
    process.stdout.write(`${JSON.stringify({ memory })}\n`);
  }, sampleEvery).unref();
}
process.on("SIGTERM", () => {
  f.close()
    .then(() => bus.close())
    .then(() => process.exit(0));
});
