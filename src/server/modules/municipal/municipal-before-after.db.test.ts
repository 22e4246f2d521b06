import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonReading } from '#common/api/readings.ts';
import type { BeforeAfter } from '#common/api/municipal.ts';
import { cupsCheckLetters } from '#common/municipal/cups.ts';
import { ensureGateway } from '../../places/places.store.ts';
import { openTestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { insertDistrict } from '../registry/districts.store.ts';
import { insertWeatherStation } from '../registry/weather-stations.store.ts';

const t = await openTestPlatform();
const db = t.platform.database.db;
const zone = t.platform.config.timezone;
const now = Date.now();
const run = `${now % 1_000_000}`;
const HOUR = 3_600_000;
const tech = await headersAs(t, { roles: ['municipal'] });

afterAll(async () => {
  await t.close();
});

const districtId = await insertDistrict(
  db,
  { code: `MBA-${run}`, name: 'Refurbished district', city: 'Test', latitude: 42.85, longitude: -2.67 },
  now,
);
const stationSn = `00BEEF00${run.padStart(8, '0')}`;
await insertWeatherStation(
  db,
  {
    district_id: districtId,
    code: `MBA-WS-${run}`,
    name: 'Refurbished district station',
    latitude: 42.85,
    longitude: -2.67,
    gateway_id: await ensureGateway(db, stationSn, now),
  },
  now,
);

const post = async (url: string, payload: object) => {
  const res = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: tech, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
};

async function facility(n: number, district: number | null): Promise<{ id: number; cups: string }> {
  const area = await post('/municipal/areas', { code: `MBA-A-${run}-${n}`, name: `Schools ${n}` });
  const f = await post('/municipal/facilities', {
    code: `MBA-F-${run}-${n}`,
    name: `School ${n}`,
    areaId: area.id,
    districtId: district,
  });
  const digits = `0041${run.padStart(6, '0')}${String(n).padStart(6, '0')}`;
  const cups = `ES${digits}${cupsCheckLetters(digits)}`;
  await post('/municipal/meters', { facilityId: f.id, cups, carrier: 'natural_gas' });
  return { id: f.id, cups };
}

// The works three months ago. The two whole months before them at 5 °C outdoors (10 K·day a day
// on base 15 °C) burnt 2 kWh per K·day; the two after them, milder at 10 °C (5 K·day a day),
// 1.5 kWh per K·day: far less gas (−62.5 %), a quarter less once the weather is taken out.
const thisMonth = DateTime.fromMillis(now, { zone }).startOf('month');
const works = thisMonth.minus({ months: 3 });
const before = [works.minus({ months: 2 }), works.minus({ months: 1 })];
const after = [works.plus({ months: 1 }), works.plus({ months: 2 })];

describe('before and after a refurbishment', async () => {
  const school = await facility(1, districtId);
  const lines = ['cups,period_start,period_end,quantity,unit,cost_eur'];
  const outdoor: JsonReading[] = [];
  for (const [months, celsius, perHdd] of [
    [before, 5, 2],
    [after, 10, 1.5],
  ] as const)
    for (const m of months) {
      const days = m.daysInMonth as number;
      const kWh = (15 - celsius) * perHdd * days;
      lines.push(
        `${school.cups},${m.toISODate()},${m.endOf('month').toISODate()},${kWh},kWh,${(kWh * 0.08).toFixed(2)}`,
      );
      for (let h = m.toMillis(); h < m.plus({ months: 1 }).toMillis(); h += HOUR)
        outdoor.push({
          sn: stationSn,
          channel: '1',
          device: '1',
          medium: 'temperature',
          ts: h,
          value: celsius,
        });
    }
  const imported = await t.app.inject({
    method: 'POST',
    url: '/api/v1/municipal/invoices/import',
    headers: { ...tech, 'content-type': 'text/csv' },
    payload: Buffer.from(lines.join('\n')),
  });
  expect(imported.json(), imported.body).toMatchObject({ stored: true, created: 4 });
  for (let i = 0; i < outdoor.length; i += 5000)
    await t.platform.ingest.writeJson(outdoor.slice(i, i + 5000));
  await t.platform.engine.flush();

  const get = (id: number, query: string) =>
    t.app.inject({ url: `/api/v1/municipal/facilities/${id}/before-after?${query}`, headers: tech });

  it('divides each period’s heating energy by its degree days, so a milder winter does not pass for a saving', async () => {
    const res = await get(school.id, `date=${works.plus({ days: 14 }).toISODate()}&months=6`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as BeforeAfter;
    expect(body).toMatchObject({ status: 'ok', baseC: 15, carriers: ['natural_gas', 'district_heating'] });
    expect(body.before).toMatchObject({
      from: before[0].toFormat('yyyy-MM'),
      to: before[1].toFormat('yyyy-MM'),
      months: 2,
    });
    expect(body.after).toMatchObject({
      from: after[0].toFormat('yyyy-MM'),
      to: after[1].toFormat('yyyy-MM'),
      months: 2,
    });
    const daysBefore = before.reduce((n, m) => n + (m.daysInMonth as number), 0);
    const daysAfter = after.reduce((n, m) => n + (m.daysInMonth as number), 0);
    expect(body.before?.temperatureDays).toBe(daysBefore);
    expect(body.before?.hdd).toBeCloseTo(10 * daysBefore, 6);
    expect(body.after?.hdd).toBeCloseTo(5 * daysAfter, 6);
    expect(body.before?.kWhPerHdd).toBeCloseTo(2, 6);
    expect(body.after?.kWhPerHdd).toBeCloseTo(1.5, 6);
    expect(body.change?.kWhPerHdd).toBeCloseTo(-0.25, 6);
    expect(body.change?.energy).toBeCloseTo((7.5 * daysAfter) / (20 * daysBefore) - 1, 6);
  });

  it('says why it cannot compare, and refuses a carrier not counted in kWh', async () => {
    const elsewhere = await facility(2, null);
    expect((await get(elsewhere.id, 'date=2025-01-15')).json()).toMatchObject({ status: 'no-district' });
    expect((await get(school.id, `date=${thisMonth.toISODate()}`)).json()).toMatchObject({
      status: 'too-recent',
    });
    expect((await get(school.id, 'date=2019-01-15')).json()).toMatchObject({ status: 'no-data' });
    const water = await get(school.id, `date=${works.toISODate()}&carrier=water`);
    expect(water.statusCode).toBe(400);
    expect(water.json().detail).toContain('carrier');
    const day = await get(school.id, 'date=2025-02-30');
    expect(day.statusCode).toBe(400);
    expect(day.json().detail).toContain('date');
    const resident = await headersAs(t, { roles: ['resident'] });
    const refused = await t.app.inject({
      url: `/api/v1/municipal/facilities/${school.id}/before-after?date=${works.toISODate()}`,
      headers: resident,
    });
    expect(refused.statusCode).toBe(403);
  });
});
