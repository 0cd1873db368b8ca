#!/usr/bin/env node
// The fixture gateway as its own process (for bench:soak): prints {"url","jwt"} on stdout.
// Usage: node data-plane/bench/gateway-child.mjs <upstream origin>
import { startFixtureGateway } from "./fixture.mjs";

const f = await startFixtureGateway({ upstream: process.argv[2] });
process.stdout.write(`${JSON.stringify({ url: f.gw.url, jwt: f.jwt })}\n`);
process.on("SIGTERM", () => {
  f.close().then(() => process.exit(0));
});
