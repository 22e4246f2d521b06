import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOO_FEW_DWELLINGS } from '#common/api/access.ts';
import { classifyPmv, pmvPpd } from '#common/comfort/index.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { insertBuilding } from '../registry/buildings.store.ts';
import { insertDistrict } from '../registry/districts.store.ts';
import { insertDwelling } from '../registry/dwellings.store.ts';
import { assignGateway } from '../registry/gateways.store.ts';
import { COMFORT_JOB, COMFORT_JOB_VERSION } from './comfort.service.ts';

const H = 3_600_000;
/** Three winter hours (Europe/Madrid: 11:00–14:00 local, one local day). */
const T0 = Date.UTC(2026, 0, 15, 10);
/** A summer hour. */
const SUMMER = Date.UTC(2026, 6, 15, 10);

const SN = { A: 'C0F0000000000A01', B: 'C0F0000000000B01', C: 'C0F0000000000C01' };

/** Readings of one sensor: value per hour, two readings an hour (at :10 and :40, the same value ± 1). */
interface Series {
  sn: string;
  channel: number;
  device: number;
  medium: 'temperature' | 'humidity';
  /** Mean value of each hour from T0 (the readings are mean − 1 and mean + 1). */
  hourly: number[];
}

const SERIES: Series[] = [
  // Dwelling A: two probes, each reporting temperature and humidity on its own channel.
  { sn: SN.A, channel: 1, device: 1, medium: 'temperature', hourly: [21, 22, 23] },
  { sn: SN.A, channel: 1, device: 2, medium: 'humidity', hourly: [45, 50, 55] },
  { sn: SN.A, channel: 2, device: 1, medium: 'temperature', hourly: [19, 19.5, 20] },
  { sn: SN.A, channel: 2, device: 2, medium: 'humidity', hourly: [60, 60, 60] },
  // Dwelling B: two temperature sensors and one humidity sensor on a channel of its own.
  { sn: SN.B, channel: 1, device: 1, medium: 'temperature', hourly: [24, 25, 26] },
  { sn: SN.B, channel: 2, device: 1, medium: 'temperature', hourly: [20, 20, 20] },
  { sn: SN.B, channel: 3, device: 1, medium: 'humidity', hourly: [40, 40, 40] },
  // Dwelling C: one temperature sensor, two humidity sensors on other channels: not paired automatically.
  { sn: SN.C, channel: 1, device: 1, medium: 'temperature', hourly: [22, 22, 22] },
  { sn: SN.C, channel: 2, device: 1, medium: 'humidity', hourly: [30, 30, 30] },
  { sn: SN.C, channel: 3, device: 1, medium: 'humidity', hourly: [70, 70, 70] },
];

const line = (s: Series, t: number, value: number) =>
  `forwarder_data,SN=${s.sn},channel=${s.channel},device=${s.device},medium=${s.medium} value=${value} ${t}`;

/** The winter PMV CIOP should store for an hour's means (default assumptions). */
const expectedPmv = (tdb: number, rh: number, clo = 1.0) =>
  pmvPpd({ tdb, tr: tdb, v: 0.1, rh, met: 1.2, clo }, { standard: 'iso' });

