#!/usr/bin/env node
// npm run bench: in one run on this machine, the same upstream behind nginx (plain reverse
// proxy), the minimal Node reference proxy (data-plane/bench/ref-proxy.mjs), the same proxy with
// the gateway's node flags, Portico on a bare route (auth off) and Portico with JWT +
// subscription + rate limit + analytics, started as its launchers start it. Every proxy is
// pinned to CPU 0; wrk, the upstream, the control plane and the bench's own nats-server to
// CPU 1, and the control plane is stopped once the APIs are deployed. Per row: req/s, p50/p99,
// CPU time per request and RSS of the proxy's processes; the latency Portico adds at half its
// maximum rate, and its own time per request then; a 2-worker row against nginx with 2 workers;
// deploy → first 200 and ack latency. Side by side with the reference proxy on CPU 0: each
// Portico row, the reference proxy with the gateway's flags (the control) and the reference
// proxy's logic without node:http (data-plane/bench/ref-llhttp.mjs).
// Instructions per request (noise-free on a shared box) come from `npm run bench:instructions`;
// propagation to 20 gateways from `npm run bench:propagation` (scripts/bench-propagation.mjs).
// Results go to data-plane/bench/results/*.json.
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { DeliverPolicy, jetstream } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { GATEWAY_NODE_FLAGS } from "@portico/data-plane";
import { AnalyticsBatch, natsNames } from "@portico/shared";
import { NATS_URL, startBenchControlPlane } from "./bench-control-plane.mjs";

const DURATION = process.env.PORTICO_BENCH_DURATION ?? "10s";
const CONNECTIONS = Number(process.env.PORTICO_BENCH_CONNECTIONS ?? 50);
const DEPLOY_RUNS = Number(process.env.PORTICO_BENCH_DEPLOYS ?? 20);
const ROUNDS = Number(process.env.PORTICO_BENCH_ROUNDS ?? 3);
const PACED_SECONDS = Number(process.env.PORTICO_BENCH_PACED_SECONDS ?? 10);
const twoCores = cpus().length >= 2;
const pin = (core, cmd, args) => (twoCores ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];
let nats;

function spawnPinned(core, cmd, args, env) {
  // taskset execs the command: the child's pid is the measured process itself
  const [c, a] = pin(core, cmd, args);
  const child = spawn(c, a, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

/** The process and its children (nginx's workers): what a row's CPU and RSS are summed over. */
function processTree(pid) {
  const out = [pid];
  for (const task of [pid]) {
    try {
      const kids = readFileSync(`/proc/${task}/task/${task}/children`, "utf8").trim();
      if (kids) {
        out.push(...kids.split(/\s+/).map(Number));
      }
    } catch {}
  }
  return out;
}

const CLK_TCK = 100;
/** CPU seconds (user + system) used so far by these processes. */
function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLK_TCK;
}

/** Resident set size in MB. */
function rssMb(pids) {
  let kb = 0;
  for (const pid of pids) {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    kb += m ? Number(m[1]) : 0;
  }
  return Math.round(kb / 102.4) / 10;
}

/** wrk against one proxy, with the proxy's CPU per request and RSS around the measured run. */
function measure(url, headers, pid) {
  const pids = pid === undefined ? [] : processTree(pid);
  let cpu0 = 0;
  const r = wrk(url, headers, () => {
    cpu0 = cpuSeconds(pids);
  });
  const cpu = pids.length ? cpuSeconds(pids) - cpu0 : null;
  return {
    ...r,
    cpuUsPerRequest: cpu === null ? null : Math.round((cpu / r.requests) * 1e7) / 10,
    rssMb: pids.length ? rssMb(pids) : null,
  };
}

async function untilOk(url, ms = 20_000, headers = {}) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (
      await fetch(url, { headers }).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      return;
    }
    await sleep(50);
  }
  throw new Error(`${url} never became ready`);
}

async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** wrk on the load generator's core: the command and its arguments. */
function wrkCommand(url, headers, duration) {
  const hdr = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  return pin(1, "wrk", ["-t1", `-c${CONNECTIONS}`, `-d${duration}`, "--latency", ...hdr, url]);
}

