import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Write-then-rename so a crash leaves either the old file or the new one, never half of
 * either; the fsync makes the rename durable only after the content is.
 */
export async function writeFileAtomic(path: string, data: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  const fh = await open(tmp, "w", 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** The last good bundle of each tenant, kept as the signed JWS so it is re-verified at boot. */
export class BundleDisk {
  readonly #dir: string;

  constructor(gatewayDir: string) {
    this.#dir = join(gatewayDir, "bundles");
  }

  async save(tenantId: string, jws: string): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    await writeFileAtomic(this.#path(tenantId), jws);
  }

  async remove(tenantId: string): Promise<void> {
    await rm(this.#path(tenantId), { force: true });
  }

  async loadAll(): Promise<{ tenantId: string; jws: string }[]> {
    await mkdir(this.#dir, { recursive: true });
    const names = (await readdir(this.#dir)).filter((n) => n.endsWith(".jws"));
    return Promise.all(
      names.map(async (name) => ({
        tenantId: name.slice(0, -".jws".length),
        jws: (await readFile(join(this.#dir, name), "utf8")).trim(),
      })),
    );
  }

  // Callers only pass tenant ids that are valid NATS tokens, so the id cannot name a path.
  #path(tenantId: string): string {
    return join(this.#dir, `${tenantId}.jws`);
  }
}
