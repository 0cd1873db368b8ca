#!/usr/bin/env node
// npm run bench:analytics: 100,000 requests through three gateways while each gateway, NATS (a
// nats-server of its own) and the control plane restart once; analytics must count each request
// exactly once. It is the CI test control-plane/src/test/analytics-exactly-once.e2e.test.ts at
// full size and unpaced; the figures (lost, duplicated, durations) go to
// data-plane/bench/results/analytics-<time>.json.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const result = `${root}data-plane/bench/results/analytics-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
const run = spawnSync("npx", ["vitest", "run", "src/test/analytics-exactly-once.e2e.test.ts"], {
  cwd: `${root}control-plane`,
  stdio: "inherit",
  env: {
    PORTICO_ANALYTICS_REQUESTS: "100000",
    PORTICO_ANALYTICS_RATE: "0",
    PORTICO_ANALYTICS_CONCURRENCY: "48",
    ...process.env,
    PORTICO_ANALYTICS_RESULT: result,
  },
});
console.info(`result: ${result}`);
process.exit(run.status ?? 1);
