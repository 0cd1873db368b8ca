import { loadDotEnv } from "@portico/shared";
import { loadIdentity, register } from "./config/identity.js";
import { parseEnv } from "./env.js";

/**
 * Registers this self-hosted gateway once (what infra/install-dataplane.sh runs):
 *   PORTICO_CP_URL=… PORTICO_REGISTRATION_TOKEN=prt_… PORTICO_DATA_DIR=… node dist/register.js
 * Writes identity.json, nats.creds and bundle-keys.json under <data dir>/gateway/ and prints
 * the identity; the gateway starts from them without the token. Exits 1 when refused.
 */
loadDotEnv();
const env = parseEnv(process.env);
if (!env.controlPlaneUrl || !env.registrationToken) {
  process.stderr.write("PORTICO_CP_URL and PORTICO_REGISTRATION_TOKEN are required\n");
  process.exit(2);
}
const stored = await loadIdentity(env.dataDir);
if (stored.ok && stored.value) {
  process.stdout.write(`${JSON.stringify({ alreadyRegistered: stored.value.gatewayId, dataDir: env.dataDir })}\n`);
  process.exit(0);
}
const result = await register({
  controlPlaneUrl: env.controlPlaneUrl,
  token: env.registrationToken,
  dataDir: env.dataDir,
});
if (!result.ok) {
  process.stderr.write(`${result.error}\n`);
  process.exit(1);
}
const { gatewayId, tenant, environment, nats } = result.value;
process.stdout.write(`${JSON.stringify({ gatewayId, tenant, environment, nats, dataDir: env.dataDir })}\n`);
