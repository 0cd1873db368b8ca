#!/usr/bin/env node
// npm run bench:propagation: a control plane on PostgreSQL and NATS, and PORTICO_BENCH_GATEWAYS
// (20) real gateways in PORTICO_BENCH_GATEWAY_PROCS (4) processes, each gateway with its own
// NATS connection, all on loopback. PORTICO_BENCH_DEPLOYS (50) deploys one after the other;
// per deploy: the bench's own clock from the POST to the last of the gateways' acks on the
// bus, and the control plane's figures (bus put → first and last ack, deployment → last ack).
// Separate from `npm run bench` (which pins proxies to CPUs for throughput rows); this one
// measures the control path. Results go to data-plane/bench/results/propagation-*.json.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { natsNames } from "@portico/shared";
import { deleteRunStreams } from "../data-plane/bench/nats-cleanup.mjs";
import { NATS_URL, startBenchControlPlane } from "./bench-control-plane.mjs";

const GATEWAYS = Number(process.env.PORTICO_BENCH_GATEWAYS ?? 20);
const PROCS = Number(process.env.PORTICO_BENCH_GATEWAY_PROCS ?? 4);
const DEPLOYS = Number(process.env.PORTICO_BENCH_DEPLOYS ?? 50);
const WARMUP = 3;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const percentile = (xs, p) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];
const summary = (xs) => ({
  p50: Math.round(percentile(xs, 50) * 10) / 10,
  p99: Math.round(percentile(xs, 99) * 10) / 10,
  max: Math.round(Math.max(...xs) * 10) / 10,
});
const children = [];

