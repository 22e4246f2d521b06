import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { seedSyntheticBuilding } from '../../testing/synthetic-building.ts';
import { COMFORT_JOB } from './comfort.service.ts';

const H = 3_600_000;
const ZONE = 'Europe/Madrid';
/** Twelve local days around the autumn DST change (2026-10-25 has 25 hours in Madrid). */
const FROM = DateTime.fromISO('2026-10-19T00:00', { zone: ZONE }).toMillis();
const TO = DateTime.fromISO('2026-10-31T00:00', { zone: ZONE }).toMillis();

/** Deterministic noise in [0, 1) of a time and a dwelling (the same on every run and database). */
function noise(t: number, k: number): number {
  const x = Math.sin((t / 60_000) * 12.9898 + k * 78.233) * 43758.5453;
  return x - Math.floor(x);
}

/**
 * The daily comfort rollup answers exactly what the hours answer: the same building's heat strip,
 * building averages and dashboard panels, day by day, read once from `comfort_day` and once from
 * `comfort_hour` (with the rollup marked unbuilt, readers fall back to the hours).
 */
describe('comfort_day, the daily comfort rollup', () => {
  let t: TestPlatform;
  let building: { buildingId: number; dwellingIds: number[] };
  let esco: Record<string, string>;

  beforeAll(async () => {
    t = await openTestPlatform({ timezone: ZONE });
    building = await seedSyntheticBuilding(t.platform, {
      code: 'CD-1',
      dwellings: Array.from({ length: 5 }, (_, k) => ({
        label: `${k + 1}A`,
        floor: k + 1,
        areaM2: 60,
        signals: {
          temperature: (x: number) =>
            17 + 3 * k + 2 * Math.sin((2 * Math.PI * x) / (24 * H)) + 4 * noise(x, k),
          // Now and then a faulty humidity (above 100 %): that hour has no PMV.
          humidity: (x: number) => (noise(x, k + 10) < 0.02 ? 140 : 30 + 40 * noise(x, k + 20)),
        },
      })),
      from: FROM,
      to: TO,
      stepMs: 30 * 60_000,
    });
    expect(await t.platform.scheduler.run(COMFORT_JOB, TO)).toBe(true);
    esco = await headersAs(t, { roles: ['esco'], buildingIds: [building.buildingId] });
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url, headers: esco });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  /** Ranges within the data and beyond its ends, cut at odd minutes (days are whole anyway). */
  const ranges = (() => {
    const out: [number, number][] = [[FROM, TO - 1]];
    for (let i = 0; i < 6; i++) {
      const a = FROM - 2 * 24 * H + Math.floor(noise(i, 99) * 14 * 24 * 60) * 60_000;
      const b = a + Math.floor((1 + noise(i, 98) * 12) * 24 * 60) * 60_000;
      out.push([a, b]);
    }
    return out;
  })();

  /** Every day answer of the building and its hour-by-hour heat strip, as the API gives them. */
  async function answers() {
    const out: unknown[] = [];
    for (const [from, to] of ranges) {
      const q = `from=${from}&to=${to}&interval=day`;
      out.push(await get(`/api/v1/comfort/buildings/${building.buildingId}/dwellings?${q}`));
      // Hour by hour: the whole days' packed hours, the partial days' own hours.
      out.push(
        await get(
          `/api/v1/comfort/buildings/${building.buildingId}/dwellings?from=${from}&to=${to}&interval=hour`,
        ),
      );
      out.push(await get(`/api/v1/comfort/buildings/${building.buildingId}?${q}&limit=10000`));
      const panel = await t.app.inject({
        method: 'POST',
        url: '/api/v1/dashboards/query',
        headers: esco,
        payload: {
          from,
          to,
          queries: ['pmv', 'ppd', 'compliance', 'catI', 'outside'].map((metric) => ({
            source: 'comfort',
            metric,
            scope: { building: building.buildingId },
            interval: 'day',
          })),
        },
      });
      expect(panel.statusCode, panel.body).toBe(200);
      out.push(panel.json());
    }
    return out;
  }

  /** The same answers read from the hours: the rollup is marked unbuilt, then marked built again. */
  async function fromHours() {
    const zones = await t.platform.db.selectFrom('comfort_point').select(['id', 'day_zone']).execute();
    await t.platform.db.updateTable('comfort_point').set({ day_zone: null }).execute();
    const out = await answers();
    for (const z of zones)
      await t.platform.db
        .updateTable('comfort_point')
        .set({ day_zone: z.day_zone })
        .where('id', '=', z.id)
        .execute();
    return out;
  }

  /** Equal, floats to a relative 1e-9 (the sums are added in another order). */
  function expectSame(a: unknown, b: unknown, path = ''): void {
    if (typeof a === 'number' && typeof b === 'number') {
      expect(Math.abs(a - b), `${path}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(a)));
      return;
    }
    if (a !== null && typeof a === 'object' && b !== null && typeof b === 'object') {
      expect(Object.keys(b).sort(), path).toEqual(Object.keys(a).sort());
      for (const k of Object.keys(a))
        expectSame((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
      return;
    }
    expect(b, path).toEqual(a);
  }

  /** `comfort_day` holds, per point and local day, the sums of its hours with a PMV. */
  async function expectRollupOfHours() {
    const hours = await t.platform.db
      .selectFrom('comfort_hour')
      .selectAll()
      .where('pmv', 'is not', null)
      .orderBy('point_id')
      .orderBy('hour')
      .execute();
    const want = new Map<string, { hours: number; pmv: number; green: number; catI: number; rh: number }>();
    for (const h of hours) {
      const day = DateTime.fromMillis(Number(h.hour), { zone: ZONE }).startOf('day').toMillis();
      const key = `${h.point_id}/${day}`;
      const w = want.get(key) ?? { hours: 0, pmv: 0, green: 0, catI: 0, rh: 0 };
      w.hours++;
      w.pmv += Number(h.pmv);
      w.rh += Number(h.rh);
      if (h.status === 'green') w.green++;
      if (h.category === 'I') w.catI++;
      want.set(key, w);
    }
    const days = await t.platform.db.selectFrom('comfort_day').selectAll().execute();
    expect(days.length).toBe(want.size);
    for (const d of days) {
      const w = want.get(`${d.point_id}/${d.day}`);
      expect(w, `${d.point_id}/${d.day}`).toBeDefined();
      expect(Number(d.hours)).toBe(w!.hours);
      expect(Number(d.green)).toBe(w!.green);
      expect(Number(d.cat_i)).toBe(w!.catI);
      expect(Number(d.pmv_sum)).toBeCloseTo(w!.pmv, 9);
      expect(Number(d.rh_sum)).toBeCloseTo(w!.rh, 9);
    }
    return days;
  }

  it('is built by the comfort job, cut at local midnight (the 25-hour day included)', async () => {
    const points = await t.platform.db.selectFrom('comfort_point').select('day_zone').execute();
    expect(points.length).toBe(5);
    expect(points.every((p) => p.day_zone === ZONE)).toBe(true);
    const days = await expectRollupOfHours();
    const dst = DateTime.fromISO('2026-10-25T00:00', { zone: ZONE }).toMillis();
    const long = days.filter((d) => Number(d.day) === dst);
    expect(long.length).toBe(5);
    // 25 hours less those whose humidity was faulty.
    expect(long.every((d) => Number(d.hours) <= 25 && Number(d.hours) > 20)).toBe(true);
    expect(long.some((d) => Number(d.hours) === 25)).toBe(true);
  });

  it('answers day intervals and the hour-by-hour heat strip as the hours do', async () => {
    expectSame(await fromHours(), await answers());
  });

  it('follows recomputed hours (new assumptions), re-paired points and a change of time zone', async () => {
    const before = await t.platform.db.selectFrom('comfort_day').select(['pmv_sum']).execute();
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/comfort/buildings/${building.buildingId}/settings`,
      headers: await headersAs(t, { roles: ['admin'] }),
      payload: {
        winterClo: 0.5,
        summerClo: 0.3,
        met: 1.4,
        airSpeed: null,
        summerStart: null,
        summerEnd: null,
      },
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(await t.platform.scheduler.run(COMFORT_JOB, TO + H)).toBe(true);
    const after = await expectRollupOfHours();
    expect(after.map((d) => d.pmv_sum)).not.toEqual(before.map((d) => d.pmv_sum));
    expectSame(await fromHours(), await answers());

    // An installer pairs a dwelling's sensors by hand: its hours and days go, then come back.
    const installer = await headersAs(t, { roles: ['installer'] });
    const dwelling = building.dwellingIds[1];
    const [point] = (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/comfort/dwellings/${dwelling}/points`,
        headers: installer,
      })
    ).json() as { id: number; temperatureSensorId: number; humiditySensorId: number }[];
    const pair = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/comfort/dwellings/${dwelling}/points`,
      headers: installer,
      payload: { temperatureSensorId: point.temperatureSensorId, humiditySensorId: point.humiditySensorId },
    });
    expect(pair.statusCode, pair.body).toBe(200);
    const gone = await t.platform.db
      .selectFrom('comfort_day')
      .select('day')
      .where('point_id', '=', point.id)
      .execute();
    expect(gone).toEqual([]);
    expectSame(await fromHours(), await answers());
    expect(await t.platform.scheduler.run(COMFORT_JOB, TO + 90 * 60_000)).toBe(true);
    await expectRollupOfHours();
    expectSame(await fromHours(), await answers());

    // A point whose days were cut in another zone is read from its hours, then rebuilt.
    const [first] = await t.platform.db.selectFrom('comfort_point').select('id').orderBy('id').execute();
    await t.platform.db
      .updateTable('comfort_point')
      .set({ day_zone: 'UTC' })
      .where('id', '=', first.id)
      .execute();
    await t.platform.db.deleteFrom('comfort_day').where('point_id', '=', first.id).execute();
    expectSame(await fromHours(), await answers());
    expect(await t.platform.scheduler.run(COMFORT_JOB, TO + 2 * H)).toBe(true);
    const rebuilt = await t.platform.db
      .selectFrom('comfort_point')
      .select('day_zone')
      .where('id', '=', first.id)
      .executeTakeFirstOrThrow();
    expect(rebuilt.day_zone).toBe(ZONE);
    await expectRollupOfHours();
    expectSame(await fromHours(), await answers());
  });
});
