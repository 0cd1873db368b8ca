import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { accountVariable, createNatsOperator, resolverConfig } from "./keys/nats-auth.js";

/**
 * Platform operation, once per installation: makes the NATS operator, its accounts and the
 * control plane's credentials.
 *   npm run nats-init -w control-plane -- <out-dir>
 * Writes resolver.conf (public JWTs, for every nats-server: include it), account.conf (the
 * account's public key, for leaf nodes), control-plane.creds
 * and account-signer.nk (NATS_CREDS and PORTICO_NATS_SIGNER of the control planes: secret),
 * and leaf.creds (the leaf nodes' link to the cluster: secret). Refuses to overwrite.
 */
const out = resolve(process.argv[2] ?? ".");
const files = ["resolver.conf", "account.conf", "control-plane.creds", "account-signer.nk", "leaf.creds"];
const existing = files.filter((f) => existsSync(join(out, f)));
if (existing.length > 0) {
  process.stderr.write(`refusing to overwrite ${existing.join(", ")} in ${out}\n`);
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const setup = await createNatsOperator();
writeFileSync(join(out, "resolver.conf"), resolverConfig(setup));
writeFileSync(join(out, "account.conf"), accountVariable(setup));
writeFileSync(join(out, "control-plane.creds"), setup.controlPlaneCreds, { mode: 0o600 });
writeFileSync(join(out, "account-signer.nk"), `${setup.signerSeed}\n`, { mode: 0o600 });
writeFileSync(join(out, "leaf.creds"), setup.leafCreds, { mode: 0o600 });
process.stdout.write(`${JSON.stringify({ dir: out, account: setup.account.publicKey, files }, null, 2)}\n`);
