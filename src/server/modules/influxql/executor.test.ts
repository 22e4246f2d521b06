import { describe, expect, it } from 'vitest';
import { rollupHours } from '../../timeseries/block-codec.ts';
import { execute, type QlSeries, type QlSource } from './executor.ts';
import { parseStatement } from './parser.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 1); // a whole hour
const NOW = T0 + 6 * H;

const tags = (sn: string, medium: string) => ({ SN: sn, channel: '1', device: '1', medium });
const SERIES: QlSeries[] = [
  {
    id: 1,
    measurement: 'forwarder_data',
    tags: tags('AAAA000000000001', 'temperature'),
    field: 'value',
    valueType: 'number',
  },
  {
    id: 2,
    measurement: 'forwarder_data',
    tags: tags('BBBB000000000002', 'temperature'),
    field: 'value',
    valueType: 'number',
  },
  {
    id: 3,
    measurement: 'forwarder_data',
    tags: tags('AAAA000000000001', 'humidity'),
    field: 'value',
    valueType: 'number',
  },
  { id: 4, measurement: 'weather', tags: { station: 'vit' }, field: 'wind', valueType: 'number' },
  { id: 5, measurement: 'weather', tags: { station: 'vit' }, field: 'sky', valueType: 'text' },
];
/** Points, [minutes after T0, value]. */
const POINTS: Record<number, [number, number][]> = {
  // Hour 0: 10, 20 (mean 15); hour 1: nothing; hour 2: 30 at :00, 50 at :30 (mean 40).
  1: [
    [0, 10],
    [30, 20],
    [120, 30],
    [150, 50],
  ],
  // Hour 0: 1 at :15; hour 2: 3 at :45.
  2: [
    [15, 1],
    [165, 3],
  ],
  3: [[10, 60]],
  4: [[0, 5]],
};

/** Reads from the points above; hours rolled up as the engine rolls them up, counting the calls. */
function source(): QlSource & { hourReads: number } {
  const pointsOf = (id: number, from: number, to: number) => {
    const all = (POINTS[id] ?? [])
      .map(([m, v]) => [T0 + m * 60_000, v])
      .filter(([t]) => t >= from && t <= to);
    return {
      times: Float64Array.from(all.map((p) => p[0])),
      values: Float64Array.from(all.map((p) => p[1])),
    };
  };
  const s = {
    hourReads: 0,
    series: async (m?: string) => SERIES.filter((x) => m === undefined || x.measurement === m),
    readPoints: async (id: number, from: number, to: number) => pointsOf(id, from, to),
    readHours: async (id: number, from: number, to: number) => {
      s.hourReads++;
      return rollupHours(pointsOf(id, Math.floor(from / H) * H, Math.floor(to / H) * H + H - 1), false);
    },
  };
  return s;
}

const run = async (q: string, src = source()) => (await execute(parseStatement(q, NOW), src, NOW)).series;
const at = (minutes: number) => T0 + minutes * 60_000;
const RANGE = `time >= '2026-12-01T00:00:00Z' AND time < '2026-12-01T03:00:00Z'`;

