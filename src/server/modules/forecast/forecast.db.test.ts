import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import type { FitResult, Forecast, PlanningRow, PlanningTable, Results, Run } from '#common/api/forecast.ts';
import type { JsonReading } from '#common/api/readings.ts';
import { systemPrincipal } from '../../access/visibility.ts';
import { ensureGateway } from '../../places/places.store.ts';
import { openTestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { insertBuilding } from '../registry/buildings.store.ts';
import { insertDistrict } from '../registry/districts.store.ts';
import { insertWeatherStation } from '../registry/weather-stations.store.ts';
import { FORECAST_FIT_JOB } from './index.ts';

/**
 * The planning tool over HTTP with a real database: the stateless fit API and its refusals, the
 * planning table filled from the registry, edited, exported and imported, a fitting run over the
 * KPI tool's thermal records and the district weather station, and forecasts from a local fake
 * of the Open-Meteo service, an uploaded CSV and the made-up weather.
 */

const HOUR = 3_600_000;
const DAY = 86_400_000;

// A local stand-in for the Open-Meteo forecast service: 3 °C every day, and the queries it got.
const queries: URLSearchParams[] = [];
let serviceDown = false;
const fake = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  queries.push(url.searchParams);
  if (serviceDown) {
    res.statusCode = 503;
    res.end('down for maintenance');
    return;
  }
  const n = Number(url.searchParams.get('forecast_days'));
  const zone = url.searchParams.get('timezone') ?? 'UTC';
  const today = DateTime.now().setZone(zone).startOf('day');
  const time = Array.from({ length: n }, (_, i) => today.plus({ days: i }).toISODate());
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      latitude: 42.85,
      longitude: -2.67,
      daily: { time, temperature_2m_mean: time.map(() => 3) },
    }),
  );
});
await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
const fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/v1/forecast`;

const t = await openTestPlatform({ forecastUrl: fakeUrl });
const db = t.platform.database.db;
const zone = t.platform.config.timezone;
afterAll(async () => {
  await t.close();
  await new Promise((resolve) => fake.close(resolve));
});
const planner = await headersAs(t, { roles: ['planner'] });
const admin = await headersAs(t, { roles: ['admin'] });
const resident = await headersAs(t, { roles: ['resident'] });

/** A fit request's days: `n` days from 2024-01-01 of a building with base 200 kWh and 40 kWh per K·day below 16 °C. */
function fitDays(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const t = 11 - 9 * Math.cos((2 * Math.PI * i) / 365) + ((i * 7919) % 11) - 5;
    return {
      date: new Date(Date.UTC(2024, 0, 1) + i * DAY).toISOString().slice(0, 10),
      energyKWh: 200 + 40 * Math.max(0, 16 - t) + (((i * 104729) % 13) - 6) * 4,
      temperatureC: t,
    };
  });
}

describe('POST /forecast/fit', () => {
  const fit = (payload: unknown, headers = planner) =>
    t.app.inject({ method: 'POST', url: '/api/v1/forecast/fit', headers, payload: payload as object });

  it('answers the chosen model of a daily series, with its accuracy on held-out weeks', async () => {
    const res = await fit({ days: fitDays(365) });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<FitResult>();
    expect(body.type).toBe('hdd');
    expect(Math.abs((body.balancePointC as number) - 16)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(body.slopeKWhPerDegreeDay / 40 - 1)).toBeLessThan(0.03);
    expect(body).toMatchObject({
      days: 365,
      meetsGuideline14: true,
      sufficiency: { daysWithData: 365, calTrack: true },
    });
    for (const k of ['interceptKWhPerDay', 'adjR2', 'cvrmse', 'nmbe'] as const)
      expect(typeof body[k]).toBe('number');
  });

  it('names the bad day by index and field, and stores nothing', async () => {
    const cases: [unknown[], number | null, string][] = [];
    const missing = fitDays(40);
    delete (missing[7] as Partial<(typeof missing)[number]>).temperatureC;
    cases.push([missing, 7, 'temperatureC']);
    const text = fitDays(40) as unknown[];
    text[12] = { ...(text[12] as object), energyKWh: '812' };
    cases.push([text, 12, 'energyKWh']);
    const twice = fitDays(40);
    twice[30] = { ...twice[30], date: twice[3].date };
    cases.push([twice, 30, 'date']);
    const badDate = fitDays(40);
    badDate[5] = { ...badDate[5], date: '2024-02-30' };
    cases.push([badDate, 5, 'date']);
    cases.push([fitDays(20), null, 'days']);
    for (const [days, index, field] of cases) {
      const res = await fit({ days });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const problem = res.json<{
        index: number | null;
        field: string;
        detail: string;
        errors: { where: string }[];
      }>();
      expect(problem).toMatchObject({ index, field });
      expect(problem.errors[0].where).toBe(index === null ? 'body.days' : `body.days[${index}].${field}`);
      expect(problem.detail).toContain(index === null ? 'at least 35' : `[${index}].${field}`);
    }
  });

  it('is for planners and admins', async () => {
    expect((await fit({ days: fitDays(40) }, resident)).statusCode).toBe(403);
    expect((await fit({ days: fitDays(40) }, {})).statusCode).toBe(401);
    expect((await fit({ days: fitDays(40) }, admin)).statusCode).toBe(200);
  });
});

// --- A small network: a district with a weather station and six buildings with daily heat. ---

const now = Date.now();
const districtId = await insertDistrict(
  db,
  { code: 'FC-D', name: 'Forecast district', city: 'Test', latitude: 42.85, longitude: -2.67 },
  now,
);
const stationSn = 'F0CA57F0CA570001';
await insertWeatherStation(
  db,
  {
    district_id: districtId,
    code: 'FC-WS',
    name: 'Forecast weather station',
    latitude: 42.85,
    longitude: -2.67,
    gateway_id: await ensureGateway(db, stationSn, now),
  },
  now,
);
const today = DateTime.fromMillis(now, { zone }).startOf('day');
const first = today.minus({ days: 400 });
/** The day's mean outdoor temperature, °C: a seasonal wave with a weekly wobble. */
const dailyMean = (i: number) => 11 - 8 * Math.cos((2 * Math.PI * (i - 20)) / 365) + 3 * Math.sin(i * 1.7);
const outdoor: JsonReading[] = [];
for (let i = 0; i < 400; i++) {
  const day = first.plus({ days: i }).toMillis();
  for (let h = 0; h < 24; h += 3)
    outdoor.push({
      sn: stationSn,
      channel: '1',
      device: '1',
      medium: 'temperature',
      ts: day + h * HOUR,
      value: dailyMean(i),
    });
}
for (let i = 0; i < outdoor.length; i += 5000) await t.platform.ingest.writeJson(outdoor.slice(i, i + 5000));
await t.platform.engine.flush();

const BUILDINGS = [
  { code: 'FC-1', area: 1200, floors: 5, orientation: 'S', balance: 16, perM2: 0.05, dh: true },
  { code: 'FC-2', area: 1300, floors: 5, orientation: 'SE', balance: 16, perM2: 0.05, dh: true },
  { code: 'FC-3', area: 600, floors: 3, orientation: 'N', balance: 15, perM2: 0.08, dh: false },
  { code: 'FC-4', area: 650, floors: 3, orientation: 'NE', balance: 15, perM2: 0.08, dh: false },
  { code: 'FC-5', area: 2400, floors: 8, orientation: 'W', balance: 17, perM2: 0.03, dh: true },
  { code: 'FC-6', area: 2200, floors: 8, orientation: 'E', balance: 17, perM2: 0.03, dh: true },
];
for (const b of BUILDINGS) {
  const id = await insertBuilding(
    db,
    {
      district_id: districtId,
      code: b.code,
      address: `${b.code} kalea 1`,
      latitude: 42.85,
      longitude: -2.67,
      carrier1: b.dh ? 'district_heating' : 'natural_gas',
      area1_m2: b.area,
      carrier2: null,
      area2_m2: null,
      floors: b.floors,
      features: { orientation: b.orientation, adjacent_blocks: 1, window_share: 20, retrofit_status: 'none' },
    },
    now,
  );
  expect(id).toBeGreaterThan(0);
  const records = Array.from({ length: 395 }, (_, i) => {
    const day = first.plus({ days: i });
    const heat =
      b.area *
      (0.03 + b.perM2 * Math.max(0, b.balance - dailyMean(i))) *
      (1 + 0.05 * Math.sin(i * 2.3 + b.area));
    return {
      thermal_measurement_id: `fc-${b.code}-${i}`,
      timestamp: Math.floor(day.plus({ hours: 12 }).toMillis() / 1000),
      value: Math.round(heat * 10) / 10,
      resource_id: b.code,
      carrier: b.dh ? 'district_heating' : 'natural_gas',
    };
  });
  await t.platform.kpi.inputs.thermalJson(
    records,
    { confirm: false, dryRun: false },
    systemPrincipal('test'),
  );
}

const get = <T>(url: string, headers = planner) =>
  t.app.inject({ method: 'GET', url: `/api/v1${url}`, headers }).then((r) => {
    expect(r.statusCode, r.body).toBe(200);
    return r.json<T>();
  });

describe('the planning table', () => {
  it('fills itself from the registry’s building features', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/forecast/buildings/prefill',
      headers: planner,
    });
    expect(res.json()).toEqual({ added: 6 });
    const table = await get<PlanningTable>('/forecast/buildings');
    const row = table.rows.find((r) => r.code === 'FC-1') as PlanningRow;
    expect(row).toMatchObject({
      districtHeating: true,
      floors: 5,
      heatedAreaM2: 1200,
      orientation: 'S',
      adjacentBlocks: 1,
      windowShare: 20,
      retrofit: 'non-renovated',
    });
    expect(table.settings).toMatchObject({
      publicRead: false,
      clusters: null,
      orientationWeights: { S: 1, SE: 0.75, E: 0.5, NE: 0.25, N: 0 },
    });
  });

  it('takes rows and columns added, edited and removed', async () => {
    const col = await t.app.inject({
      method: 'POST',
      url: '/api/v1/forecast/columns',
      headers: planner,
      payload: { key: 'roof_u', label: 'Roof U-value', type: 'number' },
    });
    expect(col.statusCode, col.body).toBe(201);
    const add = await t.app.inject({
      method: 'POST',
      url: '/api/v1/forecast/buildings',
      headers: planner,
      payload: {
        code: 'NEW-1',
        address: 'Not in the registry 3',
        heatedAreaM2: 900,
        floors: 4,
        extra: { roof_u: 0.4 },
      },
    });
    expect(add.statusCode, add.body).toBe(201);
    const row = add.json<PlanningRow>();
    expect(row).toMatchObject({ buildingId: null, extra: { roof_u: 0.4 } });
    const wrong = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/forecast/buildings/${row.id}`,
      headers: planner,
      payload: { extra: { roof_u: 'high' } },
    });
    expect(wrong.statusCode).toBe(400);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/forecast/buildings/${row.id}`,
      headers: planner,
      payload: { retrofit: 'in-progress', orientation: 'SW' },
    });
    expect(patched.json()).toMatchObject({
      retrofit: 'in-progress',
      orientation: 'SW',
      extra: { roof_u: 0.4 },
    });
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/forecast/buildings',
          headers: resident,
          payload: { code: 'X' },
        })
      ).statusCode,
    ).toBe(403);

    const extra = await t.app.inject({
      method: 'POST',
      url: '/api/v1/forecast/buildings',
      headers: planner,
      payload: { code: 'GONE-1' },
    });
    const gone = extra.json<PlanningRow>().id;
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/forecast/buildings/${gone}`, headers: planner }))
        .statusCode,
    ).toBe(204);
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/forecast/columns/roof_u`, headers: planner }))
        .statusCode,
    ).toBe(204);
    const table = await get<PlanningTable>('/forecast/buildings');
    expect(table.columns).toEqual([]);
    expect(table.rows.find((r) => r.code === 'NEW-1')?.extra).toEqual({});
    expect(table.rows.some((r) => r.code === 'GONE-1')).toBe(false);
  });

  it('exports CSV that imports again, and refuses a file with a bad cell whole', async () => {
    const csv = await t.app.inject({
      method: 'GET',
      url: '/api/v1/forecast/buildings/export?format=csv',
      headers: planner,
    });
    expect(csv.headers['content-type']).toContain('text/csv');
    const text = csv.body.replace(/^\uFEFF/, '');
    expect(text.split('\n')[0]).toContain('HeatedAreaM2');
    const edited =
      text.replace('NEW-1,Not in the registry 3', 'NEW-1,Calle Nueva 3') +
      ',NEW-2,Calle Nueva 5,,,1,3,500,,S,,,renovated,,,\n';
    const headers = { ...planner, 'content-type': 'text/csv' };
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/forecast/buildings/import',
      headers,
      payload: edited.replace('NEW-2,Calle Nueva 5,,,1,3,500,,S,', 'NEW-2,Calle Nueva 5,,,1,3,500,,SSW,'),
    });
    expect(bad.statusCode, bad.body).toBe(200);
    expect(bad.json()).toMatchObject({ dryRun: true, rejected: [{ column: 'Orientation', value: 'SSW' }] });
    expect((await get<PlanningTable>('/forecast/buildings')).rows.some((r) => r.code === 'NEW-2')).toBe(
      false,
    );
    const good = await t.app.inject({
      method: 'POST',
      url: '/api/v1/forecast/buildings/import',
      headers,
      payload: edited,
    });
    expect(good.json()).toMatchObject({ created: 1, updated: 7, rejected: [], dryRun: false });
    const rows = (await get<PlanningTable>('/forecast/buildings')).rows;
    expect(rows.find((r) => r.code === 'NEW-1')?.address).toBe('Calle Nueva 3');
    expect(rows.find((r) => r.code === 'NEW-2')).toMatchObject({
      districtHeating: true,
      heatedAreaM2: 500,
      retrofit: 'renovated',
    });
    expect(rows.find((r) => r.code === 'FC-1')).toMatchObject({ heatedAreaM2: 1200, orientation: 'S' });
  });
});

describe('a fitting run and the forecast', () => {
  let results: Results;

  it('processes the data in a run whose progress the page can follow', async () => {
    const started = await t.app.inject({ method: 'POST', url: '/api/v1/forecast/runs', headers: planner });
    expect(started.statusCode, started.body).toBe(202);
    expect(started.json<Run>().status).toBe('running');
    await t.platform.forecast.idle();
    const latest = await get<{ run: Run; results: Results }>('/forecast/results');
    expect(latest.run).toMatchObject({ status: 'done', progress: 1 });
    results = latest.results;
    expect(results.silhouette.map((s) => s.k)).toEqual([3, 4, 5, 6, 7]);
    const fc1 = results.buildings.find((b) => b.code === 'FC-1')!;
    expect(fc1.model).toMatchObject({ type: 'hdd' });
    expect(Math.abs((fc1.model!.balancePointC as number) - 16)).toBeLessThanOrEqual(0.5);
    expect(fc1.sufficiency).toMatchObject({ daysWithData: 395, calTrack: true, reason: null });
    expect(fc1.accuracy?.meetsGuideline14).toBe(true);
    expect(fc1.reference).not.toBeNull();
    // Rows outside the registry have no data of their own, and say so.
    expect(results.buildings.find((b) => b.code === 'NEW-2')).toMatchObject({
      model: null,
      sufficiency: { reason: 'not-in-registry' },
    });
    expect(results.clusterModels.filter((c) => c.medoidCode !== null).length).toBeGreaterThan(0);
    expect(results.network.perBuilding!.cvrmse).toBeLessThan(results.network.reference!.cvrmse);
  });

  it('forecasts from the forecast service', async () => {
    const forecast = await get<Forecast>('/forecast/forecast?days=3');
    expect(forecast.source).toBe('service');
    expect(forecast.days).toHaveLength(3);
    const tomorrow = today.plus({ days: 1 }).toISODate();
    expect(forecast.days[0]).toMatchObject({ date: tomorrow, temperatureC: 3 });
    const q = queries.at(-1)!;
    expect(q.get('latitude')).toBe('42.85');
    expect(q.get('daily')).toContain('temperature_2m_mean');
    expect(q.get('timezone')).toBe(zone);
    // Own models at 3 °C: FC-1 uses 1200 · (0.03 + 0.05 · 13) ≈ 816 kWh a day.
    const fc1 = forecast.buildings.find((b) => b.code === 'FC-1')!;
    expect(fc1.method).toBe('building');
    expect(fc1.daysKWh[0]).toBeGreaterThan(816 * 0.95);
    expect(fc1.daysKWh[0]).toBeLessThan(816 * 1.05);
    const day = forecast.days[0];
    expect(day.totalKWh).toBeCloseTo(
      forecast.buildings.reduce((s, b) => s + b.daysKWh[0], 0),
      6,
    );
    expect(day.lowKWh).toBeLessThan(day.totalKWh);
    expect(day.highKWh).toBeGreaterThan(day.totalKWh);
    // A row without data is forecast by its cluster's representative, scaled by its area.
    expect(forecast.buildings.find((b) => b.code === 'NEW-2')?.method).toBe('cluster');
  });

  it('says so when the forecast service fails, and takes nothing from it', async () => {
    serviceDown = true;
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/forecast/forecast', headers: planner });
    serviceDown = false;
    expect(res.statusCode).toBe(502);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().detail).toContain('answered 503');
  });

  it('forecasts from an uploaded CSV, and from the made-up weather', async () => {
    const csv = 'date;temperatureC\n2030-01-01;-2,5\n2030-01-02;4\n';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/forecast/forecast/upload',
      headers: { ...planner, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(200);
    const up = res.json<Forecast>();
    expect(up.source).toBe('upload');
    expect(up.days.map((d) => d.temperatureC)).toEqual([-2.5, 4]);
    expect(up.days[0].totalKWh).toBeGreaterThan(up.days[1].totalKWh);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/forecast/forecast/upload',
      headers: { ...planner, 'content-type': 'text/csv' },
      payload: 'date,temperatureC\n2030-01-01,warm\n',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('row 2, column temperatureC');
    const synthetic = await get<Forecast>('/forecast/forecast?source=synthetic');
    expect(synthetic.days).toHaveLength(7);
  });

  it('is read by the public only where the instance opens it', async () => {
    const anonymous = () => t.app.inject({ method: 'GET', url: '/api/v1/public/forecast/results' });
    expect((await anonymous()).statusCode).toBe(404);
    expect(
      (
        await t.app.inject({
          method: 'PUT',
          url: '/api/v1/forecast/settings/public',
          headers: planner,
          payload: { publicRead: true },
        })
      ).statusCode,
    ).toBe(403);
    const open = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/forecast/settings/public',
      headers: admin,
      payload: { publicRead: true },
    });
    expect(open.json()).toMatchObject({ publicRead: true });
    expect((await anonymous()).statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/public/forecast/forecast?days=2&source=synthetic' }))
        .statusCode,
    ).toBe(200);
    await t.app.inject({
      method: 'PUT',
      url: '/api/v1/forecast/settings/public',
      headers: admin,
      payload: { publicRead: false },
    });
    expect((await anonymous()).statusCode).toBe(404);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/forecast/results', headers: resident })).statusCode,
    ).toBe(403);
  });

  it('fits again at night only when the data changed', async () => {
    const before = (await t.platform.forecast.latest()).run!.id;
    expect(await t.platform.forecast.fitIfNewData(Date.now())).toBe(false);
    await t.platform.kpi.inputs.thermalJson(
      [
        {
          thermal_measurement_id: 'fc-late-record',
          timestamp: Math.floor(today.minus({ days: 1 }).plus({ hours: 12 }).toMillis() / 1000),
          value: 900,
          resource_id: 'FC-1',
          carrier: 'district_heating',
        },
      ],
      { confirm: false, dryRun: false },
      systemPrincipal('test'),
    );
    await t.platform.scheduler.run(FORECAST_FIT_JOB);
    expect((await t.platform.forecast.latest()).run!.id).toBeGreaterThan(before);
  });

  it('lets the planner choose k', async () => {
    await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/forecast/settings',
      headers: planner,
      payload: { clusters: 4 },
    });
    await t.platform.forecast.runNow('test', Date.now());
    expect((await get<{ results: Results }>('/forecast/results')).results.clusters).toBe(4);
  });
});
