import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startTestStack, type TestStack } from "../../control-plane/src/test/journey.js";

const portalDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export interface ConsoleStack extends TestStack {
  /** The console (`next start` of the built portal) wired to this stack's control plane. */
  consoleUrl: string;
}

/**
 * The product as a user meets it: a real control plane on a fresh PostgreSQL database and its
 * own NATS names, one gateway, an echo upstream, and the built console in front of them.
 * Needs `next build` first (the root `npm test` builds everything before testing).
 */
export async function startConsoleStack(gatewayId = "console-e2e"): Promise<ConsoleStack> {
  const stack = await startTestStack(gatewayId);
  const port = await freePort();
  const consoleUrl = `http://127.0.0.1:${port}`;
  const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");
  const child = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: portalDir,
    env: {
      ...process.env,
      PORTICO_CP_URL: stack.t.cp.url,
      PORTICO_GATEWAY_URL: stack.gateway.url,
      NEXT_TELEMETRY_DISABLED: "1",
    },
    stdio: ["ignore", "ignore", "inherit"],
    detached: true,
  });
  try {
    await waitForConsole(consoleUrl, child);
  } catch (e) {
    stopGroup(child);
    await stack.close();
    throw e;
  }
  return {
    ...stack,
    consoleUrl,
    close: async () => {
      stopGroup(child);
      await stack.close();
    },
  };
}

async function waitForConsole(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) {
      throw new Error(`the console exited with ${child.exitCode} (is it built? run \`npm run build -w portal\`)`);
    }
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the console did not start on ${url}`);
}

/** `next start` forks a server process of its own: stop the whole group. */
function stopGroup(child: ChildProcess): void {
  try {
    if (child.pid) {
      process.kill(-child.pid, "SIGTERM");
    }
  } catch {
    // already gone
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}
