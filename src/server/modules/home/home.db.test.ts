import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import type { BeforeAfter, Tips } from '#common/api/home.ts';
import type { JsonReading } from '#common/api/readings.ts';
import { MIN_TIME } from '../../timeseries/timeseries-io.ts';
import { openTestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { insertBuilding } from '../registry/buildings.store.ts';
import { insertDistrict } from '../registry/districts.store.ts';
import { insertDwelling } from '../registry/dwellings.store.ts';
import { assignGateway } from '../registry/gateways.store.ts';
import { insertWeatherStation } from '../registry/weather-stations.store.ts';
import { ensureGateway } from '../../places/places.store.ts';

const t = await openTestPlatform();
const db = t.platform.database.db;
const zone = t.platform.config.timezone;
const HOUR = 3_600_000;
const now = Date.now();
const today = DateTime.fromMillis(now, { zone }).startOf('day');

afterAll(async () => {
  await t.close();
});

let serial = 0x100;
const nextSn = () => `00C0FFEE${(serial++).toString(16).padStart(8, '0')}`.toUpperCase();

/** A district with a weather station, one building (retrofitted 15 days ago) and homes in it. */
const districtId = await insertDistrict(
  db,
  { code: 'HOME-D', name: 'Home district', city: 'Test', latitude: 42.85, longitude: -2.67 },
  now,
);
const interventionDay = today.minus({ days: 15 });
const retrofitDate = interventionDay.toISODate() as string;
const building = (code: string, features: Record<string, string>) =>
  insertBuilding(
    db,
    {
      district_id: districtId,
      code,
      address: `${code} street`,
      latitude: 42.85,
      longitude: -2.67,
      carrier1: null,
      area1_m2: null,
      carrier2: null,
      area2_m2: null,
      floors: 3,
      features,
    },
    now,
  );
const retrofitted = await building('HOME-B1', { retrofit_date: retrofitDate });
const plain = await building('HOME-B2', {});

async function home(buildingId: number, label: string): Promise<{ dwellingId: number; sn: string }> {
  const dwellingId = await insertDwelling(db, { building_id: buildingId, label, floor: 1, area_m2: 70 }, now);
  const sn = nextSn();
  const gatewayId = await ensureGateway(db, sn, now);
  await assignGateway(db, gatewayId, dwellingId, MIN_TIME, now);
  return { dwellingId, sn };
}

const stationSn = nextSn();
await insertWeatherStation(
  db,
  {
    district_id: districtId,
    code: 'HOME-WS',
    name: 'Home weather station',
    latitude: 42.85,
    longitude: -2.67,
    gateway_id: await ensureGateway(db, stationSn, now),
  },
  now,
);

const reading = (sn: string, medium: string, ts: number, value: number, channel = '1'): JsonReading => ({
  sn,
  channel,
  device: '1',
  medium,
  ts,
  value,
});

async function write(readings: JsonReading[]): Promise<void> {
  for (let i = 0; i < readings.length; i += 5000)
    await t.platform.ingest.writeJson(readings.slice(i, i + 5000));
}

/** Local hour starts from `from` (inclusive) to `to` (exclusive). */
function hours(from: number, to: number): number[] {
  const out: number[] = [];
  for (let h = Math.ceil(from / HOUR) * HOUR; h < to; h += HOUR) out.push(h);
  return out;
}

describe('before and after an intervention', async () => {
  // Ten days before the retrofit at 10 °C outdoors (5 K·day a day) using 5 kWh a day; ten days
  // after it at 5 °C (10 K·day a day) using 8 kWh a day: 60 % more energy in a winter twice as
  // cold, which is 20 % less per degree day (1.0 → 0.8 kWh per K·day).
  const flat = await home(retrofitted, '1 A');
  const from = interventionDay.minus({ days: 10 });
  const to = interventionDay.plus({ days: 10 });
  const split = interventionDay.toMillis();
  const meter = (t: number): number => {
    // Cumulative kWh at time t: 5 a day before the split, 8 a day after, linear within a day.
    const beforeDays = (Math.min(t, split) - from.toMillis()) / 86_400_000;
    const afterDays = Math.max(0, t - split) / 86_400_000;
    return 1000 + 5 * beforeDays + 8 * afterDays;
  };
  const energy: JsonReading[] = [
    reading(flat.sn, 'energy', from.toMillis() - 1, meter(from.toMillis()), '2'),
  ];
  const outdoor: JsonReading[] = [];
  for (const h of hours(from.toMillis(), to.toMillis())) {
    // The reading closing each hour, so that a day's consumption is exactly its share.
    energy.push(reading(flat.sn, 'energy', h + HOUR - 1, meter(h + HOUR), '2'));
    outdoor.push(reading(stationSn, 'temperature', h, h < split ? 10 : 5));
  }
  await write([...energy, ...outdoor]);
  await t.platform.engine.flush();
  const resident = await headersAs(t, { roles: ['resident'], dwellingIds: [flat.dwellingId] });
  const get = (query = '', days = 10) =>
    t.app.inject({
      method: 'GET',
      url: `/api/v1/dwellings/${flat.dwellingId}/before-after?days=${days}${query}`,
      headers: resident,
    });

  it('normalises the energy by the heating degree days, so the colder winter does not hide the saving', async () => {
    const res = await get();
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as BeforeAfter;
    expect(body).toMatchObject({
      status: 'ok',
      interventionDate: retrofitDate,
      source: 'retrofit_date',
      retrofitDate,
      baseC: 15,
      medium: 'energy',
      unit: 'kWh',
    });
    const before = body.before!;
    const after = body.after!;
    expect(before.from).toBe(from.toMillis());
    expect(before.to).toBe(split);
    expect(after.to).toBe(to.toMillis());
    expect([before.days, after.days, before.energyDays, after.temperatureDays]).toEqual([10, 10, 10, 10]);
    expect(before.energyKWh).toBeCloseTo(50, 6);
    expect(before.hdd).toBeCloseTo(50, 6);
    expect(before.kWhPerHdd).toBeCloseTo(1, 6);
    expect(before.meanOutdoorC).toBeCloseTo(10, 6);
    expect(after.energyKWh).toBeCloseTo(80, 6);
    expect(after.hdd).toBeCloseTo(100, 6);
    expect(after.kWhPerHdd).toBeCloseTo(0.8, 6);
    expect(body.change!.energy).toBeCloseTo(0.6, 6);
    expect(body.change!.hdd).toBeCloseTo(1, 6);
    expect(body.change!.kWhPerHdd).toBeCloseTo(-0.2, 6);
  });

  it('keeps both periods as long as the meter allows on both sides', async () => {
    // Asked for 14 days, but the meter has 10 days before the retrofit: 10 days on each side.
    const body = (await get('', 14)).json() as BeforeAfter;
    expect(body.status).toBe('ok');
    expect([body.before!.days, body.after!.days]).toEqual([10, 10]);
    expect(body.before!.from).toBe(from.toMillis());
    expect(body.before!.energyKWh).toBeCloseTo(50, 6);
    expect(body.after!.energyKWh).toBeCloseTo(80, 6);
    // Five days after the retrofit, but only three before: too little to compare.
    const early = interventionDay.minus({ days: 7 }).toISODate();
    expect(((await get(`&date=${early}`)).json() as BeforeAfter).status).toBe('too-little-data');
  });

  it('takes base 18 °C when asked, and a date given instead of the retrofit', async () => {
    const base18 = (await get('&base=18')).json() as BeforeAfter;
    expect(base18.baseC).toBe(18);
    expect(base18.before!.hdd).toBeCloseTo(80, 6); // 10 days × (18 − 10)
    expect(base18.after!.hdd).toBeCloseTo(130, 6); // 10 days × (18 − 5)
    const earlier = interventionDay.minus({ days: 2 }).toISODate();
    const given = (await get(`&date=${earlier}`)).json() as BeforeAfter;
    expect(given).toMatchObject({ status: 'ok', interventionDate: earlier, source: 'given', retrofitDate });
    expect(given.after!.energyKWh).toBeGreaterThan(given.before!.energyKWh!);
  });

  it('says when the intervention is too recent, or unknown, and refuses a day that does not exist', async () => {
    const longAgo = today.minus({ days: 200 }).toISODate();
    expect(((await get(`&date=${longAgo}`)).json() as BeforeAfter).status).toBe('no-meter');
    const recent = today.minus({ days: 3 }).toISODate();
    expect(((await get(`&date=${recent}`)).json() as BeforeAfter).status).toBe('too-recent');
    const bad = await get('&date=2026-02-30');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('date: 2026-02-30 is not a day of the calendar');
    const other = await home(plain, '2 B');
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/dwellings/${other.dwellingId}/before-after`,
      headers: await headersAs(t, { roles: ['resident'], dwellingIds: [other.dwellingId] }),
    });
    expect(res.json()).toMatchObject({
      status: 'no-intervention-date',
      interventionDate: null,
      before: null,
    });
    const noMeter = await t.app.inject({
      method: 'GET',
      url: `/api/v1/dwellings/${other.dwellingId}/before-after?date=${retrofitDate}`,
      headers: await headersAs(t, { roles: ['resident'], dwellingIds: [other.dwellingId] }),
    });
    expect(noMeter.json()).toMatchObject({ status: 'no-meter' });
  });

  it('shows a resident only their own dwelling', async () => {
    const neighbour = await home(retrofitted, '3 C');
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/dwellings/${flat.dwellingId}/before-after`,
      headers: await headersAs(t, { roles: ['resident'], dwellingIds: [neighbour.dwellingId] }),
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().detail).toBe(`There is no dwelling ${flat.dwellingId} that you may see.`);
  });
});

