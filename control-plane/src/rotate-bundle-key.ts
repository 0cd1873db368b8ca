import { loadDotEnv } from "@portico/shared";
import { connectDatabase } from "./db/client.js";
import { readEnv } from "./env.js";
import { announceBundleKey, listBundleKeys } from "./keys/signing-keys.js";

/**
 * Platform operation: announce a new bundle-signing key.
 *   npm run rotate-bundle-key -w control-plane -- [activate-in-seconds (default 3600)]
 * Running control planes announce it to every gateway on their next key sweep (30 s) and
 * switch to it once the overlap has passed; until then the current key keeps signing.
 */
loadDotEnv();
const env = readEnv();
if (!env.DATABASE_URL) {
  process.stderr.write("DATABASE_URL is required (the embedded database belongs to the running control plane)\n");
  process.exit(2);
}
const activateInS = Number(process.argv[2] ?? 3600);
if (!Number.isInteger(activateInS) || activateInS < 60) {
  process.stderr.write(
    "activate-in-seconds must be an integer of at least 60, so every gateway hears of the key first\n",
  );
  process.exit(2);
}
const db = connectDatabase(env.DATABASE_URL, { max: 1 });
try {
  const kid = await announceBundleKey(db.system, activateInS);
  process.stdout.write(`${JSON.stringify({ announced: kid, keys: await listBundleKeys(db.system) }, null, 2)}\n`);
} finally {
  await db.close();
}
