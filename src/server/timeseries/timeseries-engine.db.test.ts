import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.ts';
import { createTimeSeriesIo } from './open-io.ts';
import { openTestDatabase } from '../testing/databases.ts';
import { MAX_BLOCK_POINTS } from './block-merge.ts';
import { TimeSeriesEngine } from './timeseries-engine.ts';
import { createBatch, type WriteBatch } from './write-batch.ts';
import { HOUR_MS } from '#common/time.ts';

const T0 = Date.UTC(2026, 0, 5);
const MIN = 60_000;

function batch(rows: [number, number, number][]): WriteBatch {
  const b = createBatch(rows.length);
  rows.forEach(([id, t, v], i) => {
    b.seriesIds[i] = id;
    b.times[i] = t;
    b.values[i] = v;
  });
  return b;
}

async function insertSeries(handle: DatabaseHandle, key: string, cumulative = 0): Promise<number> {
  const row = await handle.db
    .insertInto('series')
    .values({
      key,
      measurement: 'm',
      tags: '{}',
      field: 'value',
      value_type: 'number',
      cumulative,
      created_at: 0,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

describe('time-series engine', () => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let engine: TimeSeriesEngine;
  const cumulative = new Set<number>();

  const newEngine = () =>
    new TimeSeriesEngine(createTimeSeriesIo(db.handle), {
      flushIntervalMs: 60_000,
      isCumulative: (id) => cumulative.has(id),
    });

  beforeEach(async () => {
    db = await openTestDatabase();
    cumulative.clear();
    engine = newEngine();
  });

  afterEach(async () => {
    await engine.stop();
    await db.drop();
  });

  it('reads a write back before and after compaction', async () => {
    const a = await insertSeries(db.handle, 'a');
    await engine.write(
      batch([
        [a, T0, 1.5],
        [a, T0 + 10 * MIN, 2.5],
      ]),
    );
    const before = await engine.readPoints(a, T0, T0 + HOUR_MS);
    expect(Array.from(before.values)).toEqual([1.5, 2.5]);
    await engine.flush();
    expect(await engine.io.logSize()).toBe(0);
    const after = await engine.readPoints(a, T0, T0 + HOUR_MS);
    expect(Array.from(after.times)).toEqual([T0, T0 + 10 * MIN]);
    expect(Array.from(after.values)).toEqual([1.5, 2.5]);
  });

  it('overwrites a reading written again with the same time (idempotent replays)', async () => {
    const a = await insertSeries(db.handle, 'a');
    await engine.write(
      batch([
        [a, T0, 1],
        [a, T0 + MIN, 2],
      ]),
    );
    await engine.flush();
    await engine.write(
      batch([
        [a, T0, 1],
        [a, T0 + MIN, 20],
      ]),
    );
    await engine.write(
      batch([
        [a, T0, 1],
        [a, T0 + MIN, 20],
      ]),
    );
    const hoursInMemory = await engine.readHours(a, T0, T0);
    expect(hoursInMemory).toMatchObject([{ count: 2, sum: 21, max: 20 }]);
    await engine.flush();
    const points = await engine.readPoints(a, T0, T0 + HOUR_MS);
    expect(Array.from(points.values)).toEqual([1, 20]);
    expect(await engine.readHours(a, T0, T0)).toMatchObject([{ count: 2, sum: 21, min: 1, max: 20 }]);
  });

  it('keeps hourly rollups right after late and out-of-order data', async () => {
    const a = await insertSeries(db.handle, 'a');
    const rows: [number, number, number][] = [];
    for (let i = 0; i < 48 * 6; i++) if (i % 7 !== 3) rows.push([a, T0 + i * 10 * MIN, i]);
    await engine.write(batch(rows));
    await engine.flush();
    // The missing readings arrive late, newest first.
    const late: [number, number, number][] = [];
    for (let i = 48 * 6 - 1; i >= 0; i--) if (i % 7 === 3) late.push([a, T0 + i * 10 * MIN, i]);
    await engine.write(batch(late));
    await engine.flush();
    const hours = await engine.readHours(a, T0, T0 + 48 * HOUR_MS - 1);
    expect(hours).toHaveLength(48);
    hours.forEach((h, k) => {
      const first = k * 6;
      expect(h).toMatchObject({
        hour: T0 + k * HOUR_MS,
        count: 6,
        min: first,
        max: first + 5,
        sum: 6 * first + 15,
      });
    });
  });

  it('splits long series into blocks at hour boundaries and reads across them', async () => {
    const a = await insertSeries(db.handle, 'a');
    const n = MAX_BLOCK_POINTS * 3 + 17;
    for (let start = 0; start < n; start += 500) {
      const rows: [number, number, number][] = [];
      for (let i = start; i < Math.min(n, start + 500); i++) rows.push([a, T0 + i * MIN, i / 10]);
      await engine.write(batch(rows));
      await engine.flush();
    }
    const all = await engine.readPoints(a, T0, T0 + n * MIN);
    expect(all.times.length).toBe(n);
    expect(all.values[n - 1]).toBe((n - 1) / 10);
    const blocks = await engine.io.readBlocks(a, T0, T0 + n * MIN);
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const b of blocks) {
      expect(b.t0 % HOUR_MS).toBe(0);
      expect(b.n).toBeLessThanOrEqual(MAX_BLOCK_POINTS);
    }
    const middle = await engine.readPoints(a, T0 + 1500 * MIN, T0 + 1600 * MIN - 1);
    expect(middle.times.length).toBe(100);
    expect(middle.times[0]).toBe(T0 + 1500 * MIN);
  });

  it('records drops of a cumulative meter and does not count them as consumption', async () => {
    const m = await insertSeries(db.handle, 'meter', 1);
    cumulative.add(m);
    await engine.write(
      batch([
        [m, T0, 1000],
        [m, T0 + 10 * MIN, 1001.5],
      ]),
    );
    await engine.flush();
    await engine.write(
      batch([
        [m, T0 + 20 * MIN, 2],
        [m, T0 + 30 * MIN, 3],
      ]),
    );
    await engine.flush();
    const drops = await engine.io.counterDrops([m], T0, T0 + HOUR_MS, 10);
    expect(drops).toEqual([
      { seriesId: m, t: T0 + 20 * MIN, previousT: T0 + 10 * MIN, previousValue: 1001.5, value: 2 },
    ]);
    const [hour] = await engine.readHours(m, T0, T0);
    expect(hour.increase).toBeCloseTo(2.5, 9);
  });

  it('compacts what a previous run left in the log when it starts again', async () => {
    const a = await insertSeries(db.handle, 'a');
    await engine.write(batch([[a, T0, 42]]));
    // A new engine on the same database, as after a crash: the first one never compacted.
    const second = newEngine();
    await second.start();
    expect(await engine.io.logSize()).toBe(0);
    expect(Array.from((await second.readPoints(a, T0, T0)).values)).toEqual([42]);
    await second.stop();
  });

  it('returns the latest reading and the reading before a time', async () => {
    const a = await insertSeries(db.handle, 'a');
    const b = await insertSeries(db.handle, 'b');
    await engine.write(
      batch([
        [a, T0, 1],
        [a, T0 + 5 * HOUR_MS, 2],
        [b, T0 + MIN, 3],
      ]),
    );
    await engine.flush();
    await engine.write(batch([[b, T0 + 2 * MIN, 4]]));
    const latest = await engine.latest([a, b]);
    expect(latest.get(a)).toEqual({ t: T0 + 5 * HOUR_MS, v: 2 });
    expect(latest.get(b)).toEqual({ t: T0 + 2 * MIN, v: 4 });
    expect(await engine.readingBefore(a, T0 + 5 * HOUR_MS)).toEqual({ t: T0, v: 1 });
    expect(await engine.readingBefore(a, T0)).toBeUndefined();
  });

  it('records the hours each compaction changed, in order, for derived data', async () => {
    const a = await insertSeries(db.handle, 'a');
    await engine.write(
      batch([
        [a, T0 + 5 * MIN, 1],
        [a, T0 + 3 * HOUR_MS + 5, 2],
      ]),
    );
    await engine.flush();
    await engine.write(batch([[a, T0 - HOUR_MS, 0]]));
    await engine.flush();
    const changes = await engine.io.changesSince(0, 10);
    expect(changes.map(({ seriesId, hourFrom, hourTo }) => ({ seriesId, hourFrom, hourTo }))).toEqual([
      { seriesId: a, hourFrom: T0, hourTo: T0 + 3 * HOUR_MS },
      { seriesId: a, hourFrom: T0 - HOUR_MS, hourTo: T0 - HOUR_MS },
    ]);
    expect(await engine.io.changesSince(changes[0].id, 10)).toHaveLength(1);
  });
});
