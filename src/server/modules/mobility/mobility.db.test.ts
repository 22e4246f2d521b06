import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '#common/time.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { co2Avoided } from './mobility.calculator.ts';
import { seedMobilityDemo } from './mobility-demo.ts';

const NOW = Date.parse('2026-12-07T11:30:00Z');

let t: TestPlatform;
let transport: Record<string, string>;
const get = async (url: string, headers = transport) => {
  const res = await t.app.inject({ url: `/api/v1/mobility${url}`, headers });
  return {
    status: res.statusCode,
    body: String(res.headers['content-type'] ?? '').includes('json') ? res.json() : res.body,
    res,
  };
};

beforeAll(async () => {
  t = await openTestPlatform();
  await seedMobilityDemo(t.platform.mobility, t.platform, NOW);
  transport = await headersAs(t, { roles: ['transport'] });
}, 180_000);
afterAll(async () => t?.close());

describe('the demo bus line', () => {
  it('is line 2: about 10 km, 24 stops each way, 13 buses, two pantographs and a depot; seeded once', async () => {
    const lines = (await get('/lines')).body;
    expect(lines.items).toHaveLength(1);
    const line = lines.items[0];
    expect(line).toMatchObject({ code: '2', stops: 48, vehicles: 13, routeType: 3 });
    expect(line.lengthKm).toBeGreaterThan(9);
    expect(line.lengthKm).toBeLessThan(11);
    const detail = (await get(`/lines/${line.id}`)).body;
    expect(detail.shapes.map((s: { direction: number }) => s.direction)).toEqual([0, 1]);
    expect(detail.pattern.filter((p: { direction: number }) => p.direction === 0)).toHaveLength(24);
    const [lon, lat] = detail.shapes[0].points[0];
    expect(Math.abs(lat - 42.85)).toBeLessThan(0.03);
    expect(Math.abs(lon + 2.67)).toBeLessThan(0.06);
    const chargers = (await get('/chargers')).body.items;
    expect(chargers.map((c: { kind: string }) => c.kind).sort()).toEqual([
      'depot',
      'pantograph',
      'pantograph',
    ]);

    const db = t.platform.database.db;
    const count = async () => (await db.selectFrom('mobility_trip').select('id').execute()).length;
    const before = await count();
    // 90 days of a bus every 8 (10 at weekends) minutes each way.
    expect(before).toBeGreaterThan(90 * 190);
    await seedMobilityDemo(t.platform.mobility, t.platform, NOW + DAY_MS);
    expect(await count()).toBe(before);
  });

  it('uses more energy per km in cold months', async () => {
    const kpis = (await get('/kpis?year=2026&kpi=MO_BUS_ENERGY_PER_KM')).body;
    const perKm = (month: number) =>
      kpis.items
        .filter(
          (m: { kpi: string; periodStart: number }) =>
            m.kpi === 'MO_BUS_ENERGY_PER_KM' && new Date(m.periodStart + DAY_MS).getUTCMonth() + 1 === month,
        )
        .map((m: { value: number }) => m.value);
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(perKm(9)).toHaveLength(13);
    expect(mean(perKm(11))).toBeGreaterThan(mean(perKm(9)) + 0.1);
  });
});