/** wrk's own report, parsed: req/s and latency percentiles in ms. */
function parseWrk(out) {
  const ms = (v, unit) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(out);
    return m ? Math.round(ms(m[1], m[2]) * 1000) / 1000 : null;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(out)?.[1] ?? null;
  return {
    requests: Number(/(\d+) requests in/.exec(out)[1]),
    rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1])),
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    non2xx,
    socketErrors: errors,
  };
}

/** A 3 s warm-up, then the measured run. */
function wrk(url, headers = {}, afterWarmup = () => {}) {
  execFileSync(...wrkCommand(url, headers, "3s"), { stdio: "ignore" });
  afterWarmup();
  return parseWrk(execFileSync(...wrkCommand(url, headers, DURATION), { encoding: "utf8" }));
}

const execFileAsync = promisify(execFile);

/**
 * Two proxies on CPU 0 at once, each under its own wrk: the scheduler splits the core between
 * them, and whatever else the host does in that window slows both alike. Sequential rows here
 * met a host that moved by up to ±30 % between one row and the next (the reference proxy against
 * itself 0.68–1.27×); side by side, the reference proxy against itself started with the
 * gateway's flags measured 0.975–1.004× by CPU per request in nine rounds of three runs. The ratio
 * of CPU per request is the figure: it is what either proxy's req/s on a core of its own comes
 * to, while the req/s of two proxies sharing a core also depend on how the scheduler and wrk
 * divide their time.
 */
async function sideBySide([urlA, headersA, pidA], [urlB, headersB, pidB]) {
  const run = (url, headers, duration) =>
    execFileAsync(...wrkCommand(url, headers, duration), { encoding: "utf8" }).then((r) => parseWrk(r.stdout));
  await Promise.all([run(urlA, headersA, "3s"), run(urlB, headersB, "3s")]);
  const [pidsA, pidsB] = [processTree(pidA), processTree(pidB)];
  const [cpuA, cpuB] = [cpuSeconds(pidsA), cpuSeconds(pidsB)];
  const [a, b] = await Promise.all([run(urlA, headersA, DURATION), run(urlB, headersB, DURATION)]);
  const usA = ((cpuSeconds(pidsA) - cpuA) / a.requests) * 1e6;
  const usB = ((cpuSeconds(pidsB) - cpuB) / b.requests) * 1e6;
  return {
    rps: [a.rps, b.rps],
    cpuUsPerRequest: [Math.round(usA * 10) / 10, Math.round(usB * 10) / 10],
    ofFirstByCpu: share(usA, usB),
    ofFirstByRps: share(b.rps, a.rps),
    non2xx: a.non2xx + b.non2xx,
  };
}

/**
 * The constant-rate driver (bench/drive-rate.c), built once per run with the machine's C
 * compiler: it sleeps between requests, so the upstream beside it on the load generator's core
 * runs as soon as a request reaches it. Without a compiler, bench/drive.mjs at nice 19: a Node
 * driver has to poll its schedule on every event-loop turn, and the upstream then waits for the
 * core (nginx measured 0.8-2.5 ms at p50 through it at equal priority, 0.1-0.2 ms at nice 19).
 */
const driveRateBinary = (() => {
  const out = join(mkdtempSync(join(tmpdir(), "portico-bench-drive-")), "drive-rate");
  const cc = spawnSync("cc", ["-O2", "-o", out, "data-plane/bench/drive-rate.c"], { stdio: "ignore" });
  return cc.status === 0 ? out : null;
})();
const DRIVE_CONNECTIONS = 32;

function driveRate(url, headers, rate) {
  if (driveRateBinary !== null) {
    const { port, pathname, search } = new URL(url);
    const [cmd, args] = pin(1, driveRateBinary, [
      port,
      pathname + search,
      String(rate),
      String(PACED_SECONDS),
      String(DRIVE_CONNECTIONS),
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ]);
    return JSON.parse(execFileSync(cmd, args, { encoding: "utf8" }));
  }
  const [cmd, args] = pin(1, process.execPath, [
    "data-plane/bench/drive.mjs",
    "rate",
    url,
    String(rate),
    String(PACED_SECONDS),
    JSON.stringify(headers),
  ]);
  return JSON.parse(execFileSync("nice", ["-n", "19", cmd, ...args], { encoding: "utf8" }));
}

/**
 * A NATS server of the bench's own, pinned to the load generator's core: the broker takes the
 * analytics batches as the upstream takes the requests, off the proxies' core (the machine's
 * shared server floats, and the scheduler puts it beside the gateway). Without the binary, NATS_URL.
 */
