#!/usr/bin/env node
// Fast A/B loop for hot-path work (not the published benchmark, see `npm run bench`): one
// gateway in this process on an in-memory bus with a locally signed bundle, the reference
// proxy and an upstream as children, wrk against each; prints req/s and CPU µs per request.
// Usage: node data-plane/bench/quick.mjs [seconds]   (after `npx turbo run build`)
import { execFile, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sha256Hex, signBundle } from "@portico/shared/bundle";
import { MemoryBus } from "@portico/shared/bus";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import pino from "pino";
import { startGateway } from "../dist/index.js";

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
  const requests = Number(/(\d+) requests in/.exec(out)[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps: Math.round(Number(/Requests\/sec:\s+([\d.]+)/.exec(out)[1])),
    cpuUs: Math.round((cpu / requests) * 1e7) / 10,
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

const bk = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const ik = await generateKeyPair("ES256", { extractable: true });
const issuer = "https://cp.test/t/q";
const jwt = await new SignJWT({ client_id: "c1", scope: "" })
  .setProtectedHeader({ alg: "ES256", kid: "ik" })
  .setIssuer(issuer)
  .setAudience("portico")
  .setExpirationTime("1h")
  .sign(ik.privateKey);
const api = (id, context, authRequired) => ({
  id,
  name: id,
  context,
  version: "v1",
  status: "PUBLISHED",
  upstream: { url: upstream },
  revision: { id: `r${id}`, number: 1 },
  authRequired,
});
const { jws } = await signBundle(
  {
    schemaVersion: 1,
    tenant: { id: "tq", slug: "q" },
    environment: "default",
    version: 1,
    issuedAt: new Date().toISOString(),
    apis: [
      { ...api("bare", "bare", true), resources: [{ method: "GET", path: "/", authRequired: false }] },
      api("full", "full", true),
    ],
    tiers: [{ name: "Big", requestsPerMinute: 1_000_000_000, burst: null }],
    subscriptions: [{ id: "s1", applicationId: "a1", apiId: "full", tier: "Big", status: "ACTIVE" }],
    apiKeys: [{ id: "k1", hash: sha256Hex("key-1"), applicationId: "a1", expiresAt: null }],
    clients: [{ issuer, clientId: "c1", applicationId: "a1" }],
    issuers: [
      {
        issuer,
        audience: "portico",
        clientIdClaim: "client_id",
        jwks: { keys: [{ ...(await exportJWK(ik.publicKey)), kid: "ik", alg: "ES256" }] },
        algorithms: ["ES256"],
      },
    ],
    revokedTokens: [],
  },
  { kid: "bk", privateKey: bk.privateKey },
);
const bus = new MemoryBus();
const dataDir = mkdtempSync(join(tmpdir(), "portico-quick-"));
const gw = await startGateway({
  bus,
  environment: "default",
  gatewayId: "quick",
  dataDir,
  port: 0,
  host: "127.0.0.1",
  bundleKeys: { keys: [{ ...(await exportJWK(bk.publicKey)), kid: "bk", alg: "EdDSA" }] },
  logger: pino({ level: "warn" }),
});
await bus.kvPut("portico_bundles_default", "tq", jws);
const refPort = upPort + 1;
const ref = pinned(0, ["data-plane/bench/ref-proxy.mjs", String(refPort), upstream, jwt]);
for (;;) {
  const r = await fetch(`${gw.url}/t/q/bare/v1/`).catch(() => null);
  if (r?.status === 200) {
    break;
  }
  await sleep(50);
}
await sleep(300);
const rows = {
  reference: await wrk(`http://127.0.0.1:${refPort}/`, { authorization: `Bearer ${jwt}` }, ref.pid),
  bare: await wrk(`${gw.url}/t/q/bare/v1/`, {}, process.pid),
  jwt: await wrk(`${gw.url}/t/q/full/v1/`, { authorization: `Bearer ${jwt}` }, process.pid),
  apiKey: await wrk(`${gw.url}/t/q/full/v1/`, { "x-api-key": "key-1" }, process.pid),
  bare2: await wrk(`${gw.url}/t/q/bare/v1/`, {}, process.pid),
};
for (const [k, v] of Object.entries(rows)) {
  process.stdout.write(
    `${k.padEnd(10)} ${String(v.rps).padStart(6)} req/s  ${String(v.cpuUs).padStart(6)} µs CPU/req  ×ref ${(v.rps / rows.reference.rps).toFixed(2)}${v.non2xx ? `  non-2xx ${v.non2xx}` : ""}\n`,
  );
}
for (const c of children) {
  c.kill();
}
await gw.close();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
