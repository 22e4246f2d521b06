import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { seedSyntheticBuilding } from '../../testing/synthetic-building.ts';
import { COMFORT_JOB } from './comfort.service.ts';

const H = 3_600_000;
const ZONE = 'Europe/Madrid';
/** Three local days around the spring DST change (2026-03-29 has 23 hours in Madrid). */
const FROM = DateTime.fromISO('2026-03-28T00:00', { zone: ZONE }).toMillis();
const TO = DateTime.fromISO('2026-03-31T00:00', { zone: ZONE }).toMillis();

describe('GET /comfort/buildings/{id}/dwellings', () => {
  let t: TestPlatform;
  let building: { buildingId: number; dwellingIds: number[] };
  let other: { buildingId: number };

  beforeAll(async () => {
    t = await openTestPlatform({ timezone: ZONE });
    const dwelling = (label: string, base: number) => ({
      label,
      floor: Number(label[0]),
      areaM2: 70,
      signals: {
        temperature: (x: number) => base + 2 * Math.sin((2 * Math.PI * x) / (24 * H)),
        humidity: () => 50,
      },
    });
    building = await seedSyntheticBuilding(t.platform, {
      code: 'HS-1',
      dwellings: [dwelling('1A', 21), dwelling('2A', 17), dwelling('3A', 24)],
      from: FROM,
      to: TO,
      stepMs: 20 * 60_000,
    });
    other = await seedSyntheticBuilding(t.platform, {
      code: 'HS-2',
      dwellings: [dwelling('1A', 21)],
      from: FROM,
      to: TO,
      stepMs: 20 * 60_000,
    });
    expect(await t.platform.scheduler.run(COMFORT_JOB, TO)).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = (url: string, headers: Record<string, string>) => t.app.inject({ method: 'GET', url, headers });

  it('answers every dwelling hour by hour and day by day, days cut at local midnight', async () => {
    const esco = await headersAs(t, { roles: ['esco'], buildingIds: [building.buildingId] });
    const hourly = await get(
      `/api/v1/comfort/buildings/${building.buildingId}/dwellings?from=${FROM}&to=${TO - 1}&interval=hour`,
      esco,
    );
    expect(hourly.statusCode, hourly.body).toBe(200);
    const h = hourly.json();
    expect(h.starts.length).toBe(71);
    expect(h.dwellings.map((d: { label: string }) => d.label)).toEqual(['1A', '2A', '3A']);
    const stored = await t.platform.db
      .selectFrom('comfort_hour')
      .select(['hour', 'pmv', 'tdb'])
      .orderBy('point_id')
      .orderBy('hour')
      .execute();
    const firstDwelling = stored.slice(0, 71);
    // Rounded to a thousandth of PMV.
    expect(h.dwellings[0].pmv).toEqual(firstDwelling.map((r) => Math.round((r.pmv as number) * 1000) / 1000));
    // The cold dwelling is colder, every hour.
    for (let i = 0; i < 71; i++) expect(h.dwellings[1].pmv[i]).toBeLessThan(h.dwellings[0].pmv[i]);

    const daily = (
      await get(
        `/api/v1/comfort/buildings/${building.buildingId}/dwellings?from=${FROM}&to=${TO - 1}&interval=day`,
        esco,
      )
    ).json();
    expect(daily.starts.length).toBe(3);
    expect(daily.dwellings[0].hours).toEqual([24, 23, 24]);
    const days = [0, 24, 47, 71];
    for (let d = 0; d < 3; d++) {
      const hours = firstDwelling.slice(days[d], days[d + 1]);
      const mean = hours.reduce((s, r) => s + (r.pmv as number), 0) / hours.length;
      expect(daily.dwellings[0].pmv[d]).toBeCloseTo(mean, 3);
      expect(daily.starts[d]).toBe(hours[0].hour);
    }
  });

  it('is refused to whom does not see the building, and narrowed to a resident’s own dwelling', async () => {
    const outsider = await headersAs(t, { roles: ['esco'], buildingIds: [other.buildingId] });
    const url = `/api/v1/comfort/buildings/${building.buildingId}/dwellings?from=${FROM}&to=${TO - 1}`;
    expect((await get(url, outsider)).statusCode).toBe(403);
    const resident = await headersAs(t, { roles: ['resident'], dwellingIds: [building.dwellingIds[2]] });
    const res = await get(url, resident);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().dwellings.map((d: { dwellingId: number }) => d.dwellingId)).toEqual([
      building.dwellingIds[2],
    ]);
    expect((await get(url.replace(String(building.buildingId), '999999'), outsider)).statusCode).toBe(404);
  });
});
