import { createHash } from 'node:crypto';
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
  /**
   * Also run once when the scheduler starts, rather than first after a whole interval (checks
   * that would otherwise start late after a restart). Like every run, once across replicas: a
   * replica that finds the job running elsewhere skips it.
   */
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

/**
 * An in-process scheduler. On PostgreSQL a run takes an advisory lock named after the job, so
 * a job runs once across replicas; a replica that finds it taken skips that run. Runs of one
 * job never overlap.
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
  ) {}

  /** The names of the jobs added, in order. */
  get jobNames(): string[] {
    return [...this.jobs.keys()];
  }

  add(job: Job): void {
    if (this.jobs.has(job.name)) throw new Error(`job ${job.name} is already scheduled`);
    this.jobs.set(job.name, job);
  }

  /** Starts the timers of every job added so far. */
  start(): void {
    for (const job of this.jobs.values()) {
      const tick = () =>
        void this.run(job.name).catch((error) =>
          this.logger.error({ err: error, job: job.name }, 'job failed'),
        );
      if (job.atStart) tick();
      if (job.cron) {
        const cron = new Cron(job.cron, { timezone: this.timezone, protect: true }, tick);
        this.stops.push(() => cron.stop());
      } else if (job.everyMs) {
        const timer = setInterval(tick, job.everyMs);
        timer.unref();
        this.stops.push(() => clearInterval(timer));
      }
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
    const run = this.locked(name, work).finally(() => this.running.delete(name));
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