describe('InfluxQL statements over a small data set', () => {
  it('SHOW statements list what there is, sorted', async () => {
    expect(await run('SHOW MEASUREMENTS')).toEqual([
      { name: 'measurements', columns: ['name'], values: [['forwarder_data'], ['weather']] },
    ]);
    expect(await run('SHOW TAG KEYS FROM forwarder_data')).toEqual([
      { name: 'forwarder_data', columns: ['tagKey'], values: [['SN'], ['channel'], ['device'], ['medium']] },
    ]);
    expect(await run(`SHOW TAG VALUES WITH KEY = "SN" WHERE "medium" = 'humidity'`)).toEqual([
      { name: 'forwarder_data', columns: ['key', 'value'], values: [['SN', 'AAAA000000000001']] },
    ]);
    expect(await run('SHOW TAG VALUES FROM forwarder_data WITH KEY IN ("medium", "SN")')).toEqual([
      {
        name: 'forwarder_data',
        columns: ['key', 'value'],
        values: [
          ['SN', 'AAAA000000000001'],
          ['SN', 'BBBB000000000002'],
          ['medium', 'humidity'],
          ['medium', 'temperature'],
        ],
      },
    ]);
    expect((await run('SHOW TAG VALUES WITH KEY =~ /^st/'))[0].values).toEqual([['station', 'vit']]);
    expect(await run('SHOW FIELD KEYS')).toEqual([
      { name: 'forwarder_data', columns: ['fieldKey', 'fieldType'], values: [['value', 'float']] },
      {
        name: 'weather',
        columns: ['fieldKey', 'fieldType'],
        values: [
          ['sky', 'string'],
          ['wind', 'float'],
        ],
      },
    ]);
    expect(await run('SHOW MEASUREMENTS WITH MEASUREMENT =~ /^w/')).toEqual([
      { name: 'measurements', columns: ['name'], values: [['weather']] },
    ]);
  });

  it('raw points of one series, in time order, descending and limited', async () => {
    const where = `"SN" = 'AAAA000000000001' AND "medium" = 'temperature'`;
    expect(await run(`SELECT "value" FROM forwarder_data WHERE ${where}`)).toEqual([
      {
        name: 'forwarder_data',
        columns: ['time', 'value'],
        values: [
          [at(0), 10],
          [at(30), 20],
          [at(120), 30],
          [at(150), 50],
        ],
      },
    ]);
    expect(
      (await run(`SELECT value FROM forwarder_data WHERE ${where} ORDER BY time DESC LIMIT 2`))[0].values,
    ).toEqual([
      [at(150), 50],
      [at(120), 30],
    ]);
    // Several series without GROUP BY: one answer series, points merged by time.
    expect(
      (
        await run(
          `SELECT value FROM forwarder_data WHERE "medium" != 'humidity' AND time < '2026-12-01T01:00:00Z'`,
        )
      )[0].values,
    ).toEqual([
      [at(0), 10],
      [at(15), 1],
      [at(30), 20],
    ]);
  });

  it('aggregates over the range: one row at its start; a lone selector at its point', async () => {
    const where = `"medium" = 'temperature' AND ${RANGE}`;
    // Points 10, 20, 30, 50, 1, 3: sum 114, count 6, mean 19.
    expect(
      await run(
        `SELECT mean(value), sum(value), count(value), min(value), max(value) FROM forwarder_data WHERE ${where}`,
      ),
    ).toEqual([
      {
        name: 'forwarder_data',
        columns: ['time', 'mean', 'sum', 'count', 'min', 'max'],
        values: [[T0, 19, 114, 6, 1, 50]],
      },
    ]);
    expect((await run(`SELECT max(value) FROM forwarder_data WHERE ${where}`))[0].values).toEqual([
      [at(150), 50],
    ]);
    expect((await run(`SELECT last(value) FROM forwarder_data WHERE ${where}`))[0].values).toEqual([
      [at(165), 3],
    ]);
    expect(
      (await run(`SELECT first(value) FROM forwarder_data WHERE "medium" = 'temperature'`))[0].values,
    ).toEqual([[at(0), 10]]);
    // No time bound: the row is at the epoch.
    expect((await run(`SELECT count(value) FROM forwarder_data`))[0].values).toEqual([[0, 7]]);
  });

  it('GROUP BY time(1h) from the rollups, with each fill', async () => {
    const src = source();
    const q = (fill: string) =>
      `SELECT mean("value") FROM "forwarder_data" WHERE "SN" = 'AAAA000000000001' AND "medium" = 'temperature' AND ${RANGE} GROUP BY time(1h) ${fill}`;
    expect(await run(q(''), src)).toEqual([
      {
        name: 'forwarder_data',
        columns: ['time', 'mean'],
        values: [
          [T0, 15],
          [T0 + H, null],
          [T0 + 2 * H, 40],
        ],
      },
    ]);
    expect(src.hourReads).toBe(1);
    expect((await run(q('fill(none)')))[0].values).toEqual([
      [T0, 15],
      [T0 + 2 * H, 40],
    ]);
    expect((await run(q('fill(previous)')))[0].values).toEqual([
      [T0, 15],
      [T0 + H, 15],
      [T0 + 2 * H, 40],
    ]);
    expect((await run(q('fill(0)')))[0].values).toEqual([
      [T0, 15],
      [T0 + H, 0],
      [T0 + 2 * H, 40],
    ]);
    // count answers 0 for an empty interval, as InfluxDB does.
    expect((await run(q('').replace('mean', 'count')))[0].values).toEqual([
      [T0, 2],
      [T0 + H, 0],
      [T0 + 2 * H, 2],
    ]);
  });

  it('cut hours at the ends of the range are read from the points, not the rollups', async () => {
    // From 00:20 to 02:40: hour 0 holds 20 only, hour 2 holds 30 and 50.
    const values = (
      await run(
        `SELECT sum(value), first(value) FROM forwarder_data WHERE "SN" = 'AAAA000000000001' AND "medium" = 'temperature' AND time >= '2026-12-01T00:20:00Z' AND time <= '2026-12-01T02:40:00Z' GROUP BY time(1h)`,
      )
    )[0].values;
    expect(values).toEqual([
      [T0, 20, 20],
      [T0 + H, null, null],
      [T0 + 2 * H, 80, 30],
    ]);
  });

  it('GROUP BY time finer than an hour, and two hours with an offset', async () => {
    const where = `"SN" = 'AAAA000000000001' AND "medium" = 'temperature' AND ${RANGE}`;
    const finer = (
      await run(`SELECT max(value) FROM forwarder_data WHERE ${where} GROUP BY time(30m) fill(none)`)
    )[0].values;
    expect(finer).toEqual([
      [T0, 10],
      [at(30), 20],
      [at(120), 30],
      [at(150), 50],
    ]);
    // Buckets [-1h, 1h) and [1h, 3h): 10, 20 | 30, 50.
    const offset = (
      await run(`SELECT mean(value) FROM forwarder_data WHERE ${where} GROUP BY time(2h, 1h)`)
    )[0].values;
    expect(offset).toEqual([
      [T0 - H, 15],
      [T0 + H, 40],
    ]);
  });

  it('GROUP BY a tag: one answer series per tag value, across series merged', async () => {
    const series = await run(
      `SELECT mean(value) FROM forwarder_data WHERE "medium" = 'temperature' AND ${RANGE} GROUP BY time(1h), "SN" fill(none)`,
    );
    expect(series).toEqual([
      {
        name: 'forwarder_data',
        tags: { SN: 'AAAA000000000001' },
        columns: ['time', 'mean'],
        values: [
          [T0, 15],
          [T0 + 2 * H, 40],
        ],
      },
      {
        name: 'forwarder_data',
        tags: { SN: 'BBBB000000000002' },
        columns: ['time', 'mean'],
        values: [
          [T0, 1],
          [T0 + 2 * H, 3],
        ],
      },
    ]);
    // Both sensors in one bucket: (10 + 20 + 1) / 3 and (30 + 50 + 3) / 3.
    const merged = await run(
      `SELECT mean(value), last(value) FROM forwarder_data WHERE "medium" =~ /temp/ AND ${RANGE} GROUP BY time(1h) fill(none)`,
    );
    expect(merged[0].values).toEqual([
      [T0, 31 / 3, 20],
      [T0 + 2 * H, 83 / 3, 3],
    ]);
  });

  it('tag conditions with OR, != and !~', async () => {
    const count = async (where: string) =>
      (await run(`SELECT count(value) FROM forwarder_data WHERE ${where}`))[0]?.values[0][1];
    expect(await count(`"medium" = 'humidity' OR "SN" = 'BBBB000000000002'`)).toBe(3);
    expect(await count(`"SN" !~ /^A/`)).toBe(2);
    expect(await count(`("SN" = 'AAAA000000000001' AND "medium" != 'temperature')`)).toBe(1);
    expect(await count(`"SN" = 'nobody'`)).toBeUndefined();
  });

  it('conditions on the selected field’s values choose readings, and keep buckets off the rollups', async () => {
    const src = source();
    // Temperature readings 10, 20, 30, 50, 1, 3; above 15: 20, 30, 50.
    const total = await run(
      `SELECT count(value), sum(value) FROM forwarder_data WHERE "medium" = 'temperature' AND value > 15`,
      src,
    );
    expect(total[0].values).toEqual([[0, 3, 100]]);
    const hourly = await run(
      `SELECT mean(value) FROM forwarder_data WHERE "SN" = 'AAAA000000000001' AND "medium" = 'temperature' AND (value >= 20 AND value != 50 OR value < 11) AND ${RANGE} GROUP BY time(1h) fill(none)`,
      src,
    );
    expect(hourly[0].values).toEqual([
      [T0, 15],
      [T0 + 2 * H, 30],
    ]);
    expect(src.hourReads).toBe(0);
    expect((await run(`SELECT value FROM forwarder_data WHERE 2 > value`, src))[0].values).toEqual([
      [at(15), 1],
    ]);
  });

  it('names what it does not answer', async () => {
    await expect(
      run('SELECT mean(value), difference(mean(value)) FROM forwarder_data GROUP BY time(1h)'),
    ).rejects.toThrow(/only supported as the one field selected/);
    await expect(run(`SELECT mean(value) FROM forwarder_data WHERE value > 3 OR "SN" = 'x'`)).rejects.toThrow(
      /mixing tags and field values/,
    );
    await expect(run('SELECT mean(wind) FROM weather WHERE sky = 1')).rejects.toThrow(
      /the one field selected/,
    );
    await expect(run('SELECT "SN" FROM forwarder_data')).rejects.toThrow(/selecting a tag/);
  });
});
