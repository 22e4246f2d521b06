import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../testing/databases.ts';
import { decodeChanges } from '../timeseries/timeseries-io.ts';
import { down, up } from './migrations/20261207_2000_timeseries_storage.ts';

const HOUR_MS = 3_600_000;

describe('the change feed packed anew', () => {
  let database: Awaited<ReturnType<typeof openTestDatabase>>;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('keeps every recorded change readable, and gives the former packing back on the way down', async () => {
    const db = database.handle.db;
    // An entry as the former packing wrote it: u32 series id, first hour, last hour.
    const fixed = new Uint8Array(24);
    const view = new DataView(fixed.buffer);
    [7, 490_000, 490_003, 3, 489_000, 489_000].forEach((v, i) => view.setUint32(i * 4, v, true));
    const { id } = await db
      .insertInto('ts_change')
      .values({ changed_at: 1, changes: fixed })
      .returning('id')
      .executeTakeFirstOrThrow();
    await up(db);
    const row = await db
      .selectFrom('ts_change')
      .select('changes')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(decodeChanges(Number(id), row.changes)).toEqual([
      { id: Number(id), seriesId: 7, hourFrom: 490_000 * HOUR_MS, hourTo: 490_003 * HOUR_MS },
      { id: Number(id), seriesId: 3, hourFrom: 489_000 * HOUR_MS, hourTo: 489_000 * HOUR_MS },
    ]);
    await down(db);
    const back = await db
      .selectFrom('ts_change')
      .select('changes')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(back.changes).equals(Buffer.from(fixed))).toBe(true);
    await up(db);
  });
});
