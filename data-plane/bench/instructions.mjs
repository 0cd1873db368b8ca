#!/usr/bin/env node
// npm run bench:instructions — machine instructions per request, counted by valgrind's
// callgrind, for the reference proxy and for Portico (bare route, JWT, API key). Counts do
// not depend on what else the machine runs, so they compare builds on a busy box where
// req/s does not. Each proxy runs under callgrind with instrumentation off while it starts
// and warms up (the JIT tiers up the same as without valgrind), then counts exactly N
// requests from a raw-socket driver (bench/drive.mjs), every thread included (GC, JIT).
// A recompile, a major GC or an analytics batch lands in one run or another, so each row is
// counted in several runs and the median is reported, for the main thread and for all threads.
// Env: PORTICO_INSTR_REQUESTS (2000 per run), PORTICO_INSTR_ROUNDS (3), PORTICO_INSTR_WARMUP
// (5000 per row), PORTICO_INSTR_ROWS (e.g. "referenceProxy,porticoJwt"), PORTICO_INSTR_NODE_ARGS.
// JSON into bench/results/.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { driveCount } from "./drive.mjs";
import { deleteRunStreams } from "./nats-cleanup.mjs";

const N = Number(process.env.PORTICO_INSTR_REQUESTS ?? 2000);
const WARMUP = Number(process.env.PORTICO_INSTR_WARMUP ?? 5000);
const ROUNDS = Number(process.env.PORTICO_INSTR_ROUNDS ?? 3);
/**
 * Extra node flags for the counted proxies, e.g. "--no-concurrent-recompilation": under valgrind
 * V8's background compiler thread crawls, so a big code base may still run unoptimised code
 * after the warm-up; compiling on the main thread finishes tier-up inside the warm-up.
 */
const NODE_ARGS = (process.env.PORTICO_INSTR_NODE_ARGS ?? "").split(" ").filter(Boolean);
/** comma-separated row names to count (all by default) */
const ROWS = process.env.PORTICO_INSTR_ROWS?.split(",");
const CONNECTIONS = 8;
const here = new URL(".", import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), "portico-callgrind-"));
const children = [];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function start(args, withCallgrind) {
  const cmd = withCallgrind ? "valgrind" : process.execPath;
  const argv = withCallgrind
    ? [
        "--tool=callgrind",
        "--instr-atstart=no",
        "--separate-threads=yes",
        `--callgrind-out-file=${join(out, "cg.%p")}`,
        process.execPath,
        ...NODE_ARGS,
        ...args,
      ]
    : args;
  const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "ignore"] });
  children.push(child);
  return child;
}

const firstLine = (child) =>
  createInterface({ input: child.stdout })
    [Symbol.asyncIterator]()
    .next()
    .then((l) => l.value);

/**
 * The instructions callgrind counted while `fn` ran, from a dump of the process's counters:
 * on the main thread (the request path, scavenges included), and in every thread (V8's
 * background compiler and GC helpers too, whose share swings with when the JIT recompiles).
 */
async function counted(pid, fn) {
  execFileSync("callgrind_control", ["-z", String(pid)], { stdio: "ignore" });
  execFileSync("callgrind_control", ["-i", "on", String(pid)], { stdio: "ignore" });
  const r = await fn();
  execFileSync("callgrind_control", ["-i", "off", String(pid)], { stdio: "ignore" });
  const before = new Set(readdirSync(out));
  execFileSync("callgrind_control", ["-d", String(pid)], { stdio: "ignore" });
  let all = 0;
  let main = 0;
  for (const f of readdirSync(out)) {
    if (!before.has(f) && f.startsWith(`cg.${pid}.`)) {
      const n = Number(/^totals: (\d+)/m.exec(readFileSync(join(out, f), "utf8"))?.[1] ?? 0);
      all += n;
      // one file per thread, "-01" being the main one
      if (f.endsWith("-01")) {
        main += n;
      }
    }
  }
  return { ...r, all, main };
}

