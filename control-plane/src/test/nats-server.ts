import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const NATS_SERVER = process.env.PORTICO_NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

/**
 * A NATS server with JetStream that a test owns: it can stop it and start it again on the
 * same port and store, as an outage and a recovery. With `config` (a server config file) the
 * listen address is the test's own; the file names the JetStream store.
 */
export async function ownNatsServer(opts: { config?: string; env?: Record<string, string> } = {}) {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "portico-nats-"));
  let child: ChildProcess | undefined;
  const server = {
    url: `nats://127.0.0.1:${port}`,
    async start() {
      // A config file names its own JetStream store; the flags would clash with it.
      const config = opts.config ? ["-c", opts.config] : ["-js", "-sd", storeDir];
      child = spawn(NATS_SERVER, [...config, "-a", "127.0.0.1", "-p", String(port)], {
        stdio: process.env.PORTICO_TEST_NATS_LOG ? "inherit" : "ignore",
        env: { ...process.env, ...opts.env },
      });
      for (let i = 0; i < 100 && !(await accepts(port)); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const c = child;
      child = undefined;
      if (c && c.exitCode === null) {
        await new Promise((resolve) => {
          c.once("exit", resolve);
          c.kill("SIGKILL");
        });
      }
    },
    async destroy() {
      await server.stop();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