describe('the mobility KPIs', () => {
  it('CO2 avoided is the diesel bus’s CO2 less the electricity’s, with what it came from', async () => {
    const measures = await t.app.inject({
      url: '/api/v1/measures?kpi=MO_BUS_CO2_AVOIDED&granularity=month&limit=500',
      headers: await headersAs(t, { roles: ['admin'] }),
    });
    const items = measures.json().items as {
      value: number;
      provenance: { calculator: string; inputs: Record<string, number> };
    }[];
    expect(items.length).toBeGreaterThanOrEqual(13 * 3);
    for (const m of items) {
      expect(m.provenance.calculator).toBe('mobility');
      const i = m.provenance.inputs;
      expect(i.dieselLPer100Km).toBe(55);
      expect(i.gridKgCo2PerKwh).toBe(0.331);
      expect(m.value).toBeCloseTo(
        co2Avoided({
          distanceKm: i.distanceKm,
          energyKwh: i.energyKwh,
          dieselLPer100Km: 55,
          dieselKgCo2PerL: 2.467,
          gridKgCo2PerKwh: 0.331,
        }),
        6,
      );
    }
  });

  it('the landing portal’s CO2 avoided comes from these measures', async () => {
    const kpis = (await get('/kpis?year=2026&granularity=year')).body;
    const total = kpis.items
      .filter((m: { kpi: string }) => m.kpi === 'MO_BUS_CO2_AVOIDED')
      .reduce((s: number, m: { value: number }) => s + m.value, 0);
    expect(total).toBeGreaterThan(10_000);
    const summary = await t.platform.portal.refresh();
    expect(summary.busCo2Avoided.source).toBe('kpi-store');
    expect(summary.busCo2Avoided.value).toBeCloseTo(total, 0);
  });

  it('level of service, charger availability and charges per day have values in range', async () => {
    const year = async (kpi: string) =>
      (await get(`/kpis?year=2026&granularity=year&kpi=${kpi}`)).body.items as {
        kpi: string;
        resource: string;
        value: number;
      }[];
    const kpis = [
      ...(await year('MO_SERVICE_TRIPS')),
      ...(await year('MO_HEADWAY_SCHEDULED')),
      ...(await year('MO_HEADWAY_OBSERVED')),
      ...(await year('MO_CHARGER_AVAILABILITY')),
      ...(await year('MO_CHARGES_PER_DAY')),
      ...(await year('MO_CHARGE_DURATION')),
    ];
    const value = (kpi: string, resource: string) =>
      kpis.find((m) => m.kpi === kpi && m.resource === resource)?.value;
    // Without a KPI named, each KPI over all its resources.
    const all = (await get('/kpis?year=2026&granularity=year')).body.items as {
      kpi: string;
      resource: string;
    }[];
    expect(new Set(all.map((m) => m.resource))).toEqual(new Set(['*']));
    expect(all.map((m) => m.kpi)).toContain('MO_CHARGER_AVAILABILITY');
    expect((await get('/kpis?year=2026&kpi=EN_FINAL')).status).toBe(400);
    // About one trip in 70 is missed.
    expect(value('MO_SERVICE_TRIPS', '2')).toBeGreaterThan(95);
    expect(value('MO_SERVICE_TRIPS', '2')).toBeLessThan(100);
    const scheduled = value('MO_HEADWAY_SCHEDULED', '2') as number;
    expect(scheduled).toBeGreaterThan(8);
    expect(scheduled).toBeLessThan(10);
    expect(value('MO_HEADWAY_OBSERVED', '2')).toBeGreaterThan(scheduled);
    const availability = value('MO_CHARGER_AVAILABILITY', 'PANT-2-W') as number;
    expect(availability).toBeGreaterThan(90);
    expect(availability).toBeLessThanOrEqual(100);
    expect(value('MO_CHARGES_PER_DAY', 'PANT-2-E')).toBeGreaterThan(90);
    const minutes = value('MO_CHARGE_DURATION', 'PANT-2-E') as number;
    expect(minutes).toBeGreaterThan(3.5);
    expect(minutes).toBeLessThan(5);
  });
});

