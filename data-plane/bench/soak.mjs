#!/usr/bin/env node
// npm run bench:soak — the fixture gateway (own process, pinned to CPU 0) under a constant
// 1,000 req/s (JWT + subscription + rate limit + analytics) for 10 minutes; samples its RSS
// every 10 s, with what the gateway says its V8 heap and new space hold, and reports growth from
// the end of the first minute (warm-up) to the end.
// Analytics go to the real NATS JetStream (the run's stream is deleted afterwards).
// Env: PORTICO_SOAK_SECONDS (600), PORTICO_SOAK_RATE (1000). JSON into bench/results/.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Pool } from "undici";
import { GATEWAY_NODE_FLAGS } from "../dist/index.js";
import { deleteRunStreams } from "./nats-cleanup.mjs";

const SECONDS = Number(process.env.PORTICO_SOAK_SECONDS ?? 600);
const RATE = Number(process.env.PORTICO_SOAK_RATE ?? 1000);
const SAMPLE_MS = 10_000;
const here = new URL(".", import.meta.url).pathname;
const twoCores = cpus().length >= 2;
const children = [];
const node = (core, args) => {
  const c = twoCores
    ? spawn("taskset", ["-c", String(core), process.execPath, ...args], { stdio: ["ignore", "pipe", "inherit"] })
    : spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(c);
  return c;
};
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;

const upPort = 30000 + Math.floor(Math.random() * 10000);
node(1, [
  "-e",
  `require("node:http").createServer((q,s)=>{q.resume();q.on("end",()=>{s.writeHead(200,{"content-type":"text/plain","content-length":"2"});s.end("ok")})}).listen(${upPort},"127.0.0.1")`,
]);
await new Promise((r) => setTimeout(r, 300));
const prefix = `soak${Date.now().toString(36)}`;
// the gateway reports its memory as often as its RSS is sampled
process.env.PORTICO_MEMORY_SAMPLE_MS = String(SAMPLE_MS);
const gwChild = node(0, [...GATEWAY_NODE_FLAGS, join(here, "gateway-child.mjs"), `http://127.0.0.1:${upPort}`, prefix]);
const gwLines = createInterface({ input: gwChild.stdout })[Symbol.asyncIterator]();
const { url, jwt } = JSON.parse((await gwLines.next()).value);
let gwMemory = {};
void (async () => {
  for await (const line of gwLines) {
    gwMemory = JSON.parse(line).memory ?? gwMemory;
  }
})();

const pool = new Pool(url, { connections: 32 });
const path = "/t/q/full/v1/";
const headers = { authorization: `Bearer ${jwt}` };
let sent = 0;
let ok = 0;
let failed = 0;
const latencies = [];
const one = async () => {
  const t0 = performance.now();
  try {
    const res = await pool.request({ path, method: "GET", headers });
    await res.body.dump();
    if (res.statusCode === 200) {
      ok++;
    } else {
      failed++;
    }
  } catch {
    failed++;
  }
  latencies.push(performance.now() - t0);
};
const samples = [];
const start = Date.now();
const tick = setInterval(() => {
  const due = Math.floor(((Date.now() - start) / 1000) * RATE);
  while (sent < due) {
    sent++;
    void one();
  }
}, 5);
const sampler = setInterval(() => {
  const s = {
    s: Math.round((Date.now() - start) / 1000),
    rssMb: Math.round(rssMb(gwChild.pid) * 10) / 10,
    ...gwMemory,
  };
  samples.push(s);
  process.stdout.write(
    `  ${s.s}s  RSS ${s.rssMb} MB (heap ${s.heapTotalMb}, new space ${s.newSpaceMb}, external ${s.externalMb})  ok ${ok}  failed ${failed}\n`,
  );
}, SAMPLE_MS);
await new Promise((r) => setTimeout(r, SECONDS * 1000));
clearInterval(tick);
clearInterval(sampler);
await new Promise((r) => setTimeout(r, 1000));
const warm = samples.find((x) => x.s >= Math.min(60, SECONDS / 4)) ?? samples[0];
const last = samples.at(-1);
latencies.sort((a, b) => a - b);
const q = (p) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 1000) / 1000;
const result = {
  at: new Date().toISOString(),
  seconds: SECONDS,
  targetRate: RATE,
  sent,
  ok,
  failed,
  /** answered per second over the run: below the target, the box could not keep up and requests queued in the client */
  achievedRps: Math.round(ok / SECONDS),
  latencyMs: { p50: q(0.5), p99: q(0.99), max: q(1) },
  rss: {
    afterWarmupMb: warm.rssMb,
    endMb: last.rssMb,
    growthPct: Math.round(((last.rssMb - warm.rssMb) / warm.rssMb) * 1000) / 10,
  },
  samples,
};
const dir = join(here, "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `soak-${result.at.replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(
  `soak: ${sent} requests at ${RATE}/s over ${SECONDS}s, ${ok} answered (${result.achievedRps}/s), ${failed} failed, p50 ${result.latencyMs.p50} ms p99 ${result.latencyMs.p99} ms; RSS ${warm.rssMb} → ${last.rssMb} MB (${result.rss.growthPct} %)\n  ${file}\n`,
);
await pool.close();
for (const c of children) {
  c.kill("SIGTERM");
}
await new Promise((r) => setTimeout(r, 2000));
await deleteRunStreams(prefix);
process.exit(0);