describe('tips drawn from the last days', async () => {
  // A week of hourly readings before the current hour, on cold days (5 °C outdoors).
  const end = Math.floor(now / HOUR) * HOUR;
  const week = hours(end - 7 * 24 * HOUR, end);
  const localHour = (h: number) => DateTime.fromMillis(h, { zone }).hour;
  const stuffy = await home(plain, '4 D');
  const fine = await home(plain, '5 E');
  const readings: JsonReading[] = [];
  for (const h of week) {
    readings.push(reading(stationSn, 'temperature', h, 5));
    // Stuffy: CO₂ 1,250 ppm at 3 o'clock at night, a shower's humidity at 7, kept at 22.6 °C.
    readings.push(reading(stuffy.sn, 'co2', h, localHour(h) === 3 ? 1250 : 650));
    readings.push(reading(stuffy.sn, 'humidity', h, localHour(h) === 7 ? 75 : 50));
    readings.push(reading(stuffy.sn, 'temperature', h, 22.6));
    readings.push(reading(fine.sn, 'co2', h, 600));
    readings.push(reading(fine.sn, 'humidity', h, 48));
    readings.push(reading(fine.sn, 'temperature', h, 20.5));
  }
  await write(readings);
  await t.platform.engine.flush();
  const at3 = week.filter((h) => localHour(h) === 3).length;
  const at7 = week.filter((h) => localHour(h) === 7).length;

  const tipsOf = async (dwellingId: number, lang: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/dwellings/${dwellingId}/tips?lang=${lang}`,
      headers: await headersAs(t, { roles: ['resident'], dwellingIds: [dwellingId] }),
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Tips;
  };

  it('tell a stuffy, damp, overheated home to ventilate, watch the mould and what each degree costs', async () => {
    const body = await tipsOf(stuffy.dwellingId, 'en');
    expect(body.tips.map((tip) => [tip.id, tip.level])).toEqual([
      ['ventilate', 'warning'],
      ['mould', 'advice'], // 7 hours in 168: under a tenth of the time
      ['heating-cost', 'advice'],
    ]);
    const [ventilate, mould, heating] = body.tips;
    expect(ventilate.figures).toMatchObject({ hours: at3, maxPpm: 1250, hour: 3 });
    expect(ventilate.text).toBe(
      `For ${at3} hours in the last 7 days the air in your home held more than 1,000 ppm of CO₂ (at most 1,250 ppm), most often around 03:00. Stale air makes you tired and you sleep worse: open the windows wide for 5 to 10 minutes several times a day, and before going to bed.`,
    );
    expect(mould.figures.hours).toBe(at7);
    expect(mould.text).toContain(
      `For ${at7} hours in the last 7 days (4% of the time) the humidity in your home was above 70%.`,
    );
    // 22.6 °C is 1.6 °C above 21 °C: 1.6 × 7 % ≈ 11 % less heating energy.
    expect(heating.figures.meanC).toBeCloseTo(22.6, 6);
    expect(heating.figures.saving).toBeCloseTo(0.112, 6);
    expect(heating.text).toContain(
      'your home was at 22.6 °C on average in the daytime, 1.6 °C above the 21 °C',
    );
    expect(heating.text).toContain('at 21 °C you would use about 11% less for heating');
    expect(body.assumptions).toMatchObject({
      co2LimitPpm: 1000,
      humidityLimitPct: 70,
      heatingPerDegree: 0.07,
    });
  });

  it('speak Spanish and Basque, with their own number formats', async () => {
    const es = await tipsOf(stuffy.dwellingId, 'es');
    expect(es.language).toBe('es');
    expect(es.tips[0].title).toBe('Ventila tu casa');
    expect(es.tips[0].text).toContain(
      'superó las 1000 ppm de CO₂ (como máximo 1250 ppm), sobre todo hacia las 03:00',
    );
    expect(es.tips[2].text).toContain('a 22,6 °C durante el día');
    const eu = await tipsOf(stuffy.dwellingId, 'eu');
    expect(eu.tips[0].title).toBe('Aireztatu etxea');
    expect(eu.tips[2].text).toContain('22,6 °C');
  });

  it('say so when all is well', async () => {
    const body = await tipsOf(fine.dwellingId, 'en');
    expect(body.tips.map((tip) => tip.id)).toEqual(['air-ok', 'humidity-ok', 'heating-ok']);
    expect(body.tips.every((tip) => tip.level === 'good')).toBe(true);
    expect(body.tips[2].text).toContain('20.5 °C');
  });

  it('have nothing to say without readings', async () => {
    const empty = await home(plain, '6 F');
    const body = await tipsOf(empty.dwellingId, 'en');
    expect(body.tips.map((tip) => tip.id)).toEqual(['no-data']);
  });
});
