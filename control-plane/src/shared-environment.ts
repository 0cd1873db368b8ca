import { loadDotEnv } from "@portico/shared";
import { connectDatabase } from "./db/client.js";
import { readEnv } from "./env.js";
import { ensureSharedEnvironment, parseSharedEnvironments } from "./services/environments.js";

/**
 * Platform operation: create a shared (platform-wide) environment, or set its gateway URL.
 *   npm run env:shared -w control-plane -- <name> [gatewayUrl]
 * Tenants cannot: their POST /api/v1/environments creates self-hosted environments only.
 */
loadDotEnv();
const env = readEnv();
if (!env.DATABASE_URL) {
  process.stderr.write(
    "DATABASE_URL is required (with the embedded database, set PORTICO_SHARED_ENVIRONMENTS and restart)\n",
  );
  process.exit(2);
}
const [name, gatewayUrl] = process.argv.slice(2);
if (!name) {
  process.stderr.write("usage: npm run env:shared -w control-plane -- <name> [gatewayUrl]\n");
  process.exit(2);
}
let spec: ReturnType<typeof parseSharedEnvironments>[number];
try {
  [spec] = parseSharedEnvironments(gatewayUrl ? `${name}=${gatewayUrl}` : name) as [typeof spec];
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
const db = connectDatabase(env.DATABASE_URL, { max: 1 });
try {
  const result = await ensureSharedEnvironment(db.system, spec);
  process.stdout.write(`${JSON.stringify({ environment: spec.name, gatewayUrl: spec.gatewayUrl ?? null, result })}\n`);
} finally {
  await db.close();
}
