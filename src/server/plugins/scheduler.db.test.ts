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

  it('runs a job marked atStart when it starts, once across replicas, and the others only on their interval', async () => {
    const second = testDialect === 'postgres' ? openDatabase(db.url) : db.handle;
    const log = pino({ level: 'silent' });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let checks = 0;
    let others = 0;
    const check = {
      name: 'check',
      everyMs: 3_600_000,
      atStart: true,
      run: async () => void (checks++, await gate),
    };
    const other = { name: 'other', everyMs: 3_600_000, run: async () => void others++ };
    const a = new Scheduler(db.handle, log, 'Europe/Madrid');
    const b = new Scheduler(second, log, 'Europe/Madrid');
    for (const s of [a, b]) {
      s.add(check);
      s.add(other);
    }
    a.start();
    await expect.poll(() => checks).toBe(1);
    // A second replica starting while the first still runs it skips it (PostgreSQL's lock).
    if (testDialect === 'postgres') {
      b.start();
      await new Promise((r) => setTimeout(r, 200));
      expect(checks).toBe(1);
    }
    release();
    await a.stop();
    await b.stop();
    expect(others).toBe(0);
    if (second !== db.handle) await second.close();
  });
});
