/**
 * Runs `drain` now and then every `pollMs`, one run at a time. `kick` asks for a run as soon as
 * possible (after the current one, if one is running); `stop` waits for the current run. A
 * failed run is reported and retried at the next poll.
 */
export class PollingLoop {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(
    private readonly drain: () => Promise<void>,
    private readonly pollMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.#schedule(0);
  }

  kick(): void {
    if (this.#running) {
      this.#again = true;
    } else {
      this.#schedule(0);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(ms: number): void {
    if (this.#stopped) {
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#running = this.drain()
        .catch(this.onError)
        .finally(() => {
          this.#running = undefined;
          const again = this.#again;
          this.#again = false;
          this.#schedule(again ? 0 : this.pollMs);
        });
    }, ms);
  }
}
