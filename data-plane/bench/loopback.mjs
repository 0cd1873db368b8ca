// Bounded loopback benchmark: the gateway against a minimal node:http + undici Pool proxy, both
// in front of the same trivial upstream, each in its own process. Needs `npm run build` first.
// Usage: node bench/loopback.mjs [seconds=5] [concurrency=64]
import { fork } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { natsNames } from "@portico/shared";
import { sha256Hex, signBundle } from "@portico/shared/bundle";
import { MemoryBus } from "@portico/shared/bus";
import { exportJWK, generateKeyPair } from "jose";
import { pino } from "pino";
import { Pool } from "undici";
import { startGateway } from "../dist/index.js";

const UPSTREAM = 19101;
const BASELINE = 19102;
const GATEWAY = 19103;
const role = process.argv[2];

if (role === "upstream") {
  createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", "content-length": 11 });
      res.end('{"ok":true}');
    });
  }).listen(UPSTREAM, "127.0.0.1", () => process.send?.("ready"));
} else if (role === "baseline") {
  const pool = new Pool(`http://127.0.0.1:${UPSTREAM}`, { connections: 256 });
  const factory = ({ statusCode, headers, opaque }) => {
    opaque.writeHead(statusCode, headers);
    return opaque;
  };
  createServer((req, res) => {
    pool
      .stream({ path: "/x", method: req.method, headers: req.headers, body: null, opaque: res }, factory)
      .catch(() => res.writeHead(502).end());
  }).listen(BASELINE, "127.0.0.1", () => process.send?.("ready"));
} else if (role === "gateway") {
  const { publicKey, privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
  const bus = new MemoryBus();
  // The in-process stream keeps every message; a real deployment has a consumer draining it.
  bus.streamPublish = async () => {};
  const gw = await startGateway({
    bus,
    environment: "bench",
    gatewayId: "bench",
    dataDir: mkdtempSync(join(tmpdir(), "portico-bench-")),
    port: GATEWAY,
    host: "127.0.0.1",
    bundleKeys: { keys: [{ ...(await exportJWK(publicKey)), kid: "k" }] },
    logger: pino({ level: "warn" }),
  });
  const { jws } = await signBundle(
    {
      schemaVersion: 1,
      tenant: { id: "t1", slug: "acme" },
      environment: "bench",
      version: 1,
      issuedAt: new Date().toISOString(),
      apis: [
        {
          id: "a",
          name: "a",
          context: "pets",
          version: "v1",
          status: "PUBLISHED",
          upstream: { url: `http://127.0.0.1:${UPSTREAM}` },
          revision: { id: "r", number: 1 },
          authRequired: true,
        },
      ],
      tiers: [{ name: "U", requestsPerMinute: null, burst: null }],
      subscriptions: [{ id: "s", applicationId: "app", apiId: "a", tier: "U", status: "ACTIVE" }],
      apiKeys: [{ id: "k", hash: sha256Hex("key"), applicationId: "app", expiresAt: null }],
      clients: [],
      issuers: [],
      revokedTokens: [],
    },
    { kid: "k", privateKey },
  );
  await bus.kvPut(natsNames().bundleBucket("bench"), "t1", jws);
  while (gw.tenants().length === 0) {
    await new Promise((r) => setTimeout(r, 10));
  }
  process.send?.("ready");
} else {
  const seconds = Number(process.argv[2] ?? 5);
  const concurrency = Number(process.argv[3] ?? 64);
  const children = [];
  for (const r of ["upstream", "baseline", "gateway"]) {
    const child = fork(new URL(import.meta.url).pathname, [r]);
    children.push(child);
    await new Promise((resolve) => child.once("message", resolve));
  }
  const load = async (port) => {
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency });
    let ok = 0;
    let other = 0;
    const end = Date.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (Date.now() < end) {
          const res = await pool.request({ path: "/t/acme/pets/v1/x", method: "GET", headers: { "x-api-key": "key" } });
          await res.body.dump();
          res.statusCode === 200 ? ok++ : other++;
        }
      }),
    );
    await pool.close();
    return { rps: Math.round(ok / seconds), non200: other };
  };
  await load(BASELINE); // warm-up, both
  await load(GATEWAY);
  console.log("minimal proxy", await load(BASELINE));
  console.log("gateway      ", await load(GATEWAY));
  for (const c of children) {
    c.kill();
  }
}