describe('the mobility API', () => {
  it('pages a vehicle’s trips without repeating one, and filters by period', async () => {
    const vehicles = (await get('/vehicles')).body.items;
    expect(vehicles).toHaveLength(13);
    const bus = vehicles[0];
    const from = NOW - 3 * DAY_MS;
    const seen = new Set<number>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = (
        await get(
          `/vehicles/${bus.id}/trips?from=${from}&to=${NOW}&limit=20${cursor ? `&cursor=${cursor}` : ''}`,
        )
      ).body;
      for (const trip of page.items) {
        expect(seen.has(trip.id)).toBe(false);
        expect(trip.startAt).toBeGreaterThanOrEqual(from);
        expect(trip.plate).toBe(bus.plate);
        seen.add(trip.id);
      }
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    const all = (await get(`/trips?vehicle=${bus.id}&from=${from}&to=${NOW}&limit=500`)).body.items;
    expect(all).toHaveLength(seen.size);
    const detail = (await get(`/vehicles/${bus.id}?from=${from}&to=${NOW}`)).body;
    expect(detail.usage.trips).toBe(seen.size);
    expect(detail.usage.kwhPerKm).toBeGreaterThan(1);
  });

  it('lists charges by charger, the status history and the daily energy of a charger', async () => {
    const chargers = (await get('/chargers')).body.items;
    const east = chargers.find((c: { code: string }) => c.code === 'PANT-2-E');
    const charges = (await get(`/charges?charger=${east.id}&from=${NOW - DAY_MS}&to=${NOW}&limit=500`)).body
      .items;
    expect(charges.length).toBeGreaterThan(50);
    expect(charges.every((c: { charger: string }) => c.charger === 'PANT-2-E')).toBe(true);
    const history = (await get(`/chargers/${east.id}/status-history?limit=10`)).body;
    expect(history.items).toHaveLength(10);
    expect(history.next).toBeDefined();
    const days = (await get(`/chargers/${east.id}/days?from=${NOW - 7 * DAY_MS}&to=${NOW}`)).body.items;
    expect(days.length).toBeGreaterThanOrEqual(7);
    expect(days[1].energyKwh).toBeGreaterThan(1000);
  });

  it('exports trips, charges and KPIs as CSV and XLSX', async () => {
    const [bus] = (await get('/vehicles')).body.items;
    const csv = await get(`/trips/export?vehicle=${bus.id}&from=${NOW - DAY_MS}&to=${NOW}`);
    expect(csv.status).toBe(200);
    expect(csv.res.headers['content-type']).toContain('text/csv');
    const lines = (csv.body as string)
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toMatch(/^Trip,Vehicle,Line,Direction,Start,End,Distance_km/);
    const listed = (await get(`/trips?vehicle=${bus.id}&from=${NOW - DAY_MS}&to=${NOW}&limit=500`)).body
      .items;
    expect(lines).toHaveLength(listed.length + 1);
    const xlsx = await t.app.inject({
      url: '/api/v1/mobility/charges/export?format=xlsx',
      headers: transport,
    });
    expect(xlsx.statusCode).toBe(200);
    expect(xlsx.rawPayload.subarray(0, 2).toString()).toBe('PK');
    const kpis = await get('/kpis/export?year=2026&format=csv');
    expect(kpis.body).toContain('MO_BUS_CO2_AVOIDED');
  });

  it('refuses bad input with a problem naming it, and unknown things with 404', async () => {
    const bad = await get(`/trips?from=${NOW}&to=${NOW - 1}`);
    expect(bad.status).toBe(400);
    expect(bad.res.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.detail).toContain('to');
    expect((await get('/trips?cursor=nonsense')).status).toBe(400);
    expect((await get('/trips?limit=0')).status).toBe(400);
    expect((await get('/kpis?year=1999')).status).toBe(400);
    expect((await get('/vehicles/999999')).status).toBe(404);
    expect((await get('/chargers/999999/status-history')).status).toBe(404);
  });

  it('is for the transport operator and admins: a resident or a municipal technician is refused', async () => {
    for (const role of ['resident', 'municipal', 'installer', 'esco'] as const) {
      const headers = await headersAs(t, { roles: [role] });
      expect((await get('/vehicles', headers)).status, role).toBe(403);
    }
    expect((await t.app.inject({ url: '/api/v1/mobility/vehicles' })).statusCode).toBe(401);
    expect((await get('/vehicles', await headersAs(t, { roles: ['admin'] }))).status).toBe(200);
    expect((await get('/summary')).status).toBe(200);
  });
});
