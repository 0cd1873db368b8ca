import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * Where relative paths and `.env` are taken from: the folder npm was invoked in, because
 * `npm run start -w <folder>` runs inside the workspace folder, not where the user typed it.
 */
export const invocationDir = (): string => process.env.INIT_CWD ?? process.cwd();

/** Reads `<invocation dir>/.env` into process.env; variables already set win. */
export function loadDotEnv(dir = invocationDir()): void {
  const file = join(dir, ".env");
  if (existsSync(file)) {
    process.loadEnvFile(file);
  }
}