describe('stored comfort', () => {
  let t: TestPlatform;
  const ids = { districtA: 0, districtB: 0, b1: 0, b2: 0, b3: 0, A: 0, B: 0, C: 0, E: 0 };
  const installer = () => headersAs(t, { roles: ['installer'] });

  const write = async (lines: string[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=ms',
      headers: t.ingestHeaders,
      body: lines.join('\n'),
    });
    expect(res.statusCode, res.body).toBe(204);
  };
  const get = async (url: string, headers: Record<string, string>) => {
    const res = await t.app.inject({ method: 'GET', url, headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const status = async (
    method: 'GET' | 'PUT',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => (await t.app.inject({ method, url, headers, payload })).statusCode;
  const gatewayId = async (sn: string) =>
    (
      await t.platform.database.db
        .selectFrom('gateway')
        .select('id')
        .where('sn', '=', sn)
        .executeTakeFirstOrThrow()
    ).id;
  const sensorId = async (sn: string, channel: number, medium: string) =>
    (
      await t.platform.database.db
        .selectFrom('sensor')
        .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
        .select('sensor.id')
        .where('gateway.sn', '=', sn)
        .where('sensor.channel', '=', String(channel))
        .where('sensor.medium', '=', medium)
        .executeTakeFirstOrThrow()
    ).id;
  const runJob = async (now: number) => {
    await t.platform.engine.flush();
    expect(await t.platform.scheduler.run(COMFORT_JOB, now)).toBe(true);
  };
  const range = `from=${T0}&to=${T0 + 3 * H - 1}`;

  beforeAll(async () => {
    // Building 1 has two dwellings with comfort, the district three: one mean too small for whom
    // does not see all of it, one large enough.
    t = await openTestPlatform({ privacyMinDwellings: 3 });
    const db = t.platform.database.db;
    const now = Date.now();
    ids.districtA = await insertDistrict(
      db,
      { code: 'COR', name: 'Coronación', city: 'Vitoria-Gasteiz', latitude: null, longitude: null },
      now,
    );
    ids.districtB = await insertDistrict(
      db,
      { code: 'LAK', name: 'Lakua', city: 'Vitoria-Gasteiz', latitude: null, longitude: null },
      now,
    );
    const building = (district: number, code: string) =>
      insertBuilding(
        db,
        {
          district_id: district,
          code,
          address: `Eulogio Serdán ${code}`,
          latitude: 42.852,
          longitude: -2.675,
          carrier1: null,
          area1_m2: null,
          carrier2: null,
          area2_m2: null,
          floors: 5,
          features: {},
        },
        now,
      );
    ids.b1 = await building(ids.districtA, '0101001');
    ids.b2 = await building(ids.districtA, '0101002');
    ids.b3 = await building(ids.districtB, '0202001');
    const dwelling = (b: number, label: string) =>
      insertDwelling(db, { building_id: b, label, floor: 1, area_m2: 70 }, now);
    ids.A = await dwelling(ids.b1, '1A');
    ids.B = await dwelling(ids.b1, '1B');
    ids.C = await dwelling(ids.b2, '1A');
    ids.E = await dwelling(ids.b3, '1A');

    const lines: string[] = [];
    for (const s of SERIES)
      s.hourly.forEach((mean, h) => {
        lines.push(line(s, T0 + h * H + 10 * 60_000, mean - 1), line(s, T0 + h * H + 40 * 60_000, mean + 1));
      });
    await write(lines);
    await assignGateway(db, await gatewayId(SN.A), ids.A, 0, now);
    await assignGateway(db, await gatewayId(SN.B), ids.B, 0, now);
    await assignGateway(db, await gatewayId(SN.C), ids.C, 0, now);
    await runJob(T0 + 4 * H);
  });
  afterAll(async () => {
    await t.close();
  });

  it('pairs sensors: same gateway and channel, else the dwelling’s only humidity sensor, else nobody', async () => {
    const headers = await installer();
    const a = await get(`/api/v1/comfort/dwellings/${ids.A}/points`, headers);
    expect(a.map((p: { pairing: string }) => p.pairing)).toEqual(['channel', 'channel']);
    expect(a[0]).toMatchObject({
      temperatureSensorId: await sensorId(SN.A, 1, 'temperature'),
      humiditySensorId: await sensorId(SN.A, 1, 'humidity'),
    });
    const b = await get(`/api/v1/comfort/dwellings/${ids.B}/points`, headers);
    const onlyHumidity = await sensorId(SN.B, 3, 'humidity');
    expect(b).toHaveLength(2);
    for (const p of b) expect(p).toMatchObject({ pairing: 'dwelling', humiditySensorId: onlyHumidity });
    expect(await get(`/api/v1/comfort/dwellings/${ids.C}/points`, headers)).toEqual([]);
  });

  it('computes each hour from the hourly rollups, and stores where it came from', async () => {
    const headers = await installer();
    const body = await get(`/api/v1/comfort/dwellings/${ids.A}?${range}&interval=hour`, headers);
    expect(body.standard).toBe('ISO 7730:2005');
    const [p1, p2] = body.points;
    expect(p1.buckets).toHaveLength(3);
    for (let h = 0; h < 3; h++) {
      const tdb = SERIES[0].hourly[h];
      const rh = SERIES[1].hourly[h];
      const expected = expectedPmv(tdb, rh);
      expect(p1.buckets[h].start).toBe(T0 + h * H);
      expect(p1.buckets[h].hours).toBe(1);
      expect(p1.buckets[h].pmv).toBeCloseTo(expected.pmv, 12);
      expect(p1.buckets[h].ppd).toBeCloseTo(expected.ppd, 12);
      expect(p1.buckets[h].category).toBe(classifyPmv(expected.pmv).category);
      // The dwelling mean: its two points, each hour.
      const other = expectedPmv(SERIES[2].hourly[h], SERIES[3].hourly[h]).pmv;
      expect(p2.buckets[h].pmv).toBeCloseTo(other, 12);
      expect(body.mean[h].pmv).toBeCloseTo((expected.pmv + other) / 2, 12);
      expect(body.mean[h].hours).toBe(2);
    }
    const stored = await t.platform.database.db
      .selectFrom('comfort_hour')
      .selectAll()
      .where('point_id', '=', p1.id)
      .orderBy('hour')
      .execute();
    expect(stored).toHaveLength(3);
    expect(stored[0]).toMatchObject({
      hour: T0,
      tdb: 21,
      tr: 21,
      rh: 45,
      tdb_count: 2,
      rh_count: 2,
      season: 'winter',
      clo: 1,
      met: 1.2,
      v: 0.1,
      wme: 0,
      standard: 'ISO 7730:2005',
      within_validity: 1,
      job_version: COMFORT_JOB_VERSION,
      computed_at: T0 + 4 * H,
    });
  });

  it('recomputes an hour when late data arrives, and only that hour', async () => {
    const late = SERIES[0];
    await write([line(late, T0 + H + 50 * 60_000, 28)]);
    await runJob(T0 + 30 * H);
    const headers = await installer();
    const body = await get(`/api/v1/comfort/dwellings/${ids.A}?${range}`, headers);
    const hour1 = body.points[0].buckets[1];
    // Hour 1 now holds 21, 23 and 28: mean 24.
    expect(hour1.pmv).toBeCloseTo(expectedPmv(24, SERIES[1].hourly[1]).pmv, 12);
    const stored = await t.platform.database.db
      .selectFrom('comfort_hour')
      .select(['hour', 'tdb', 'tdb_count', 'computed_at'])
      .where('point_id', '=', body.points[0].id)
      .orderBy('hour')
      .execute();
    expect(stored.map((r) => r.computed_at)).toEqual([T0 + 4 * H, T0 + 30 * H, T0 + 4 * H]);
    expect(stored[1]).toMatchObject({ tdb: 24, tdb_count: 3 });
  });

  it('lets an installer pair sensors explicitly, and computes the new point’s whole history', async () => {
    const headers = await installer();
    const temperature = await sensorId(SN.C, 1, 'temperature');
    const humidity = await sensorId(SN.C, 3, 'humidity');
    const resident = await headersAs(t, { roles: ['resident'], dwellingIds: [ids.C] });
    expect(
      await status('PUT', `/api/v1/comfort/dwellings/${ids.C}/points`, resident, {
        temperatureSensorId: temperature,
        humiditySensorId: humidity,
      }),
    ).toBe(403);
    // A sensor of another dwelling is refused, naming the field.
    const elsewhere = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/comfort/dwellings/${ids.C}/points`,
      headers,
      payload: { temperatureSensorId: temperature, humiditySensorId: await sensorId(SN.A, 1, 'humidity') },
    });
    expect(elsewhere.statusCode).toBe(400);
    expect(elsewhere.json().detail).toMatch(/^body\.humiditySensorId: /);
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/comfort/dwellings/${ids.C}/points`,
      headers,
      payload: { temperatureSensorId: temperature, humiditySensorId: humidity, label: 'living room' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ pairing: 'manual', label: 'living room', humiditySensorId: humidity });
    await runJob(T0 + 31 * H);
    const body = await get(`/api/v1/comfort/dwellings/${ids.C}?${range}`, headers);
    expect(body.points).toHaveLength(1);
    expect(body.points[0].buckets.map((b: { pmv: number }) => b.pmv)).toEqual(
      [0, 1, 2].map(() => expect.closeTo(expectedPmv(22, 70).pmv, 12)),
    );
    // The automatic rules leave an installer's pair alone on later runs.
    await runJob(T0 + 32 * H);
    expect((await get(`/api/v1/comfort/dwellings/${ids.C}/points`, headers))[0].pairing).toBe('manual');
  });

  it('residents read their own dwelling only, ESCOs their buildings; both read means over enough dwellings', async () => {
    const resident = await headersAs(t, { roles: ['resident'], dwellingIds: [ids.A] });
    expect(await status('GET', `/api/v1/comfort/dwellings/${ids.A}?${range}`, resident)).toBe(200);
    expect(await status('GET', `/api/v1/comfort/dwellings/${ids.B}?${range}`, resident)).toBe(403);
    expect(await status('GET', `/api/v1/comfort/dwellings/${ids.C}/points`, resident)).toBe(403);
    const ownBuilding = await t.app.inject({
      method: 'GET',
      url: `/api/v1/comfort/buildings/${ids.b1}?${range}`,
      headers: resident,
    });
    expect(ownBuilding.statusCode, ownBuilding.body).toBe(403);
    expect(ownBuilding.json()).toMatchObject({ type: TOO_FEW_DWELLINGS, dwellings: 2, minDwellings: 3 });
    expect(await status('GET', `/api/v1/comfort/buildings/${ids.b2}?${range}`, resident)).toBe(403);
    expect(await status('GET', `/api/v1/comfort/districts/${ids.districtA}?${range}`, resident)).toBe(200);
    expect(await status('GET', `/api/v1/comfort/districts/${ids.districtB}?${range}`, resident)).toBe(403);
    expect(await status('GET', `/api/v1/comfort/dwellings/999999?${range}`, resident)).toBe(404);
    const esco = await headersAs(t, { roles: ['esco'], buildingIds: [ids.b2] });
    expect(await status('GET', `/api/v1/comfort/dwellings/${ids.C}?${range}`, esco)).toBe(200);
    expect(await status('GET', `/api/v1/comfort/dwellings/${ids.A}?${range}`, esco)).toBe(403);
    expect(await status('GET', `/api/v1/comfort/buildings/${ids.b1}?${range}`, esco)).toBe(403);
    expect(await status('GET', `/api/v1/comfort/buildings/${ids.b2}?${range}`, esco)).toBe(200);
    expect(await status('GET', `/api/v1/comfort/districts/${ids.districtA}?${range}`, esco)).toBe(200);
    const municipal = await headersAs(t, { roles: ['municipal'] });
    expect(await status('GET', `/api/v1/comfort/dwellings/${ids.B}?${range}`, municipal)).toBe(200);
    expect(await status('GET', `/api/v1/comfort/dwellings/${ids.B}?${range}`, t.readerHeaders)).toBe(200);
    expect(await status('GET', `/api/v1/comfort/dwellings/${ids.B}?${range}`, {})).toBe(401);
  });

  it('averages a building and a district per hour and per day, with the share of hours in each category', async () => {
    const kpi = await headersAs(t, { roles: ['kpi'] });
    // Every point-hour of building 1 (dwellings A and B), computed here from the hourly means.
    const b1Hours = [0, 1, 2].map((h) => {
      const aTdb = h === 1 ? 24 : SERIES[0].hourly[h]; // the late reading of the test above
      return [
        expectedPmv(aTdb, SERIES[1].hourly[h]),
        expectedPmv(SERIES[2].hourly[h], SERIES[3].hourly[h]),
        expectedPmv(SERIES[4].hourly[h], 40),
        expectedPmv(SERIES[5].hourly[h], 40),
      ];
    });
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const hourly = await get(`/api/v1/comfort/buildings/${ids.b1}?${range}&interval=hour`, kpi);
    expect(hourly).toMatchObject({ scope: 'building', id: ids.b1, points: 4, dwellings: 2 });
    hourly.buckets.forEach((b: { pmv: number; ppd: number; hours: number }, h: number) => {
      expect(b.hours).toBe(4);
      expect(b.pmv).toBeCloseTo(mean(b1Hours[h].map((r) => r.pmv)), 12);
      expect(b.ppd).toBeCloseTo(mean(b1Hours[h].map((r) => r.ppd)), 12);
    });
    const all = b1Hours.flat();
    const share = (category: string | null) =>
      all.filter((r) => classifyPmv(r.pmv).category === category).length / all.length;
    const daily = await get(`/api/v1/comfort/buildings/${ids.b1}?${range}&interval=day`, kpi);
    expect(daily.buckets).toHaveLength(1);
    const day = daily.buckets[0];
    expect(day.hours).toBe(12);
    expect(day.pmv).toBeCloseTo(mean(all.map((r) => r.pmv)), 12);
    expect(day.ppd).toBeCloseTo(mean(all.map((r) => r.ppd)), 12);
    expect(day.categories.I).toBeCloseTo(share('I'), 12);
    expect(day.categories.II).toBeCloseTo(share('II'), 12);
    expect(day.categories.III).toBeCloseTo(share('III'), 12);
    expect(day.categories.outside).toBeCloseTo(share(null), 12);
    expect(share(null)).toBeGreaterThan(0); // the data spans several classes
    expect(day.statuses.green + day.statuses.yellow + day.statuses.red).toBeCloseTo(1, 12);
    expect(daily.total.pmv).toBeCloseTo(day.pmv, 12);

    // The district: building 1's twelve point-hours and dwelling C's three.
    const district = await get(`/api/v1/comfort/districts/${ids.districtA}?${range}&interval=day`, kpi);
    const withC = [...all.map((r) => r.pmv), ...[0, 1, 2].map(() => expectedPmv(22, 70).pmv)];
    expect(district).toMatchObject({ scope: 'district', points: 5, dwellings: 3 });
    expect(district.buckets[0].hours).toBe(15);
    expect(district.buckets[0].pmv).toBeCloseTo(mean(withC), 12);
    // The KPI tool's service call gives the same.
    const direct = await t.platform.comfort.averages(
      { districtId: ids.districtA },
      T0,
      T0 + 3 * H - 1,
      'day',
    );
    expect(direct.buckets[0].pmv).toBeCloseTo(mean(withC), 12);
    // A district without comfort points has empty intervals, not an error.
    const empty = await get(`/api/v1/comfort/districts/${ids.districtB}?${range}`, kpi);
    expect(empty.buckets.every((b: { hours: number; pmv: null }) => b.hours === 0 && b.pmv === null)).toBe(
      true,
    );
  });

  it('applies a building’s own assumptions and the summer season, and recomputes history when they change', async () => {
    const esco = await headersAs(t, { roles: ['esco'], buildingIds: [ids.b2] });
    expect(
      await status('PUT', `/api/v1/comfort/buildings/${ids.b1}/settings`, esco, {
        winterClo: 0.8,
        summerClo: null,
        met: null,
        airSpeed: null,
        summerStart: null,
        summerEnd: null,
      }),
    ).toBe(403);
    const res = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/comfort/buildings/${ids.b2}/settings`,
      headers: esco,
      payload: {
        winterClo: 0.8,
        summerClo: null,
        met: null,
        airSpeed: null,
        summerStart: null,
        summerEnd: null,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().effective).toMatchObject({
      winter: { clo: 0.8, met: 1.2, v: 0.1 },
      summer: { clo: 0.5 },
      summerStart: '06-01',
      summerEnd: '09-30',
    });
    // A summer hour for dwelling C.
    const c = SERIES.filter((s) => s.sn === SN.C);
    await write([line(c[0], SUMMER + 600_000, 27), line(c[2], SUMMER + 600_000, 55)]);
    await runJob(T0 + 40 * H);
    const rows = await t.platform.database.db
      .selectFrom('comfort_hour')
      .innerJoin('comfort_point', 'comfort_point.id', 'comfort_hour.point_id')
      .select(['hour', 'season', 'clo', 'pmv'])
      .where('comfort_point.temperature_sensor_id', '=', await sensorId(SN.C, 1, 'temperature'))
      .orderBy('hour')
      .execute();
    expect(rows.map((r) => [r.season, r.clo])).toEqual([
      ['winter', 0.8],
      ['winter', 0.8],
      ['winter', 0.8],
      ['summer', 0.5],
    ]);
    expect(rows[0].pmv).toBeCloseTo(expectedPmv(22, 70, 0.8).pmv, 12);
    expect(rows[3].pmv).toBeCloseTo(expectedPmv(27, 55, 0.5).pmv, 12);
  });

  it('pages long ranges and refuses unbounded ones', async () => {
    const headers = await installer();
    const first = await get(`/api/v1/comfort/dwellings/${ids.A}?${range}&limit=2`, headers);
    expect(first.mean).toHaveLength(2);
    expect(first.next).toBe(T0 + 2 * H);
    const second = await get(
      `/api/v1/comfort/dwellings/${ids.A}?from=${first.next}&to=${T0 + 3 * H - 1}&limit=2`,
      headers,
    );
    expect(second.mean).toHaveLength(1);
    expect(second.next).toBeUndefined();
    const tooLong = await t.app.inject({
      method: 'GET',
      url: `/api/v1/comfort/buildings/${ids.b1}?from=0&to=${T0}&interval=hour`,
      headers,
    });
    expect(tooLong.statusCode).toBe(400);
    expect(tooLong.json().detail).toContain('20000');
  });
});
