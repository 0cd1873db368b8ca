// The control plane the benches run against: its own fresh database and NATS prefix on the
// PostgreSQL and NATS the tests use, a JSON caller for its REST API, and a tenant signed up.
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startControlPlane } from "@portico/control-plane";
import { NatsBus } from "@portico/shared/bus/nats";
import pino from "pino";
import postgres from "postgres";

export const PG_ADMIN_URL = process.env.PORTICO_BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

/** `name` prefixes the NATS prefix, the bus connection and the data directory. */
export async function startBenchControlPlane(name, natsUrl = NATS_URL) {
  const dbName = `portico_bench_${Date.now()}`;
  const admin = postgres(PG_ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const dbUrl = new URL(PG_ADMIN_URL);
  dbUrl.pathname = `/${dbName}`;
  const prefix = `${name}${randomBytes(3).toString("hex")}`;
  const dataDir = mkdtempSync(join(tmpdir(), `portico-${name}-`));
  const bus = new NatsBus({ servers: natsUrl, name: `portico-${name}` });
  const cp = await startControlPlane({
    databaseUrl: dbUrl.toString(),
    dataDir,
    bus,
    natsPrefix: prefix,
    port: 0,
    host: "127.0.0.1",
    logger: pino({ level: "warn" }),
  });
  let stopped;
  const stop = () => {
    stopped ??= cp.close().then(() => bus.close());
    return stopped;
  };
  /** A REST call; a 4xx or 5xx throws with the problem body. */
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
  return {
    cp,
    bus,
    prefix,
    dataDir,
    call,
    /** Signs up the bench tenant: `{accessToken, tenant, …}`. */
    signup: () =>
      call("POST", "/api/v1/signup", undefined, {
        tenant: { name: "Bench", slug: "bench" },
        admin: { email: "bench@bench.example", password: "bench-password" },
      }),
    /** Stops the control plane and its bus connection; its database stays until `close`. */
    stop,
    async close() {
      await stop();
      await admin.unsafe(`drop database if exists ${dbName} with (force)`);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
