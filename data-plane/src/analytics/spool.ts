import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { AnalyticsBatch, err, ok, type Result } from "@portico/shared";
import { writeFileAtomic } from "../config/disk.js";

/**
 * Analytics batches the bus did not take, one file per batch named by its batch id, so a
 * replay publishes it under the same message id and JetStream drops it if the first try
 * had in fact landed.
 */
export class AnalyticsSpool {
  readonly #dir: string;
  readonly #maxBatches: number;
  #depth = 0;

  constructor(gatewayDir: string, maxBatches: number) {
    this.#dir = join(gatewayDir, "spool");
    this.#maxBatches = maxBatches;
  }

  async init(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    this.#depth = (await this.list()).length;
  }

  get depth(): number {
    return this.#depth;
  }

  /** false when the spool is full or the disk refused: the caller counts the loss. */
  async write(batchId: string, json: string): Promise<boolean> {
    if (this.#depth >= this.#maxBatches) {
      return false;
    }
    try {
      await writeFileAtomic(join(this.#dir, `${batchId}.json`), json);
      this.#depth++;
      return true;
    } catch {
      return false;
    }
  }

  async list(): Promise<string[]> {
    return (await readdir(this.#dir)).filter((n) => n.endsWith(".json"));
  }

  async read(name: string): Promise<Result<{ batch: AnalyticsBatch; json: string }, string>> {
    try {
      const json = await readFile(join(this.#dir, name), "utf8");
      const parsed = AnalyticsBatch.safeParse(JSON.parse(json));
      return parsed.success ? ok({ batch: parsed.data, json }) : err("not an analytics batch");
    } catch (error) {
      return err(error instanceof Error ? error.message : String(error));
    }
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.#dir, name), { force: true });
    this.#depth = Math.max(0, this.#depth - 1);
  }

  /** Keeps an unreadable file for a human to look at, out of the replay's way. */
  async quarantine(name: string): Promise<void> {
    await rename(join(this.#dir, name), join(this.#dir, `${name}.bad`)).catch(() => {});
    this.#depth = Math.max(0, this.#depth - 1);
  }
}