/** One row: its warm-up, then ROUNDS counted runs in a row (the JIT settles on this path first). */
async function row(pid, url, headers) {
  process.stderr.write(`  ${url}: warming up\n`);
  const w = await driveCount(url, headers, WARMUP, CONNECTIONS);
  if (w.non2xx > 0) {
    throw new Error(`${url}: ${w.non2xx} of the warm-up requests failed`);
  }
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) {
    process.stderr.write(`  ${url}: counted run ${round + 1}/${ROUNDS}\n`);
    runs.push(await counted(pid, () => driveCount(url, headers, N, CONNECTIONS)));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const main = runs.map((r) => Math.round(r.main / N));
  const all = runs.map((r) => Math.round(r.all / N));
  return {
    mainThread: median(main),
    allThreads: median(all),
    runsMainThread: main,
    runsAllThreads: all,
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
  };
}

const upPort = 30000 + Math.floor(Math.random() * 10000);
start(
  [
    "-e",
    // proxies under valgrind are slow: no idle timeout may close their upstream connections
    `const u=require("node:http").createServer((q,s)=>{q.resume();q.on("end",()=>{s.writeHead(200,{"content-type":"text/plain","content-length":"2"});s.end("ok")})});u.keepAliveTimeout=600000;u.listen(${upPort},"127.0.0.1",()=>console.log("up"))`,
  ],
  false,
);
await firstLine(children[0]);
const upstream = `http://127.0.0.1:${upPort}`;
const prefix = `instr${Date.now().toString(36)}`;

const gwChild = start([join(here, "gateway-child.mjs"), upstream, prefix], true);
const { url, jwt } = JSON.parse(await firstLine(gwChild));
const refPort = upPort + 1;
const ref = start([join(here, "ref-proxy.mjs"), String(refPort), upstream, jwt], true);
const bearer = { authorization: `Bearer ${jwt}` };
for (;;) {
  const ok = await driveCount(`http://127.0.0.1:${refPort}/`, bearer, 1, 1).then(
    () => true,
    () => false,
  );
  if (ok) {
    break;
  }
  await sleep(500);
}

const targets = {
  referenceProxy: [ref.pid, `http://127.0.0.1:${refPort}/`, bearer],
  porticoBare: [gwChild.pid, `${url}/t/q/bare/v1/`, {}],
  porticoJwt: [gwChild.pid, `${url}/t/q/full/v1/`, bearer],
  porticoApiKey: [gwChild.pid, `${url}/t/q/full/v1/`, { "x-api-key": "key-1" }],
};
const rows = {};
for (const [name, target] of Object.entries(targets)) {
  if (ROWS === undefined || ROWS.includes(name)) {
    rows[name] = await row(...target);
  }
}
const reference = rows.referenceProxy;
for (const r of Object.values(rows)) {
  if (reference !== undefined) {
    r.mainThreadOfReference = Math.round((r.mainThread / reference.mainThread) * 1000) / 1000;
    r.allThreadsOfReference = Math.round((r.allThreads / reference.allThreads) * 1000) / 1000;
  }
}
const result = {
  at: new Date().toISOString(),
  node: process.version,
  nodeArgs: NODE_ARGS,
  method: `valgrind --tool=callgrind --separate-threads=yes; per row ${WARMUP} uninstrumented warm-up requests, then ${ROUNDS} runs of ${N} counted requests, median reported; ${CONNECTIONS} keep-alive connections from a raw-socket driver`,
  rows,
};
const dir = join(here, "results");
mkdirSync(dir, { recursive: true });
const file = join(dir, `instructions-${result.at.replace(/[:.]/g, "-")}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
for (const [name, r] of Object.entries(rows)) {
  process.stdout.write(
    `  ${name.padEnd(16)} main thread ${String(r.mainThread).padStart(7)} instructions/request (${r.mainThreadOfReference ?? "-"}× ref; runs ${r.runsMainThread.join(" ")})   all threads ${String(r.allThreads).padStart(7)} (${r.allThreadsOfReference ?? "-"}× ref)${r.non2xx ? `   non-2xx ${r.non2xx}` : ""}\n`,
  );
}
process.stdout.write(`  results: ${file}\n`);
for (const c of children) {
  c.kill("SIGTERM");
}
await sleep(3000);
rmSync(out, { recursive: true, force: true });
await deleteRunStreams(prefix);
process.exit(0);
