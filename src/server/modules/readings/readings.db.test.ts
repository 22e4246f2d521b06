import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';

const H = 3_600_000;
const SN = 'DA7E000000000001';

describe('reading queries', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform();
  });
  afterAll(async () => {
    await t.close();
  });

  const write = async (lines: string[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=ms',
      headers: { authorization: `Token ${t.platform.ingestToken}` },
      body: lines.join('\n'),
    });
    expect(res.statusCode).toBe(204);
  };
  const get = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url, headers: t.readerHeaders });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const sensor = (medium: string) => `sn=${SN}&channel=1&device=1&medium=${medium}`;

  it('cuts days in the city time zone: the DST days have 23 and 25 hours and their sums are the sums of their hours', async () => {
    for (const [y, m, d] of [
      [2026, 2, 29],
      [2026, 9, 25],
    ]) {
      const from = Date.UTC(y, m, d - 1, 12);
      const lines: string[] = [];
      for (let h = 0; h < 48; h++)
        lines.push(
          `forwarder_data,SN=${SN},channel=1,device=1,medium=power value=${100 + h} ${from + h * H}`,
        );
      await write(lines);
      const localMidnight = (
        await get(
          `/api/v1/readings/aggregate?${sensor('power')}&from=${Date.UTC(y, m, d, 12)}&to=${Date.UTC(y, m, d, 12)}&interval=day`,
        )
      ).buckets[0];
      const hours = (localMidnight.end - localMidnight.start) / H;
      expect(hours).toBe(m === 2 ? 23 : 25);
      const hourly = await get(
        `/api/v1/readings/aggregate?${sensor('power')}&from=${localMidnight.start}&to=${localMidnight.end - 1}&interval=hour`,
      );
      expect(hourly.buckets).toHaveLength(hours);
      const sumOfHours = hourly.buckets.reduce((s: number, b: { sum: number | null }) => s + (b.sum ?? 0), 0);
      expect(localMidnight.sum).toBe(sumOfHours);
      expect(localMidnight.count).toBe(hours);
    }
  });

  it('turns a cumulative meter into consumption and does not count a reset', async () => {
    const from = Date.UTC(2026, 5, 1, 0);
    const values = [1000, 1001, 1003, 1006, 2, 4, 7];
    await write(
      values.map(
        (v, i) => `forwarder_data,SN=${SN},channel=1,device=1,medium=energy value=${v} ${from + i * H}`,
      ),
    );
    const agg = await get(
      `/api/v1/readings/aggregate?${sensor('energy')}&from=${from}&to=${from + 7 * H - 1}&interval=hour`,
    );
    expect(agg.cumulative).toBe(true);
    expect(agg.buckets.map((b: { consumption: number }) => b.consumption)).toEqual([0, 1, 2, 3, 0, 2, 3]);
    const day = await get(
      `/api/v1/readings/aggregate?${sensor('energy')}&from=${from}&to=${from + 7 * H - 1}&interval=day`,
    );
    expect(
      day.buckets.reduce((s: number, b: { consumption: number | null }) => s + (b.consumption ?? 0), 0),
    ).toBe(11);
    await t.platform.engine.flush();
    const series = t.platform.catalog.get(`forwarder_data,SN=${SN},channel=1,device=1,medium=energy value`)!;
    const drops = await t.platform.engine.io.counterDrops([series.id], from, from + 7 * H, 10);
    expect(drops).toMatchObject([{ t: from + 4 * H, previousValue: 1006, value: 2 }]);
  });

  it('pages raw readings without losing or repeating one', async () => {
    const from = Date.UTC(2026, 6, 1);
    await write(
      Array.from(
        { length: 250 },
        (_, i) =>
          `forwarder_data,SN=${SN},channel=1,device=1,medium=co2 value=${400 + i} ${from + i * 60_000}`,
      ),
    );
    const seen: number[] = [];
    let cursor: number | undefined = from;
    while (cursor !== undefined) {
      const page: { points: { v: number }[]; next?: number } = await get(
        `/api/v1/readings?${sensor('co2')}&from=${cursor}&to=${from + 10 * H}&limit=100`,
      );
      seen.push(...page.points.map((p) => p.v));
      cursor = page.next;
    }
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => 400 + i));
  });

  it('refuses unbounded or malformed queries with a clear reason', async () => {
    const tooMany = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings/aggregate?${sensor('co2')}&from=0&to=${Date.UTC(2026, 0, 1)}&interval=hour`,
      headers: t.readerHeaders,
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().detail).toContain('20000');
    const noSensor = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings?from=0&to=1`,
      headers: t.readerHeaders,
    });
    expect(noSensor.statusCode).toBe(400);
    const bigPage = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings?${sensor('co2')}&from=0&to=1&limit=1000000`,
      headers: t.readerHeaders,
    });
    expect(bigPage.statusCode).toBe(400);
    expect(bigPage.json().errors[0].where).toContain('limit');
  });
});
