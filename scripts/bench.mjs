#!/usr/bin/env node
// npm run bench: the gateway's hot path against a direct call to the same upstream, in one
// run on this machine (gateway pinned to CPU 0; wrk, upstream and control plane to CPU 1),
// plus deploy → first 200 and ack latency. Results go to bench-results/*.json.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane } from "@portico/control-plane";
import { NatsBus } from "@portico/shared/bus/nats";
import pino from "pino";
import postgres from "postgres";

const PG_ADMIN_URL = process.env.PORTICO_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const DURATION = process.env.PORTICO_BENCH_DURATION ?? "10s";
const CONNECTIONS = Number(process.env.PORTICO_BENCH_CONNECTIONS ?? 50);
const DEPLOY_RUNS = Number(process.env.PORTICO_BENCH_DEPLOYS ?? 20);
const twoCores = cpus().length >= 2;
const pin = (core, cmd, args) => (twoCores ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args]);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];

function spawnPinned(core, cmd, args, env) {
  const [c, a] = pin(core, cmd, args);
  const child = spawn(c, a, { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

async function untilOk(url, ms = 20_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (
      await fetch(url).then(
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

/** wrk's own report, parsed: req/s and latency percentiles in ms. */
function wrk(url, headers = {}) {
  const hdr = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  const [cmd, args] = pin(1, "wrk", ["-t1", `-c${CONNECTIONS}`, `-d${DURATION}`, "--latency", ...hdr, url]);
  execFileSync(cmd, [...args.slice(0, -1).map((a) => (a.startsWith("-d") ? "-d3s" : a)), url], { stdio: "ignore" }); // warm-up
  const out = execFileSync(cmd, args, { encoding: "utf8" });
  const ms = (v, unit) => Number(v) * ({ us: 0.001, ms: 1, s: 1000 }[unit] ?? 1);
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)`, "m").exec(out);
    return m ? Math.round(ms(m[1], m[2]) * 1000) / 1000 : null;
  };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(out)?.[1] ?? null;
  return {
    rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1])),
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    non2xx,
    socketErrors: errors,
  };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function main() {
  if (twoCores) {
    execFileSync("taskset", ["-pc", "1", String(process.pid)], { stdio: "ignore" });
  }
  const dbName = `portico_bench_${Date.now()}`;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const dbUrl = new URL(PG_ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const prefix = `bench${randomBytes(3).toString("hex")}`;
  const dataDir = mkdtempSync(join(tmpdir(), "portico-bench-"));
  const bus = new NatsBus({ servers: NATS_URL, name: "portico-bench" });
  const cp = await startControlPlane({
    databaseUrl: dbUrl.toString(),
    dataDir,
    bus,
    natsPrefix: prefix,
    port: 0,
    host: "127.0.0.1",
    logger: pino({ level: "warn" }),
  });

  const upstreamPort = await freePort();
  spawnPinned(1, process.execPath, [
    "-e",
    `require("node:http").createServer((q,s)=>{q.resume();q.on("end",()=>{s.writeHead(200,{"content-type":"text/plain","content-length":"2"});s.end("ok")})}).listen(${upstreamPort},"127.0.0.1")`,
  ]);
  const gwPort = await freePort();
  spawnPinned(0, process.execPath, ["data-plane/dist/main.js"], {
    PORTICO_GW_PORT: String(gwPort),
    PORTICO_GW_HOST: "127.0.0.1",
    NATS_URL,
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

  const call = async (method, path, token, body) => {
    const res = await fetch(cp.url + path, {
      method,
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = res.status === 204 ? null : await res.json();
    if (res.status >= 400) {
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    }
    return json;
  };
  const { accessToken: token } = await call("POST", "/api/v1/signup", undefined, {
    tenant: { name: "Bench", slug: "bench" },
    admin: { email: "bench@bench.example", password: "bench-password" },
  });
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
  async function deployAndTime(context) {
    const api = await call("POST", "/api/v1/apis", token, {
      name: context,
      context,
      version: "v1",
      upstream: { url: upstream },
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

  const direct = wrk(`${upstream}/`);
  const viaJwt = wrk(`${gw}/t/bench/d0/v1/`, { authorization: `Bearer ${jwt}` });
  const viaKey = wrk(`${gw}/t/bench/d0/v1/`, { "x-api-key": key });

  const result = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    setup: {
      durationPerRun: DURATION,
      connections: CONNECTIONS,
      pinning: twoCores ? "gateway CPU 0; wrk, upstream, control plane CPU 1" : "none (one CPU)",
    },
    load: {
      direct: { what: "wrk → upstream", ...direct },
      gatewayJwt: {
        what: "wrk → gateway (JWT + subscription + rate limit + analytics) → upstream",
        ...viaJwt,
        ofDirect: Math.round((viaJwt.rps / direct.rps) * 1000) / 1000,
      },
      gatewayApiKey: {
        what: "wrk → gateway (API key + subscription + rate limit + analytics) → upstream",
        ...viaKey,
        ofDirect: Math.round((viaKey.rps / direct.rps) * 1000) / 1000,
      },
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
  mkdirSync("bench-results", { recursive: true });
  const file = join("bench-results", `bench-${result.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join("bench-results", "latest.json"), `${JSON.stringify(result, null, 2)}\n`);

  const row = (name, r) =>
    `  ${name.padEnd(34)} ${String(r.rps).padStart(7)} req/s   p50 ${String(r.p50).padStart(7)} ms   p99 ${String(r.p99).padStart(7)} ms${r.ofDirect ? `   ${r.ofDirect}× direct` : ""}${r.non2xx ? `   non-2xx ${r.non2xx}` : ""}`;
  process.stdout.write(
    `\nPortico bench (${result.setup.pinning}; ${CONNECTIONS} connections, ${DURATION} per run)\n` +
      `${row("direct to upstream", direct)}\n${row("gateway, JWT", viaJwt)}\n${row("gateway, API key", viaKey)}\n` +
      `  deploy → first 200 through the gateway: median ${result.deployToFirst200Ms.median} ms, p90 ${result.deployToFirst200Ms.p90} ms (${deploys.length} deploys)\n` +
      `  deploy → gateway ack: median ${result.ackMs.median} ms, max ${result.ackMs.max} ms\n  results: ${file}\n\n`,
  );

  for (const c of children) {
    c.kill("SIGTERM");
  }
  await cp.close();
  await bus.close();
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  for (const c of children) {
    c.kill("SIGKILL");
  }
  process.exit(1);
});
