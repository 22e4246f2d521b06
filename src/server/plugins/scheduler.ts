import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { DatabaseHandle } from '../db/database.ts';
import type { RecordedChange } from '../timeseries/timeseries-io.ts';

/**
 * Scheduled work, the one way a module declares it: every `everyMs` milliseconds or on a cron
 * expression in the city's time zone, either running `run`, or handing `onChanges` the hours of
 * series changed since its last run (the change feed, read under the job's name). Once across
 * replicas.
 */
export type Job = {
  name: string;
  everyMs?: number;
  cron?: string;
  /** Also run when the scheduler starts (once across replicas starting together). */
  atStart?: boolean;
} & (
  | { run(now: number): Promise<void>; onChanges?: never }
  | {
      /** Handed the changes in order, at least once; must be idempotent. */
      onChanges(changes: RecordedChange[], now: number): Promise<void>;
      run?: never;
    }
);

/** Reads the change feed for one consumer: what `consumeChanges` does over the engine's io. */
export type ChangeFeed = (
  consumer: string,
  handle: (changes: RecordedChange[]) => Promise<void>,
) => Promise<number>;

/** Who this process is, in the claims of job runs. */
const REPLICA = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/**
 * An in-process scheduler. Each scheduled run (an interval's number, or a cron minute) is
 * claimed in the `job_run` table by the first replica to reach it, and only that replica runs
 * it: a job runs exactly once per scheduled run across replicas (a replica that dies during a run
 * loses that run; the next one catches up, as every job reads from where it got). On PostgreSQL
 * a run also takes an advisory lock named after the job, so runs of one job never overlap across
 * replicas, nor in one process.
 */
export class Scheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly running = new Map<string, Promise<boolean>>();
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly database: DatabaseHandle,
    private readonly logger: Logger,
    private readonly timezone: string,
    private readonly changeFeed?: ChangeFeed,
    /** Told of every run this replica made: how long it took and whether it failed. */
    private readonly onRun?: (job: string, seconds: number, failed: boolean) => void,
  ) {}

  /** The names of the jobs added, in order. */
  get jobNames(): string[] {
    return [...this.jobs.keys()];
  }

  add(job: Job): void {
    if (this.jobs.has(job.name)) throw new Error(`job ${job.name} is already scheduled`);
    this.jobs.set(job.name, job);
  }

  /** Starts the timers of every job added so far, and runs those that run at start. */
  start(): void {
    for (const job of this.jobs.values()) {
      const period = job.everyMs ?? 60_000;
      const tick = () =>
        void this.runScheduled(job.name, Math.floor(Date.now() / period)).catch((error) =>
          this.logger.error({ err: error, job: job.name }, 'job failed'),
        );
      if (job.cron) {
        const cron = new Cron(job.cron, { timezone: this.timezone, protect: true }, tick);
        this.stops.push(() => cron.stop());
      } else if (job.everyMs) {
        const timer = setInterval(tick, job.everyMs);
        timer.unref();
        this.stops.push(() => clearInterval(timer));
      }
      // The run at start takes the current interval's slot: replicas starting together run it
      // once, and the interval's own run is then already done.
      if (job.atStart) tick();
    }
  }

  /**
   * Runs the scheduled run `slot` of a job if no replica has claimed it yet. Resolves to whether
   * this replica ran it.
   */
  async runScheduled(name: string, slot: number, now = Date.now()): Promise<boolean> {
    if (!this.jobs.has(name)) throw new Error(`there is no job ${name}`);
    const db = this.database.db;
    const claim = await db
      .insertInto('job_run')
      .values({ job: name, slot, replica: REPLICA, claimed_at: now, finished_at: null, outcome: null })
      .onConflict((oc) => oc.columns(['job', 'slot']).doNothing())
      .executeTakeFirst();
    if (Number(claim.numInsertedOrUpdatedRows ?? 0) === 0) return false;
    let outcome = 'failed';
    try {
      const ran = await this.run(name, now);
      outcome = ran ? 'ok' : 'skipped';
      return ran;
    } finally {
      await db
        .updateTable('job_run')
        .set({ finished_at: Date.now(), outcome })
        .where('job', '=', name)
        .where('slot', '=', slot)
        .execute()
        .catch((error) => this.logger.warn({ err: error, job: name }, 'could not record a job run'));
    }
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    await Promise.allSettled(this.running.values());
  }

  /**
   * Runs a job now (on demand, and in tests with an injected `now`). Resolves to false when
   * another replica holds it.
   */
  run(name: string, now = Date.now()): Promise<boolean> {
    const job = this.jobs.get(name);
    if (!job) throw new Error(`there is no job ${name}`);
    const current = this.running.get(name);
    if (current) return current;
    const work = job.onChanges
      ? async () => {
          if (!this.changeFeed)
            throw new Error(`job ${name} reads the change feed, which this scheduler has not`);
          await this.changeFeed(name, (changes) => job.onChanges(changes, now));
        }
      : () => job.run(now);
    const timed = async () => {
      const began = performance.now();
      let failed = true;
      try {
        await work();
        failed = false;
      } finally {
        this.onRun?.(name, (performance.now() - began) / 1000, failed);
      }
    };
    const run = this.locked(name, timed).finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  private async locked(name: string, fn: () => Promise<void>): Promise<boolean> {
    const pool = this.database.pool;
    if (!pool) {
      await fn();
      return true;
    }
    const key = createHash('sha256').update(`ciop-job:${name}`).digest().readBigInt64BE(0);
    const client = await pool.connect();
    try {
      const { rows } = await client.query('SELECT pg_try_advisory_lock($1::bigint) AS ok', [key.toString()]);
      if (!rows[0].ok) return false;
      try {
        await fn();
        return true;
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key.toString()]);
      }
    } finally {
      client.release();
    }
  }
}
