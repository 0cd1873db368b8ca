#!/usr/bin/env node
// Several real gateways in one process, each with its own NATS connection, heartbeat and state
// dir (for bench:propagation). Prints "ready" once all serve; SIGTERM stops them.
// Usage: node data-plane/bench/gateways-child.mjs <nats prefix> <bundle-keys URL> <id prefix> <count>
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NatsBus } from "@portico/shared/bus/nats";
import pino from "pino";
import { startGateway } from "../dist/index.js";

const [prefix, keysUrl, idPrefix, count] = process.argv.slice(2);
const bundleKeys = await (await fetch(keysUrl)).json();
const dataDir = mkdtempSync(join(tmpdir(), "portico-propagation-"));
const running = [];
for (let i = 0; i < Number(count); i++) {
  const gatewayId = `${idPrefix}-${i}`;
  const bus = new NatsBus({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: gatewayId });
  const gateway = await startGateway({
    bus,
    environment: "default",
    gatewayId,
    dataDir,
    port: 0,
    host: "127.0.0.1",
    bundleKeys,
    natsPrefix: prefix,
    heartbeatMs: 1000,
    logger: pino({ level: "warn" }),
  });
  running.push({ gateway, bus });
}
process.stdout.write("ready\n");
process.on("SIGTERM", async () => {
  for (const { gateway, bus } of running) {
    await gateway.close();
    await bus.close();
  }
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