async function startNats() {
  const bin = process.env.PORTICO_BENCH_NATS_SERVER ?? "/usr/sbin/nats-server";
  if (!existsSync(bin)) {
    return { url: NATS_URL, async stop() {} };
  }
  const dir = mkdtempSync(join(tmpdir(), "portico-bench-nats-"));
  const port = await freePort();
  const [c, a] = pin(1, bin, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", dir]);
  const child = spawn(c, a, { stdio: "ignore" });
  const url = `nats://127.0.0.1:${port}`;
  // up once a client gets through (retried every 50 ms for up to 10 s)
  const probe = await natsConnect({
    servers: url,
    waitOnFirstConnect: true,
    reconnectTimeWait: 50,
    maxReconnectAttempts: 200,
  });
  await probe.close();
  return {
    url,
    async stop() {
      // its store is removed once it has exited: it writes until then
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** nginx as a plain reverse proxy: one worker (one core, like the others), keep-alive to the upstream. */
function startNginx(upstreamPort, workers = 1, cores = 0) {
  const dir = mkdtempSync(join(tmpdir(), "portico-bench-nginx-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  writeFileSync(
    join(dir, "nginx.conf"),
    `worker_processes ${workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream backend { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`,
  );
  const bin = process.env.PORTICO_BENCH_NGINX ?? "/usr/sbin/nginx";
  const version = spawnSync(bin, ["-v"], { encoding: "utf8" }).stderr.trim();
  const child = spawnPinned(cores, bin, ["-p", dir, "-c", join(dir, "nginx.conf")]);
  return { port, child, version, dir };
}

/**
 * The gateway's own time per request in the given [from, to) epoch-ms windows: its analytics
 * events' total latency minus the upstream's, read back from the analytics stream. What Kong
 * reports as its own latency: the gateway's work, without the network hops and scheduler
 * wake-ups that any proxy on this machine adds (nginx's figure shows those).
 */
async function gatewayOwnMs(natsUrl, stream, apiId, windows) {
  const nc = await natsConnect({ servers: natsUrl });
  const consumer = await jetstream(nc).consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: new Date(windows[0][0] - 1000).toISOString(),
  });
  const last = windows.at(-1)[1];
  const own = windows.map(() => []);
  for (;;) {
    const m = await consumer.next({ expires: 2000 });
    if (m === null) {
      break;
    }
    const { events } = AnalyticsBatch.parse(JSON.parse(m.string()));
    for (const e of events) {
      const w = windows.findIndex(([from, to]) => e.time >= from && e.time < to);
      if (w >= 0 && e.api === apiId && e.upstreamLatencyMs !== null) {
        own[w].push(e.latencyMs - e.upstreamLatencyMs);
      }
    }
    if (events[0] !== undefined && events[0].time >= last) {
      break;
    }
  }
  await nc.close();
  return {
    events: own.reduce((n, o) => n + o.length, 0),
    p50: ms3(median(own.map((o) => percentile(o, 50)))),
    p99: ms3(median(own.map((o) => percentile(o, 99)))),
  };
}

const ms3 = (x) => Math.round(x * 1000) / 1000;
/** a / b to three places */
const share = (a, b) => ms3(a / b);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** A row's best round, with every round's req/s and their median beside it. */
const bestRound = (all) => {
  const top = all.reduce((a, b) => (b.rps > a.rps ? b : a));
  return { ...top, roundsRps: all.map((r) => r.rps), medianRps: median(all.map((r) => r.rps)) };
};
const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function main() {
  if (twoCores) {
    execFileSync("taskset", ["-pc", "1", String(process.pid)], { stdio: "ignore" });
  }
  nats = await startNats();
  const {
    cp,
    prefix,
    dataDir,
    call,
    signup,
    stop: stopControlPlane,
    close,
  } = await startBenchControlPlane("bench", nats.url);

  const upstreamPort = await freePort();
  spawnPinned(1, process.execPath, [
    "-e",
    `require("node:http").createServer((q,s)=>{q.resume();q.on("end",()=>{s.writeHead(200,{"content-type":"text/plain","content-length":"2"});s.end("ok")})}).listen(${upstreamPort},"127.0.0.1")`,
  ]);
  const gwPort = await freePort();
  // The gateway starts as its launchers start it (GATEWAY_NODE_FLAGS), plus any extra flags to try.
  const nodeArgs = [
    ...GATEWAY_NODE_FLAGS,
    ...(process.env.PORTICO_BENCH_GW_NODE_ARGS ?? "").split(" ").filter(Boolean),
  ];
  const gateway = spawnPinned(0, process.execPath, [...nodeArgs, "data-plane/dist/main.js"], {
    PORTICO_GW_PORT: String(gwPort),
    PORTICO_GW_HOST: "127.0.0.1",
    NATS_URL: nats.url,
    PORTICO_NATS_PREFIX: prefix,
    PORTICO_BUNDLE_KEYS: `${cp.url}/.well-known/portico/bundle-keys`,
    PORTICO_DATA_DIR: dataDir,
    PORTICO_GATEWAY_ID: "bench-gw",
    PORTICO_ENVIRONMENT: "default",
    LOG_LEVEL: "warn",
  });
  const upstream = `http://127.0.0.1:${upstreamPort}`;
  const gw = `http://127.0.0.1:${gwPort}`;
  await untilOk(`${upstream}/`);
  await untilOk(`${gw}/readyz`);

  const { accessToken: token } = await signup();
  await call("POST", "/api/v1/tiers", token, { name: "Bench", requestsPerMinute: 1_000_000_000 });
  const app = await call("POST", "/api/v1/applications", token, { name: "bench" });
  const creds = await call("POST", `/api/v1/applications/${app.id}/credentials`, token);
  const { key } = await call("POST", `/api/v1/applications/${app.id}/api-keys`, token);
  const tokenRes = await fetch(`${cp.url}/t/bench/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: creds.clientId,
      client_secret: creds.clientSecret,
    }),
  });
  const jwt = (await tokenRes.json()).access_token;

  /** API → publish → revision → subscribe, then time deploy → first 200 through the gateway. */
  async function deployAndTime(context, extra = {}) {
    const api = await call("POST", "/api/v1/apis", token, {
      name: context,
      context,
      version: "v1",
      upstream: { url: upstream },
      ...extra,
    });
    await call("POST", `/api/v1/apis/${api.id}/lifecycle`, token, { action: "publish" });
    const rev = await call("POST", `/api/v1/apis/${api.id}/revisions`, token);
    await call("POST", "/api/v1/subscriptions", token, { applicationId: app.id, apiId: api.id, tier: "Bench" });
    const t0 = performance.now();
    await call("POST", `/api/v1/apis/${api.id}/deployments`, token, { revisionId: rev.id, environment: "default" });
    for (;;) {
      const res = await fetch(`${gw}/t/bench/${context}/v1/`, { headers: { "x-api-key": key } });
      await res.arrayBuffer();
      if (res.status === 200) {
        return { api, ms: performance.now() - t0 };
      }
      await sleep(2);
    }
  }
  // auth off for its one operation: route + resource match + proxy, no policies
  await deployAndTime("bare", { resources: [{ method: "GET", path: "/", authRequired: false }] });
  const deploys = [];
  for (let i = 0; i < DEPLOY_RUNS; i++) {
    deploys.push(await deployAndTime(`d${i}`));
  }
  await sleep(1500);
  const acks = [];
  for (const d of deploys) {
    const [dep] = await call("GET", `/api/v1/apis/${d.api.id}/deployments`, token);
    if (dep.gateways.ackMs) {
      acks.push(dep.gateways.ackMs.max);
    }
  }
  // From here the gateway serves without its control plane, as a regional data plane does. The
  // control plane would otherwise ingest the gateway's analytics on CPU 1 during Portico's rows
  // and no other row's, and on this VM work on CPU 1 slows CPU 0: a busy loop at nice 19 on CPU 1
  // raised the gateway's CPU per request from 58–61 to 79–96 µs. The analytics still go to
  // JetStream.
  const bundleKeys = join(dataDir, "bundle-keys.json");
  writeFileSync(bundleKeys, await (await fetch(`${cp.url}/.well-known/portico/bundle-keys`)).text());
  await stopControlPlane();

  const nginx = startNginx(upstreamPort);
  const refPort = await freePort();
  const ref = spawnPinned(0, process.execPath, ["data-plane/bench/ref-proxy.mjs", String(refPort), upstream, jwt]);
  // The same proxy started with the gateway's node flags: what those flags alone are worth.
  const refFlagsPort = await freePort();
  const refFlags = spawnPinned(0, process.execPath, [
    ...GATEWAY_NODE_FLAGS,
    "data-plane/bench/ref-proxy.mjs",
    String(refFlagsPort),
    upstream,
    jwt,
  ]);
  // The reference proxy's logic without node:http (side by side and at half load): the floor of
  // a proxy on the parser the gateway's own server uses.
  const refLlhttpPort = await freePort();
  const refLlhttp = spawnPinned(0, process.execPath, [
    "data-plane/bench/ref-llhttp.mjs",
    String(refLlhttpPort),
    upstream,
    jwt,
  ]);
  await untilOk(`http://127.0.0.1:${nginx.port}/`);
  const bearer = { authorization: `Bearer ${jwt}` };
  await untilOk(`http://127.0.0.1:${refPort}/`, 20_000, bearer);
  await untilOk(`http://127.0.0.1:${refFlagsPort}/`, 20_000, bearer);
  await untilOk(`http://127.0.0.1:${refLlhttpPort}/`, 20_000, bearer);
  const gwPid = gateway.pid;

  // The box may be shared: rows run interleaved for ROUNDS rounds and each keeps its best
  // round (all rounds' req/s are kept too), so a burst of someone else's load hits every row alike.
  const rows = {
    direct: [`${upstream}/`, {}, undefined],
    nginx: [`http://127.0.0.1:${nginx.port}/`, {}, nginx.child.pid],
    ref: [`http://127.0.0.1:${refPort}/`, bearer, ref.pid],
    refFlags: [`http://127.0.0.1:${refFlagsPort}/`, bearer, refFlags.pid],
    bare: [`${gw}/t/bench/bare/v1/`, {}, gwPid],
    jwt: [`${gw}/t/bench/d0/v1/`, bearer, gwPid],
    key: [`${gw}/t/bench/d0/v1/`, { "x-api-key": key }, gwPid],
  };
  const rounds = Object.fromEntries(Object.keys(rows).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, [url, headers, pid]] of Object.entries(rows)) {
      rounds[name].push(measure(url, headers, pid));
    }
  }
  const [direct, viaNginx, viaRef, viaRefFlags, bare, viaJwt, viaKey] = Object.keys(rows).map((name) =>
    bestRound(rounds[name]),
  );
  // A best round of each row may come from different rounds; the same round's rows met the same
  // machine, so their ratio, round by round, shows how far a single ratio can be trusted.
  const byRound = (name) => {
    const ratios = rounds[name].map((r, i) => share(r.rps, rounds.ref[i].rps));
    const cpu = rounds[name].map((r, i) => share(rounds.ref[i].cpuUsPerRequest, r.cpuUsPerRequest));
    return { ofReferenceRounds: ratios, ofReferenceMedianRound: median(ratios), ofReferenceByCpuRounds: cpu };
  };

  // The same proxies side by side on CPU 0, each against the reference proxy, in interleaved
  // rounds; the reference proxy with the gateway's flags is the control (the same program).
  const pairRows = {
    refFlags: rows.refFlags,
    bare: rows.bare,
    jwt: rows.jwt,
    key: rows.key,
    refLlhttp: [`http://127.0.0.1:${refLlhttpPort}/`, bearer, refLlhttp.pid],
  };
  const pairs = Object.fromEntries(Object.keys(pairRows).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, row] of Object.entries(pairRows)) {
      pairs[name].push(await sideBySide(rows.ref, row));
    }
  }
  const pairRow = (name) => ({
    ofReferenceByCpuRounds: pairs[name].map((r) => r.ofFirstByCpu),
    ofReferenceByCpuMedian: median(pairs[name].map((r) => r.ofFirstByCpu)),
    ofReferenceByRpsRounds: pairs[name].map((r) => r.ofFirstByRps),
    rounds: pairs[name],
  });
  const sideBySideRows = {
    what: `the reference proxy and one other row on CPU 0 at the same time, each under its own wrk (${CONNECTIONS} connections, ${DURATION} after a 3 s warm-up) on CPU 1, ${ROUNDS} interleaved rounds; ofReferenceByCpu: the reference proxy's CPU per request over the row's in the same window (what their req/s on a core each would be); rounds[].rps and cpuUsPerRequest list [reference, row]`,
    referenceProxyGatewayFlags: pairRow("refFlags"),
    porticoBare: pairRow("bare"),
    porticoJwt: pairRow("jwt"),
    porticoApiKey: pairRow("key"),
    referenceLogicOnLlhttp: {
      what: "bench/ref-llhttp.mjs: the reference proxy's logic on node's llhttp binding over net, without node:http's request and response objects nor any HTTP semantics beyond what the bench sends (the floor of a proxy on that parser, not a server to deploy)",
      ...pairRow("refLlhttp"),
    },
  };

  // Gateway-added latency at half load: wrk saturates, so this drives a constant rate of half
  // Portico's best req/s (full policy set) straight at the upstream and through Portico, in
  // interleaved rounds; the added latency is the difference of the two, per round.
  const halfRate = Math.round(viaJwt.rps / 2);
  // nginx and the reference proxy run the same schedule: what any proxy, and what Node's own
  // request handling, adds on this machine is the floor the gateway's figure sits on.
  const paced = { direct: [], nginx: [], ref: [], refLlhttp: [], portico: [] };
  const porticoWindows = [];
  for (let round = 0; round < ROUNDS; round++) {
    paced.direct.push(driveRate(`${upstream}/`, {}, halfRate));
    paced.nginx.push(driveRate(`http://127.0.0.1:${nginx.port}/`, {}, halfRate));
    paced.ref.push(driveRate(`http://127.0.0.1:${refPort}/`, bearer, halfRate));
    paced.refLlhttp.push(driveRate(`http://127.0.0.1:${refLlhttpPort}/`, bearer, halfRate));
    const from = Date.now();
    paced.portico.push(driveRate(`${gw}/t/bench/d0/v1/`, bearer, halfRate));
    porticoWindows.push([from, Date.now()]);
  }
  await sleep(1500); // the last round's events are flushed within a second
  const own = await gatewayOwnMs(nats.url, natsNames(prefix).analyticsStream, deploys[0].api.id, porticoWindows);
  const pacedRow = (all) => ({
    p50: median(all.map((r) => r.p50)),
    p99: median(all.map((r) => r.p99)),
    achievedRps: median(all.map((r) => r.achievedRps)),
    rounds: all,
  });
  const added = (rows, q) => ms3(median(rows.map((r, i) => r[q] - paced.direct[i][q])));
  const halfLoad = {
    what: `constant ${halfRate} req/s (half of Portico's best, JWT + subscription + rate limit + analytics) for ${PACED_SECONDS} s per round, ${ROUNDS} interleaved rounds, ${driveRateBinary !== null ? `bench/drive-rate.c (C, epoll, ${DRIVE_CONNECTIONS} keep-alive connections) on CPU 1` : "raw-socket driver on CPU 1 at nice 19 polling its schedule every event-loop turn (bench/drive.mjs)"}; latency from write to last byte; medians over rounds`,
    rate: halfRate,
    direct: pacedRow(paced.direct),
    nginx: pacedRow(paced.nginx),
    referenceProxy: pacedRow(paced.ref),
    referenceLogicOnLlhttp: pacedRow(paced.refLlhttp),
    portico: pacedRow(paced.portico),
    nginxAddedP50Ms: added(paced.nginx, "p50"),
    referenceAddedP50Ms: added(paced.ref, "p50"),
    referenceLogicOnLlhttpAddedP50Ms: added(paced.refLlhttp, "p50"),
    gatewayAddedP50Ms: added(paced.portico, "p50"),
    gatewayAddedP99Ms: added(paced.portico, "p99"),
    gatewayBeyondReferenceP50Ms: ms3(median(paced.portico.map((r, i) => r.p50 - paced.ref[i].p50))),
    gatewayOwn: {
      what: "the gateway's own time per request, from its analytics events in Portico's rounds: total latency minus upstream latency (as Kong reports its own latency); medians over rounds",
      ...own,
    },
  };

  // Multi-core: nginx with 2 workers against Portico with 2 cluster workers, both on CPUs 0-1
  // (wrk stays on CPU 1, so it competes with one worker of each: a like-for-like row, not a
  // ceiling).
  let twoWorkers = null;
  if (twoCores) {
    const nginx2 = startNginx(upstreamPort, 2, "0,1");
    const gw2Port = await freePort();
    const gw2 = spawnPinned("0,1", process.execPath, [...nodeArgs, "data-plane/dist/main.js"], {
      PORTICO_GW_PORT: String(gw2Port),
      PORTICO_GW_HOST: "127.0.0.1",
      PORTICO_GW_WORKERS: "2",
      NATS_URL: nats.url,
      PORTICO_NATS_PREFIX: prefix,
      PORTICO_BUNDLE_KEYS: bundleKeys,
      PORTICO_DATA_DIR: dataDir,
      PORTICO_GATEWAY_ID: "bench-gw2",
      PORTICO_ENVIRONMENT: "default",
      LOG_LEVEL: "warn",
    });
    const gw2Url = `http://127.0.0.1:${gw2Port}`;
    await untilOk(`http://127.0.0.1:${nginx2.port}/`);
    // Both workers must have the bundle: a run of successes rather than one.
    for (let i = 0; i < 20; i++) {
      await untilOk(`${gw2Url}/t/bench/d0/v1/`, 30_000, bearer);
    }
    const r2 = { nginx2: [], portico2: [] };
    for (let round = 0; round < ROUNDS; round++) {
      r2.nginx2.push(measure(`http://127.0.0.1:${nginx2.port}/`, {}, nginx2.child.pid));
      r2.portico2.push(measure(`${gw2Url}/t/bench/d0/v1/`, bearer, gw2.pid));
    }
    twoWorkers = { nginx: bestRound(r2.nginx2), portico: bestRound(r2.portico2) };
    twoWorkers.portico.ofNginx = share(twoWorkers.portico.rps, twoWorkers.nginx.rps);
  }
  const ratio = (a, b) => share(a.rps, b.rps);

  const result = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, nginx: nginx.version },
    setup: {
      durationPerRun: DURATION,
      rounds: ROUNDS,
      reported:
        "per row, its best of the interleaved rounds (roundsRps lists them all); ofReferenceRounds: req/s over the reference proxy's in the same round; ofReferenceByCpuRounds: the reference proxy's CPU per request over the row's, same round",
      connections: CONNECTIONS,
      pinning: twoCores
        ? "proxies CPU 0; wrk, upstream, control plane (stopped once the APIs are deployed), the bench's nats-server CPU 1"
        : "none (one CPU)",
    },
    load: {
      direct: { what: "wrk → upstream", ...direct },
      nginx: { what: "wrk → nginx (1 worker, keep-alive upstream) → upstream", ...viaNginx },
      referenceProxy: {
        what: "wrk → node:http + Map token lookup + undici Pool.stream → upstream",
        ...viaRef,
        ofNginx: ratio(viaRef, viaNginx),
      },
      referenceProxyGatewayFlags: {
        what: `the reference proxy started with the gateway's node flags (${GATEWAY_NODE_FLAGS.join(" ")})`,
        ...viaRefFlags,
        ofReference: ratio(viaRefFlags, viaRef),
        ...byRound("refFlags"),
      },
      porticoBare: {
        what: "wrk → Portico, route with auth off (no policies) → upstream",
        ...bare,
        ofReference: ratio(bare, viaRef),
        ...byRound("bare"),
        ofReferenceWithGatewayFlags: ratio(bare, viaRefFlags),
        ofNginx: ratio(bare, viaNginx),
      },
      porticoJwt: {
        what: "wrk → Portico (JWT + subscription + rate limit + analytics) → upstream",
        ...viaJwt,
        ofReference: ratio(viaJwt, viaRef),
        ...byRound("jwt"),
        ofReferenceWithGatewayFlags: ratio(viaJwt, viaRefFlags),
        ofNginx: ratio(viaJwt, viaNginx),
      },
      porticoApiKey: {
        what: "wrk → Portico (API key + subscription + rate limit + analytics) → upstream",
        ...viaKey,
        ofReference: ratio(viaKey, viaRef),
        ...byRound("key"),
        ofReferenceWithGatewayFlags: ratio(viaKey, viaRefFlags),
        ofNginx: ratio(viaKey, viaNginx),
      },
    },
    sideBySide: sideBySideRows,
    halfLoad,
    twoWorkers: twoWorkers && {
      what: "nginx worker_processes 2 vs Portico PORTICO_GW_WORKERS=2 (node:cluster), JWT + subscription + rate limit + analytics, both pinned to CPUs 0-1",
      ...twoWorkers,
    },
    deployToFirst200Ms: {
      runs: deploys.length,
      median: Math.round(median(deploys.map((d) => d.ms))),
      p90: Math.round(
        percentile(
          deploys.map((d) => d.ms),
          90,
        ),
      ),
      max: Math.round(Math.max(...deploys.map((d) => d.ms))),
    },
    ackMs: { runs: acks.length, median: median(acks), max: Math.max(...acks) },
  };
  const resultsDir = join("data-plane", "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `bench-${result.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify(result, null, 2)}\n`);

  const row = (name, r) =>
    `  ${name.padEnd(28)} ${String(r.rps).padStart(7)} req/s   p50 ${String(r.p50).padStart(6)} ms   p99 ${String(r.p99).padStart(6)} ms` +
    `${r.cpuUsPerRequest !== null ? `   ${String(r.cpuUsPerRequest).padStart(5)} µs CPU/req   RSS ${r.rssMb} MB` : ""}` +
    `${r.ofReference ? `   ${r.ofReference}× ref${r.ofReferenceRounds ? ` (rounds ${r.ofReferenceRounds.join(" ")})` : ""}` : ""}${r.ofNginx ? `   ${r.ofNginx}× nginx` : ""}${r.non2xx ? `   non-2xx ${r.non2xx}` : ""}`;
  process.stdout.write(
    `\nPortico bench (${result.setup.pinning}; ${CONNECTIONS} connections, ${DURATION} per run, best of ${ROUNDS} interleaved rounds)\n` +
      `${row("direct to upstream", result.load.direct)}\n${row("nginx", result.load.nginx)}\n${row("reference Node proxy", result.load.referenceProxy)}\n` +
      `${row("reference, gateway's flags", result.load.referenceProxyGatewayFlags)}\n${row("Portico bare route", result.load.porticoBare)}\n` +
      `${row("Portico JWT+sub+RL+analytics", result.load.porticoJwt)}\n${row("Portico API key+sub+RL+an.", result.load.porticoApiKey)}\n` +
      `  side by side with the reference proxy on CPU 0, × reference by CPU per request (rounds): ${["referenceProxyGatewayFlags", "porticoBare", "porticoJwt", "porticoApiKey", "referenceLogicOnLlhttp"].map((k) => `${k} ${sideBySideRows[k].ofReferenceByCpuMedian} (${sideBySideRows[k].ofReferenceByCpuRounds.join(" ")})`).join("; ")}\n` +
      `  half load, ${halfRate} req/s constant: direct p50 ${halfLoad.direct.p50} ms p99 ${halfLoad.direct.p99} ms; Portico p50 ${halfLoad.portico.p50} ms p99 ${halfLoad.portico.p99} ms; gateway-added p50 ${halfLoad.gatewayAddedP50Ms} ms p99 ${halfLoad.gatewayAddedP99Ms} ms (nginx adds p50 ${halfLoad.nginxAddedP50Ms} ms, the reference proxy ${halfLoad.referenceAddedP50Ms} ms, its logic on llhttp ${halfLoad.referenceLogicOnLlhttpAddedP50Ms} ms); the gateway's own time p50 ${own.p50} ms p99 ${own.p99} ms (${own.events} events)\n` +
      (twoWorkers
        ? `${row("nginx, 2 workers", twoWorkers.nginx)}\n${row("Portico 2 workers, JWT+…", twoWorkers.portico)}\n`
        : "") +
      `  deploy → first 200 through the gateway: median ${result.deployToFirst200Ms.median} ms, p90 ${result.deployToFirst200Ms.p90} ms (${deploys.length} deploys)\n` +
      `  deploy → gateway ack: median ${result.ackMs.median} ms, max ${result.ackMs.max} ms\n  results: ${file}\n\n`,
  );

  for (const c of children) {
    c.kill("SIGTERM");
  }
  await close();
  await nats.stop();
}

main().catch((e) => {
  console.error(e);
  for (const c of children) {
    c.kill("SIGKILL");
  }
  (nats?.stop() ?? Promise.resolve()).finally(() => process.exit(1));
});
