import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gatewayInboxPrefix } from "@portico/shared";
import { NatsBus } from "@portico/shared/bus/nats";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNatsOperator, resolverConfig } from "../keys/nats-auth.js";
import { client, expectProblem, signupTenant, startTestControlPlane, type TestControlPlane } from "./harness.js";
import { application, publishedApi, served, until } from "./journey.js";
import { freePort, ownNatsServer } from "./nats-server.js";
import { startEchoUpstream } from "./upstream.js";

const repo = new URL("../../../", import.meta.url).pathname;

/**
 * The self-hosted path end to end: NATS with the shipped auth config, a control plane that
 * signs gateway credentials, and infra/install-dataplane.sh installing the packed gateway into
 * a temp prefix, registering it with a one-time token and running it.
 */
describe("a self-hosted gateway installed by infra/install-dataplane.sh", () => {
  const dir = mkdtempSync(join(tmpdir(), "portico-selfhosted-"));
  let nats: Awaited<ReturnType<typeof ownNatsServer>>;
  let t: TestControlPlane;
  let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
  let packages: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // Packed once, as a release would ship them (needs the workspaces built, as `npm test` does).
    execFileSync("npm", ["pack", "-w", "shared", "-w", "data-plane", "--pack-destination", dir, "--silent"], {
      cwd: repo,
      stdio: "ignore",
    });
    packages = readdirSync(dir)
      .filter((f) => f.endsWith(".tgz"))
      .map((f) => join(dir, f))
      .join(" ");
    const setup = await createNatsOperator();
    writeFileSync(
      join(dir, "auth.conf"),
      readFileSync(join(repo, "infra/nats/auth.conf"), "utf8").replace(/store_dir: .*/, `store_dir: "${dir}/js"`),
    );
    writeFileSync(join(dir, "resolver.conf"), resolverConfig(setup));
    writeFileSync(join(dir, "cp.creds"), setup.controlPlaneCreds);
    nats = await ownNatsServer({ config: join(dir, "auth.conf") });
    t = await startTestControlPlane({
      natsUrl: nats.url,
      natsCreds: join(dir, "cp.creds"),
      gatewayRegistration: {
        natsServers: [nats.url],
        natsSigner: { seed: setup.signerSeed, account: setup.account.publicKey },
      },
    });
    upstream = await startEchoUpstream();
  }, 60_000);

  afterAll(async () => {
    for (const c of children) {
      if (c.exitCode === null && c.pid) {
        process.kill(-c.pid, "SIGKILL");
      }
    }
    await upstream?.close();
    await t?.close();
    await nats?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the gateway detached in its own process group, so the test can stop it and its children. */
  const run = (cmd: string, args: string[], env: Record<string, string> = {}) => {
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env },
    });
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    children.push(child);
    return { child, stderr: () => stderr };
  };
  const stop = async (child: ChildProcess) => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid, "SIGTERM");
      await exited;
    }
  };

  it("installs, registers once, serves the tenant's API from its environment, and restarts without the token", async () => {
    const a = await signupTenant(t.api);
    const call = (method: string, path: string, body?: unknown) => t.api.call(method, path, { token: a.token, body });
    const env = (await call("POST", "/api/v1/environments", { name: "on-prem" })).body;
    const regToken = (await call("POST", `/api/v1/environments/${env.id}/registration-tokens`)).body.token as string;

    const prefix = join(dir, "prefix");
    const port = await freePort();
    const install = run(
      "bash",
      [
        join(repo, "infra/install-dataplane.sh"),
        "--control-plane",
        t.cp.url,
        "--token",
        regToken,
        "--prefix",
        prefix,
        "--data-dir",
        join(prefix, "data"),
        "--package",
        packages,
        "--port",
        String(port),
        "--foreground",
      ],
      { PORTICO_GW_HOST: "127.0.0.1", LOG_LEVEL: "silent" },
    );
    const gw = client(`http://127.0.0.1:${port}`);
    const answering = (p: ReturnType<typeof run>) =>
      until(
        async () => {
          if (p.child.exitCode !== null) {
            throw new Error(`the gateway exited ${p.child.exitCode}: ${p.stderr()}`);
          }
          return (await gw.call("GET", "/healthz").catch(() => undefined))?.status === 200;
        },
        "the installed gateway answers",
        45_000,
      );
    await answering(install);
    const identity = JSON.parse(readFileSync(join(prefix, "data/gateway/identity.json"), "utf8"));
    expect(identity).toMatchObject({ tenant: { id: a.tenantId }, environment: { id: env.id, busKey: env.id } });
    expect(readFileSync(join(prefix, "gateway.env"), "utf8")).not.toContain(regToken);
    expectProblem(
      await t.api.call("POST", "/api/v1/gateways/register", { body: { token: regToken } }),
      401,
      "invalid-credentials",
    );

    const { api } = await publishedApi(t, a.token, {
      context: "onprem",
      upstreamUrl: upstream.url,
      environment: env.id,
    });
    const { key } = await application(t, a.token, api.id);
    const res = await served(gw, `/t/${a.slug}/onprem/v1/hello`, { "x-api-key": key });
    expect(res.body).toMatchObject({ method: "GET", url: "/hello" });
    const seen = await until(async () => {
      const gws = (await call("GET", "/api/v1/gateways")).body as { id: string; inSync: boolean }[];
      return gws.find((g) => g.id === identity.gatewayId && g.inSync);
    }, "the control plane sees the registered gateway in sync");
    expect(seen).toMatchObject({ environment: "on-prem" });

    // With its own credentials it may publish only its tenant's analytics subject, and events in
    // it that claim another tenant are not counted for that tenant.
    const b = await signupTenant(t.api);
    const own = new NatsBus({
      servers: nats.url,
      credsFile: join(prefix, "data/gateway/nats.creds"),
      name: "impostor",
      inboxPrefix: gatewayInboxPrefix(identity.gatewayId),
    });
    await own.ready();
    const event = (tenant: string) => ({
      id: randomUUID(),
      time: Date.now(),
      tenant,
      environment: env.id,
      gateway: identity.gatewayId,
      api: null,
      apiVersion: null,
      resource: "/forged",
      method: "GET",
      status: 200,
      latencyMs: 1,
      upstreamLatencyMs: null,
      application: null,
      bytesIn: 0,
      bytesOut: 0,
      errorType: null,
    });
    await own.streamPublish(
      t.names.analyticsSubject(env.id, a.tenantId),
      JSON.stringify({ batchId: randomUUID(), events: [event(a.tenantId), event(b.tenantId)] }),
      randomUUID(),
    );
    await expect(
      own.streamPublish(
        t.names.analyticsSubject(env.id, b.tenantId),
        JSON.stringify({ batchId: randomUUID(), events: [event(b.tenantId)] }),
        randomUUID(),
      ),
    ).rejects.toThrow();
    await own.close();
    const forged = async (tenant: string) =>
      Number(
        (
          await t.cp.database.system.execute<{ n: number }>(
            sql`select count(*)::int as n from analytics_events where tenant_id = ${tenant} and resource = '/forged'`,
          )
        )[0]?.n,
      );
    await until(async () => (await forged(a.tenantId)) === 1, "the gateway's own event counted");
    expect(await forged(b.tenantId)).toBe(0);

    // A restart needs neither the token nor the installer: the identity is in the data dir.
    await stop(install.child);
    const restarted = run("node", [join(prefix, "node_modules/@portico/data-plane/dist/main.js")], {
      ...Object.fromEntries(
        readFileSync(join(prefix, "gateway.env"), "utf8")
          .split("\n")
          .filter((l) => /^[A-Z_]+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      ),
    });
    await answering(restarted);
    await served(gw, `/t/${a.slug}/onprem/v1/again`, { "x-api-key": key });
    await stop(restarted.child);
  }, 90_000);
});
