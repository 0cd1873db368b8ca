import type { Logger } from "pino";
import postgres from "postgres";

/** Advisory lock key pair: "PORT" and the job it elects for. */
const LOCK_CLASS = 0x504f5254;

/**
 * Elects one control plane among those sharing a PostgreSQL database to run a singleton job
 * (the outbox relay): whoever holds a session-level advisory lock on a connection of its own.
 * The lock lives exactly as long as that session, so a crashed, killed or cut-off leader loses
 * it without any lease to tune or clock to trust, and a follower takes it on its next poll.
 * Chosen over a NATS KV lease because the relay's truth is the database: leadership and the
 * outbox rows it drains live and die in the same place. Without a database URL (the embedded
 * PGlite of the all-in-one, one process by construction) this process always leads.
 */
export class LeaderLock {
  readonly #sql: postgres.Sql | undefined;
  #leading = false;

  constructor(
    databaseUrl: string | undefined,
    private readonly job: number,
    private readonly log: Logger,
  ) {
    // One connection, never recycled: recycling it would hand leadership around for nothing.
    this.#sql = databaseUrl
      ? postgres(databaseUrl, { max: 1, max_lifetime: null, idle_timeout: 0, onnotice: () => {} })
      : undefined;
    this.#leading = !databaseUrl;
  }

  /** Whether this process leads now; takes the lock when it is free. */
  async check(): Promise<boolean> {
    if (!this.#sql) {
      return true;
    }
    let leading = false;
    try {
      // Re-taking a lock this session holds would stack it; ask pg_locks first.
      const [row] = await this.#sql<{ leading: boolean }[]>`
        select case
          when exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()
                       and classid = ${LOCK_CLASS} and objid = ${this.job} and objsubid = 2 and granted)
          then true
          else pg_try_advisory_lock(${LOCK_CLASS}::int, ${this.job}::int)
        end as leading`;
      leading = row?.leading === true;
    } catch (error) {
      this.log.warn({ err: error }, "leader election: cannot reach the database");
    }
    if (leading !== this.#leading) {
      this.log.info({ job: this.job, leading }, leading ? "leader election: leading" : "leader election: following");
    }
    this.#leading = leading;
    return leading;
  }

  /** As of the last check. */
  get leading(): boolean {
    return this.#leading;
  }

  /** Ends the session, which releases the lock for the next control plane. */
  async close(): Promise<void> {
    this.#leading = false;
    await this.#sql?.end({ timeout: 5 });
  }
}
