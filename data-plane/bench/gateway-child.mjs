#!/usr/bin/env node
// The fixture gateway as its own process (for bench:soak), on the real NATS at NATS_URL under
// the prefix given: analytics go to JetStream as in production. Prints {"url","jwt"}.
// Usage: node data-plane/bench/gateway-child.mjs <upstream origin> <nats prefix>
import { NatsBus } from "@portico/shared/bus/nats";
import { startFixtureGateway } from "./fixture.mjs";

const bus = new NatsBus({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "portico-soak" });
const f = await startFixtureGateway({ upstream: process.argv[2], bus, natsPrefix: process.argv[3] });
process.stdout.write(`${JSON.stringify({ url: f.gw.url, jwt: f.jwt })}\n`);
process.on("SIGTERM", () => {
  f.close()
    .then(() => bus.close())
    .then(() => process.exit(0));
});
