import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { openTestDatabase, testDialect } from '../testing/databases.ts';
import { Scheduler } from './scheduler.ts';

describe('scheduler', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeEach(async () => {
    db = await openTestDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it('never overlaps runs of a job, and runs it once across replicas', async () => {
    const second = testDialect === 'postgres' ? openDatabase(db.url) : db.handle;
    const log = pino({ level: 'silent' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runs = 0;
    const job = { name: 'slow', run: async () => void (runs++, await gate) };
    const a = new Scheduler(db.handle, log, 'Europe/Madrid');
    const b = new Scheduler(second, log, 'Europe/Madrid');
    a.add(job);
    b.add(job);
    const first = a.run('slow', 1);
    const again = a.run('slow', 2);
    expect(again).toBe(first);
    if (testDialect === 'postgres') {
      await new Promise((r) => setTimeout(r, 100));
      expect(await b.run('slow', 3)).toBe(false);
    }
    release();
    expect(await first).toBe(true);
    expect(runs).toBe(1);
    if (second !== db.handle) await second.close();
  });

  it('runs each scheduled run exactly once across replicas, failed or not', async () => {
    const second = testDialect === 'postgres' ? openDatabase(db.url) : db.handle;
    const log = pino({ level: 'silent' });
    const runs: number[] = [];
    let fail = false;
    const job = {
      name: 'claimed',
      everyMs: 60_000,
      run: async (now: number) => {
        runs.push(now);
        if (fail) throw new Error('planned failure');
      },
    };
    const replicas = [
      new Scheduler(db.handle, log, 'Europe/Madrid'),
      new Scheduler(second, log, 'Europe/Madrid'),
    ];
    for (const r of replicas) r.add(job);
    // Both replicas reach run 7 at once, then again later: one of them runs it, once.
    const first = await Promise.all(replicas.map((r, i) => r.runScheduled('claimed', 7, 1000 + i)));
    expect(first.filter(Boolean)).toHaveLength(1);
    expect(await replicas[1].runScheduled('claimed', 7, 1002)).toBe(false);
    expect(runs).toHaveLength(1);
    // A failed run is recorded as such, and the next scheduled run still happens.
    fail = true;
    await expect(replicas[0].runScheduled('claimed', 8, 2000)).rejects.toThrow('planned failure');
    fail = false;
    expect(await replicas[1].runScheduled('claimed', 9, 3000)).toBe(true);
    expect(runs).toEqual([expect.any(Number), 2000, 3000]);
    const claims = await db.handle.db
      .selectFrom('job_run')
      .select(['slot', 'outcome'])
      .where('job', '=', 'claimed')
      .orderBy('slot')
      .execute();
    expect(claims.map((c) => [Number(c.slot), c.outcome])).toEqual([
      [7, 'ok'],
      [8, 'failed'],
      [9, 'ok'],
    ]);
    if (second !== db.handle) await second.close();
  });

  it('runs a job that runs at start once, however many replicas start together', async () => {
    const second = testDialect === 'postgres' ? openDatabase(db.url) : db.handle;
    const log = pino({ level: 'silent' });
    let runs = 0;
    let done!: () => void;
    const ran = new Promise<void>((r) => (done = r));
    const job = {
      name: 'at-start',
      everyMs: 3_600_000,
      atStart: true,
      run: async () => void (runs++, done()),
    };
    const replicas = [
      new Scheduler(db.handle, log, 'Europe/Madrid'),
      new Scheduler(second, log, 'Europe/Madrid'),
    ];
    for (const r of replicas) r.add(job);
    for (const r of replicas) r.start();
    await ran;
    await Promise.all(replicas.map((r) => r.stop()));
    expect(runs).toBe(1);
    if (second !== db.handle) await second.close();
  });
});