async function main() {
  const loadAverageBefore = loadavg().map((l) => Math.round(l * 100) / 100);
  const { cp, bus, prefix, call, signup, close } = await startBenchControlPlane("benchprop");
  const names = natsNames(prefix);

  const started = performance.now();
  await Promise.all(
    Array.from({ length: PROCS }, (_, p) => {
      const count = Math.floor(GATEWAYS / PROCS) + (p < GATEWAYS % PROCS ? 1 : 0);
      const child = spawn(
        process.execPath,
        [
          join(import.meta.dirname, "..", "data-plane", "bench", "gateways-child.mjs"),
          prefix,
          `${cp.url}/.well-known/portico/bundle-keys`,
          `gw${p}`,
          String(count),
        ],
        { stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, NATS_URL } },
      );
      children.push(child);
      return new Promise((resolve, reject) => {
        child.once("exit", (code) => reject(new Error(`gateway process ${p} exited ${code}`)));
        createInterface({ input: child.stdout }).once("line", resolve);
      });
    }),
  );
  const gatewaysUpS = (performance.now() - started) / 1000;

  const { accessToken: token, tenant } = await signup();
  for (;;) {
    const gws = await call("GET", "/api/v1/gateways", token);
    if (gws.filter((g) => g.live).length >= GATEWAYS) {
      break;
    }
    await sleep(200);
  }
  const api = await call("POST", "/api/v1/apis", token, {
    name: "prop",
    context: "prop",
    version: "v1",
    upstream: { url: "http://127.0.0.1:9" },
  });
  await call("POST", `/api/v1/apis/${api.id}/lifecycle`, token, { action: "publish" });
  const revisions = [
    (await call("POST", `/api/v1/apis/${api.id}/revisions`, token)).id,
    (await call("POST", `/api/v1/apis/${api.id}/revisions`, token)).id,
  ];

  // Every ack of this tenant's bundles, as the gateways publish them.
  const acked = new Map();
  const waiters = new Map();
  /** the longest verify → compile → swap → persist of a gateway, per bundle version */
  const slowestApply = new Map();
  const acks = bus.subscribe(names.ackFilter, (m) => {
    const ack = JSON.parse(m.data);
    if (!ack.ok || ack.tenant !== tenant.id) {
      return;
    }
    const seen = acked.get(ack.version) ?? new Set();
    seen.add(ack.gateway);
    acked.set(ack.version, seen);
    slowestApply.set(ack.version, Math.max(slowestApply.get(ack.version) ?? 0, ack.applyMs));
    if (seen.size === GATEWAYS) {
      waiters.get(ack.version)?.(performance.now());
    }
  });
  await bus.kvGet(names.bundleBucket("default"), tenant.id);

  const rows = [];
  for (let i = 0; i < WARMUP + DEPLOYS; i++) {
    const t0 = performance.now();
    const dep = await call("POST", `/api/v1/apis/${api.id}/deployments`, token, {
      revisionId: revisions[i % 2],
      environment: "default",
    });
    const allAcked =
      acked.get(dep.bundleVersion)?.size === GATEWAYS
        ? performance.now()
        : await Promise.race([
            new Promise((resolve) => waiters.set(dep.bundleVersion, resolve)),
            sleep(10_000).then(() => {
              throw new Error(`deploy ${i}: not all ${GATEWAYS} gateways acked within 10 s`);
            }),
          ]);
    let reported;
    for (;;) {
      const list = await call("GET", `/api/v1/apis/${api.id}/deployments`, token);
      reported = list.find((d) => d.bundleVersion === dep.bundleVersion)?.gateways;
      if (reported?.acked === GATEWAYS && reported.lastAckMs !== null) {
        break;
      }
      await sleep(5);
    }
    if (i >= WARMUP) {
      rows.push({
        bundleVersion: dep.bundleVersion,
        postToAllAckedMs: allAcked - t0,
        publishToFirstAckMs: reported.firstAckMs,
        publishToAllAckedMs: reported.lastAckMs,
        deploymentToAllAckedMs: reported.ackMs.max,
        slowestApplyMs: slowestApply.get(dep.bundleVersion),
        total: reported.total,
      });
    }
  }
  await acks.stop();

  const result = {
    at: new Date().toISOString(),
    setup: {
      gateways: GATEWAYS,
      gatewayProcesses: PROCS,
      deploys: DEPLOYS,
      warmupDeploys: WARMUP,
      transport: "loopback: control plane, PostgreSQL, NATS and gateways on one machine, unpinned",
      cpus: cpus().length,
      loadAverageBefore,
      loadAverageAfter: loadavg().map((l) => Math.round(l * 100) / 100),
      gatewaysUpS: Math.round(gatewaysUpS * 10) / 10,
    },
    timeToAllAckedMs: {
      what: "bus put of the bundle → the last of the gateways' acks recorded by the control plane (its lastAckMs)",
      ...summary(rows.map((r) => r.publishToAllAckedMs)),
    },
    publishToFirstAckMs: summary(rows.map((r) => r.publishToFirstAckMs)),
    deploymentToAllAckedMs: {
      what: "deployment committed → last ack (the control plane's ackMs.max)",
      ...summary(rows.map((r) => r.deploymentToAllAckedMs)),
    },
    slowestApplyMs: {
      what: "per deploy, the longest apply (verify, compile, swap, persist) of one gateway, as its ack reports it",
      ...summary(rows.map((r) => r.slowestApplyMs)),
    },
    postToAllAckedMs: {
      what: "POST /deployments sent → last gateway ack seen on the bus, on the bench's clock",
      ...summary(rows.map((r) => r.postToAllAckedMs)),
    },
    goalP99Ms: 250,
    rows,
  };
  const resultsDir = join(import.meta.dirname, "..", "data-plane", "bench", "results");
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `propagation-${result.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  const line = (name, s) =>
    `  ${name.padEnd(36)} p50 ${String(s.p50).padStart(6)} ms   p99 ${String(s.p99).padStart(6)} ms   max ${String(s.max).padStart(6)} ms`;
  process.stdout.write(
    `\nPropagation: ${DEPLOYS} deploys to ${GATEWAYS} gateways (${PROCS} processes), load average ${result.setup.loadAverageBefore.join(" ")}\n` +
      `${line("bus put → all acked (control plane)", result.timeToAllAckedMs)}\n` +
      `${line("bus put → first ack", result.publishToFirstAckMs)}\n` +
      `${line("deployment → all acked", result.deploymentToAllAckedMs)}\n` +
      `${line("POST → all acks on the bus (bench)", result.postToAllAckedMs)}\n` +
      `${line("slowest gateway apply", result.slowestApplyMs)}\n` +
      `  goal p99 < 250 ms: ${result.timeToAllAckedMs.p99 < 250 ? "met" : "missed"}\n  results: ${file}\n\n`,
  );

  for (const c of children) {
    c.kill("SIGTERM");
  }
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode === null ? c.once("exit", r) : r()))));
  await close();
  await deleteRunStreams(prefix);
}

main().catch((e) => {
  console.error(e);
  for (const c of children) {
    c.kill("SIGKILL");
  }
  process.exit(1);
});
