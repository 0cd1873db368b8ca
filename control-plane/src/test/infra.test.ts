import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { accountVariable, createNatsOperator, resolverConfig } from "../keys/nats-auth.js";

const infra = new URL("../../../infra/", import.meta.url).pathname;
const NATS_SERVER = process.env.PORTICO_NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

/** No Docker or cluster here: the deployment material is checked for what can be checked. */
describe("infra/", () => {
  const dir = mkdtempSync(join(tmpdir(), "portico-infra-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("Kubernetes manifests parse and each names its kind, name and namespace", () => {
    const files = readdirSync(join(infra, "k8s")).filter((f) => f.endsWith(".yaml"));
    const kinds: string[] = [];
    for (const file of files) {
      for (const doc of parseAllDocuments(readFileSync(join(infra, "k8s", file), "utf8"))) {
        expect(doc.errors, file).toEqual([]);
        const m = doc.toJS() as {
          apiVersion?: string;
          kind?: string;
          metadata?: { name?: string; namespace?: string };
        };
        expect(m.apiVersion, file).toBeTruthy();
        expect(m.metadata?.name, file).toBeTruthy();
        if (m.kind !== "Namespace") {
          expect(m.metadata?.namespace, `${file} ${m.metadata?.name}`).toBe("portico");
        }
        kinds.push(`${m.kind}/${m.metadata?.name}`);
      }
    }
    expect(kinds).toEqual(
      expect.arrayContaining([
        "StatefulSet/nats",
        "StatefulSet/postgres",
        "Deployment/control-plane",
        "Deployment/leaf-eu",
        "Deployment/gateway-eu",
      ]),
    );
  });

  it("the Compose file parses and has two control planes, PostgreSQL, three NATS nodes and leaf nodes with gateways", () => {
    const compose = parseYaml(readFileSync(join(infra, "compose.yaml"), "utf8"), { merge: true }) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
    };
    const services = Object.keys(compose.services);
    expect(services).toEqual(
      expect.arrayContaining(["postgres", "nats-1", "nats-2", "nats-3", "control-plane-1", "control-plane-2"]),
    );
    const leaves = services.filter((s) => s.startsWith("leaf-"));
    expect(leaves.length).toBeGreaterThanOrEqual(2);
    for (const leaf of leaves) {
      const region = leaf.slice("leaf-".length);
      const gateways = services.filter((s) => s.startsWith(`gateway-${region}-`));
      expect(gateways.length, region).toBeGreaterThan(0);
      for (const gw of gateways) {
        expect(compose.services[gw]!.environment?.NATS_URL).toBe(`nats://${leaf}:4222`);
      }
    }
    expect(compose.services["control-plane-2"]!.environment?.DATABASE_URL).toBe(
      compose.services["control-plane-1"]!.environment?.DATABASE_URL,
    );
  });

  it("every NATS config is valid for nats-server 2.9 (nats-server -t)", async () => {
    const setup = await createNatsOperator();
    writeFileSync(join(dir, "resolver.conf"), resolverConfig(setup));
    writeFileSync(join(dir, "leaf.creds"), setup.leafCreds);
    writeFileSync(join(dir, "account.conf"), accountVariable(setup));
    const configs = readdirSync(join(infra, "nats")).filter((f) => f.endsWith(".conf"));
    expect(configs).toEqual(expect.arrayContaining(["auth.conf", "cluster.conf", "leaf.conf", "server.conf"]));
    for (const file of configs) {
      // Only host paths change: the store and the leaf credentials, as a container mounts them.
      const text = readFileSync(join(infra, "nats", file), "utf8")
        .replace(/store_dir: .*/, `store_dir: "${join(dir, "js")}"`)
        .replace("/etc/nats/leaf.creds", join(dir, "leaf.creds"));
      writeFileSync(join(dir, file), text);
      const check = spawnSync(NATS_SERVER, ["-t", "-c", join(dir, file)], {
        env: { ...process.env, NATS_SERVER_NAME: "check-1" },
        encoding: "utf8",
      });
      expect({ file, status: check.status, said: check.stderr.trim() }).toEqual({
        file,
        status: 0,
        said: expect.stringContaining("is valid"),
      });
    }
  });
});
