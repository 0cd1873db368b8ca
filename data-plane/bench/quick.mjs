#!/usr/bin/env node
// Fast A/B loop for hot-path work (not the published benchmark, see `npm run bench`): one
// gateway in this process on an in-memory bus with a locally signed bundle, the reference
// proxy and an upstream as children, wrk against each; prints req/s and CPU µs per request.
// Usage: node data-plane/bench/quick.mjs [seconds]   (after `npx turbo run build`)
// PORTICO_QUICK_NATS=nats://127.0.0.1:4222 ships analytics to that NATS instead (under a fresh
// prefix, deleted afterwards), and reports nats-server's CPU per request beside the gateway's.
import { execFile, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { NatsBus } from "@portico/shared/bus/nats";
import { API_KEY, startFixtureGateway } from "./fixture.mjs";
import { deleteRunStreams } from "./nats-cleanup.mjs";

const SECONDS = Number(process.argv[2] ?? 5);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const children = [];
const pinned = (core, args) => {
  const c = spawn("taskset", ["-c", String(core), process.execPath, ...args], { stdio: "ignore" });
  children.push(c);
  return c;
};

function cpuOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

const run = promisify(execFile);
/** Asynchronous: the gateway under test runs in this very process. */
async function wrk(url, headers, pid) {
  const h = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  await run("taskset", ["-c", "1", "wrk", "-t1", "-c50", "-d2s", ...h, url]);
  const c0 = cpuOf(pid);
  const n0 = natsPid === undefined ? 0 : cpuOf(natsPid);
  const { stdout: out } = await run("taskset", [
    "-c",
    "1",
    "wrk",
    "-t1",
    "-c50",
    `-d${SECONDS}s`,
    "--latency",
    ...h,
    url,
  ]);
  const cpu = cpuOf(pid) - c0;
  const natsCpu = natsPid === undefined ? 0 : cpuOf(natsPid) - n0;
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1])),
    cpuUs: Math.round((cpu / requests) * 1e7) / 10,
    natsUs: Math.round((natsCpu / requests) * 1e7) / 10,
    non2xx,
  };
}

execFileSync("taskset", ["-pc", "0", String(process.pid)], { stdio: "ignore" });
const upPort = 30000 + Math.floor(Math.random() * 10000);
pinned(1, [
  "-e",
  `require("node:http").createServer((q,s)=>{q.resume();q.on("end",()=>{s.writeHead(200,{"content-type":"text/plain","content-length":"2"});s.end("ok")})}).listen(${upPort},"127.0.0.1")`,
]);
const upstream = `http://127.0.0.1:${upPort}`;

const natsUrl = process.env.PORTICO_QUICK_NATS;
const natsPrefix = `quick${randomBytes(3).toString("hex")}`;
const natsPid = natsUrl
  ? Number(execFileSync("pidof", ["nats-server"], { encoding: "utf8" }).trim().split(" ")[0])
  : undefined;
const fixture = await startFixtureGateway(
  natsUrl ? { upstream, bus: new NatsBus({ servers: natsUrl, name: "portico-quick" }), natsPrefix } : { upstream },
);
const { gw, jwt } = fixture;
const refPort = upPort + 1;
const ref = pinned(0, ["data-plane/bench/ref-proxy.mjs", String(refPort), upstream, jwt]);
await sleep(300);
const rows = {
  reference: await wrk(`http://127.0.0.1:${refPort}/`, { authorization: `Bearer ${jwt}` }, ref.pid),
  bare: await wrk(`${gw.url}/t/q/bare/v1/`, {}, process.pid),
  jwt: await wrk(`${gw.url}/t/q/full/v1/`, { authorization: `Bearer ${jwt}` }, process.pid),
  apiKey: await wrk(`${gw.url}/t/q/full/v1/`, { "x-api-key": API_KEY }, process.pid),
  bare2: await wrk(`${gw.url}/t/q/bare/v1/`, {}, process.pid),
};
for (const [k, v] of Object.entries(rows)) {
  process.stdout.write(
    `${k.padEnd(10)} ${String(v.rps).padStart(6)} req/s  ${String(v.cpuUs).padStart(6)} µs CPU/req  ×ref ${(v.rps / rows.reference.rps).toFixed(2)}${natsUrl ? `  nats ${v.natsUs} µs/req` : ""}${v.non2xx ? `  non-2xx ${v.non2xx}` : ""}\n`,
  );
}
for (const c of children) {
  c.kill();
}
await fixture.close();
if (natsUrl) {
  await deleteRunStreams(natsPrefix);
}
process.exit(0);
