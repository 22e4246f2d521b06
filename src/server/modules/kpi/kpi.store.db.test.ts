import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../testing/databases.ts';
import { readingsStored } from './kpi.store.ts';

const HOUR = 3_600_000;
const DAY_START = Date.UTC(2026, 11, 7);

describe('readings stored in a span', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeAll(async () => {
    db = await openTestDatabase();
    const block = (series_id: number, t0: number, t1: number, n: number) => ({
      series_id,
      t0,
      t1,
      n,
      last_v: null,
      data: new Uint8Array([0]),
    });
    await db.handle.db
      .insertInto('ts_block')
      .values([
        // A live series' block that began the evening before and goes on today: half of it is today.
        block(1, DAY_START - 2 * HOUR, DAY_START + 2 * HOUR, 240),
        // A block of today only, and a single reading.
        block(2, DAY_START + HOUR, DAY_START + 3 * HOUR, 100),
        block(3, DAY_START + 5 * HOUR, DAY_START + 5 * HOUR, 1),
        // Yesterday only.
        block(4, DAY_START - 5 * HOUR, DAY_START - 3 * HOUR, 50),
      ])
      .execute();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('counts the part of each block inside it, blocks begun before it too', async () => {
    expect(await readingsStored(db.handle.db, DAY_START, DAY_START + 6 * HOUR)).toBe(120 + 100 + 1);
    expect(await readingsStored(db.handle.db, DAY_START - 6 * HOUR, DAY_START)).toBe(120 + 50);
  });
});
