import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputReport } from '#common/api/kpi.ts';
import type { Facility, Meter, MonthRow, Summary } from '#common/api/municipal.ts';
import { cupsCheckLetters } from '#common/municipal/cups.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { insertDistrict } from '../registry/districts.store.ts';

let t: TestPlatform;
let tech: Record<string, string>;
let admin: Record<string, string>;
let districtId: number;
let serial = 0;
const run = `${Date.now() % 1_000_000}`;

/** A valid CUPS, different for every call. */
function cups(): string {
  const digits = `0031${run.padStart(6, '0')}${String(++serial).padStart(6, '0')}`;
  return `ES${digits}${cupsCheckLetters(digits)}`;
}

beforeAll(async () => {
  t = await openTestPlatform();
  tech = await headersAs(t, { roles: ['municipal'] });
  admin = await headersAs(t, { roles: ['admin'] });
  districtId = await insertDistrict(
    t.platform.database.db,
    {
      code: `MUN-D-${run}`,
      name: 'Municipal test district',
      city: 'Vitoria-Gasteiz',
      latitude: 42.85,
      longitude: -2.67,
    },
    Date.now(),
  );
});
afterAll(async () => {
  await t?.close();
});

const post = async (url: string, payload: unknown, headers = tech) => {
  const res = await t.app.inject({
    method: 'POST',
    url: `/api/v1${url}`,
    headers,
    payload: payload as object,
  });
  return res;
};
const get = async <T>(url: string, headers = tech): Promise<T> => {
  const res = await t.app.inject({ url: `/api/v1${url}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as T;
};

async function facilityWithMeters(carriers: string[]): Promise<{ facility: Facility; meters: Meter[] }> {
  const n = ++serial;
  const area = await post('/municipal/areas', { code: `A-${run}-${n}`, name: `Area ${n}` });
  expect(area.statusCode, area.body).toBe(201);
  const group = await post('/municipal/areas', {
    code: `G-${run}-${n}`,
    name: `Schools ${n}`,
    parentId: area.json().id,
  });
  expect(group.statusCode, group.body).toBe(201);
  const facility = await post('/municipal/facilities', {
    code: `F-${run}-${n}`,
    name: `School ${n}`,
    areaId: group.json().id,
    districtId,
    latitude: 42.85,
    longitude: -2.67,
  });
  expect(facility.statusCode, facility.body).toBe(201);
  const meters: Meter[] = [];
  for (const carrier of carriers) {
    const body =
      carrier === 'electricity' || carrier === 'natural_gas'
        ? { facilityId: facility.json().id, cups: cups(), carrier, supplier: 'Iberdrola' }
        : { facilityId: facility.json().id, code: `M-${run}-${++serial}`, carrier };
    const res = await post('/municipal/meters', body);
    expect(res.statusCode, res.body).toBe(201);
    meters.push(res.json());
  }
  return { facility: facility.json(), meters };
}

const upload = (csv: string, query = '', headers = tech) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/municipal/invoices/import${query}`,
    headers: { ...headers, 'content-type': 'text/csv' },
    payload: Buffer.from(csv),
  });

const HEAD = 'cups,period_start,period_end,quantity,unit,cost_eur\n';

describe('meters and their CUPS', () => {
  it('refuses a wrong CUPS naming the field and the check that failed, and stores nothing', async () => {
    const { facility } = await facilityWithMeters([]);
    const res = await post('/municipal/meters', {
      facilityId: facility.id,
      cups: 'ES1234123456789012JZ',
      carrier: 'electricity',
    });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().detail).toMatch(/^cups: .*check letters are JZ, but those 16 digits give JY/);
    expect((await get<{ items: Meter[] }>(`/municipal/meters?facility=${facility.id}`)).items).toEqual([]);
    const ok = await post('/municipal/meters', {
      facilityId: facility.id,
      cups: 'ES1234123456789012JY',
      carrier: 'electricity',
    });
    expect([201, 409]).toContain(ok.statusCode);
  });
});

describe('invoice imports', () => {
  it('splits an invoice over calendar months by days: 15 Dec to 14 Jan, 3,100 kWh → 1,700 and 1,400', async () => {
    const { meters } = await facilityWithMeters(['electricity']);
    const m = meters[0];
    const res = await upload(`${HEAD}${m.code},2024-12-15,2025-01-14,3100,kWh,620\n`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ rows: 1, stored: true, created: 1, rejected: 0 });
    const months = (await get<{ items: MonthRow[] }>(`/municipal/consumption?meter=${m.id}`)).items;
    expect(months.map((r) => [r.month, r.quantity, r.costEur, r.source])).toEqual([
      ['2024-12', 1700, 340, 'invoice'],
      ['2025-01', 1400, 280, 'invoice'],
    ]);
  });

  it('changes nothing when the same invoice comes again, and replaces it when corrected', async () => {
    const { meters } = await facilityWithMeters(['electricity']);
    const csv = `${HEAD}${meters[0].code},2025-03-01,2025-03-31,1000,kWh,200\n`;
    expect((await upload(csv)).json()).toMatchObject({ created: 1 });
    expect((await upload(csv)).json()).toMatchObject({ created: 0, updated: 0, unchanged: 1 });
    const corrected = await upload(`${HEAD}${meters[0].code},2025-03-01,2025-03-31,900,kWh,180\n`);
    expect(corrected.json()).toMatchObject({ created: 0, updated: 1 });
    const months = (await get<{ items: MonthRow[] }>(`/municipal/consumption?meter=${meters[0].id}`)).items;
    expect(months.map((r) => [r.month, r.quantity, r.costEur])).toEqual([['2025-03', 900, 180]]);
  });

  it('lets invoices win over readings, and readings fill the months without an invoice', async () => {
    const { meters } = await facilityWithMeters(['natural_gas']);
    const code = meters[0].code;
    const res = await upload(
      'cups,period_start,period_end,quantity,unit,cost_eur,source\n' +
        `${code},2025-01-01,2025-01-31,5000,kWh,400,invoice\n` +
        `${code},2025-01-01,2025-02-28,9000,kWh,,reading\n`,
    );
    expect(res.json(), res.body).toMatchObject({ stored: true, created: 2 });
    const months = (await get<{ items: MonthRow[] }>(`/municipal/consumption?meter=${meters[0].id}`)).items;
    expect(months.map((r) => [r.month, r.source, Math.round(r.quantity), r.costEur])).toEqual([
      ['2025-01', 'invoice', 5000, 400],
      ['2025-02', 'reading', Math.round((9000 * 28) / 59), null],
    ]);
  });

  it('reports every bad row of a malformed file and stores nothing from it', async () => {
    const { meters } = await facilityWithMeters(['electricity', 'water']);
    const [power, water] = meters;
    const csv =
      'cups,meter_code,period_start,period_end,quantity,unit,cost_eur\n' +
      `${power.code},,2025-04-01,2025-04-30,1000,kWh,150\n` +
      `ES1234123456789012JZ,,2025-04-01,2025-04-30,1000,kWh,150\n` +
      `,${water.code},2025-04-01,2025-04-30,12,kWh,30\n` +
      `${power.code},,2025-05-31,2025-05-01,1000,kWh,150\n` +
      `${power.code},,2025-06-01,2025-06-30,lots,kWh,150\n` +
      `,NO-SUCH-METER,2025-04-01,2025-04-30,1,m3,1\n`;
    const res = await upload(csv);
    expect(res.statusCode, res.body).toBe(200);
    const report: InputReport = res.json();
    expect(report).toMatchObject({ rows: 6, stored: false, rejected: 5 });
    expect(report.problems.map((p) => [p.row, p.column])).toEqual([
      [3, 'cups'],
      [4, 'unit'],
      [5, 'period_end'],
      [6, 'quantity'],
      [7, 'meter_code'],
    ]);
    expect(report.problems[0].reason).toContain('check letters');
    expect((await get<{ items: MonthRow[] }>(`/municipal/consumption?meter=${power.id}`)).items).toEqual([]);
    // A dry run reports the same and stores nothing; confirm=true stores the good row only.
    expect((await upload(csv, '?dryRun=true&confirm=true')).json()).toMatchObject({ stored: false });
    expect((await get<{ items: MonthRow[] }>(`/municipal/consumption?meter=${power.id}`)).items).toEqual([]);
    expect((await upload(csv, '?confirm=true')).json()).toMatchObject({
      stored: true,
      created: 1,
      rejected: 5,
    });
    expect((await get<{ items: MonthRow[] }>(`/municipal/consumption?meter=${power.id}`)).items).toHaveLength(
      1,
    );
  });

  it('keeps the city, district and area totals equal to their months through imports, corrections, re-imports and a move', async () => {
    const { facility, meters } = await facilityWithMeters(['electricity', 'natural_gas']);
    const [power, gas] = meters;
    const csv =
      'cups,period_start,period_end,quantity,unit,cost_eur,source\n' +
      `${power.code},2024-11-15,2024-12-14,3000,kWh,600,invoice\n` +
      `${power.code},2024-12-15,2025-01-14,3100,kWh,620,invoice\n` +
      `${gas.code},2024-11-01,2025-01-31,9200,kWh,,reading\n` +
      `${gas.code},2024-12-01,2024-12-31,4000,kWh,320,invoice\n`;
    expect((await upload(csv)).json()).toMatchObject({ stored: true, created: 4 });
    expect((await upload(csv)).json()).toMatchObject({ unchanged: 4 });
    const corrected = await upload(
      'cups,period_start,period_end,quantity,unit,cost_eur\n' +
        `${power.code},2024-12-15,2025-01-14,2900,kWh,580\n` +
        `${gas.code},2024-12-01,2024-12-31,4100,kWh,330\n`,
    );
    expect(corrected.json()).toMatchObject({ updated: 2 });
    // A move to another district and area takes the months out of the old totals.
    const other = await facilityWithMeters([]);
    const moved = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/municipal/facilities/${facility.id}`,
      headers: tech,
      payload: { areaId: other.facility.areaId },
    });
    expect(moved.statusCode, moved.body).toBe(200);

    const db = t.platform.database.db;
    const months = await db.selectFrom('municipal_month').selectAll().execute();
    const expected = new Map<string, { quantity: number; cost: number; months: number }>();
    for (const m of months) {
      const places: [string, number, number, number][] = [
        ['city', 0, 0, m.district_id === null ? 0 : Number(m.district_id)],
        ['area', 0, Number(m.area_id), Number(m.group_id)],
      ];
      if (m.district_id !== null)
        places.push(
          ['district', 0, Number(m.district_id), Number(m.area_id)],
          ['area', Number(m.district_id), Number(m.area_id), Number(m.group_id)],
        );
      for (const [level, within, node, child] of places) {
        const key = `${level}|${within}|${node}|${child}|${m.carrier}|${m.supplier}|${m.month}|${m.source}`;
        const e = expected.get(key) ?? { quantity: 0, cost: 0, months: 0 };
        e.quantity += m.quantity;
        e.cost += m.cost_eur ?? 0;
        e.months++;
        expected.set(key, e);
      }
    }
    const totals = await db.selectFrom('municipal_total').selectAll().execute();
    const kept = new Map(
      totals.map((r) => [
        `${r.level}|${r.within}|${r.node_id}|${r.child_id}|${r.carrier}|${r.supplier}|${r.month}|${r.source}`,
        { quantity: Number(r.quantity), cost: Number(r.cost_eur), months: Number(r.months) },
      ]),
    );
    expect([...kept.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, e] of expected) {
      const k = kept.get(key);
      expect(k?.months, key).toBe(e.months);
      expect(k?.quantity, key).toBeCloseTo(e.quantity, 6);
      expect(k?.cost, key).toBeCloseTo(e.cost, 6);
    }
    // The old sub-group has nothing left; the new one has the facility's months.
    expect(totals.filter((r) => r.level === 'area' && Number(r.child_id) === facility.areaId)).toEqual([]);
    expect(
      totals.filter((r) => r.level === 'area' && Number(r.child_id) === other.facility.areaId).length,
    ).toBeGreaterThan(0);
  });

  it('refuses a file without the columns it needs, naming them', async () => {
    const res = await upload('cups,quantity\nES1234123456789012JY,1\n');
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toContain('period_start, period_end, unit, cost_eur');
  });
});

describe('carbon', () => {
  it('counts a facility’s gas and electricity over two years with each year’s factor, by hand', async () => {
    const { facility, meters } = await facilityWithMeters(['electricity', 'natural_gas']);
    const [power, gas] = meters;
    // Factors for years no other test of this file uses.
    const factors: [string, number, number][] = [
      ['electricity', 2019, 0.25],
      ['electricity', 2020, 0.2],
      ['natural_gas', 2019, 0.182],
      ['natural_gas', 2020, 0.18],
    ];
    for (const [carrier, year, kgPerUnit] of factors) {
      const res = await post(
        '/municipal/carbon-factors',
        { carrier, year, kgPerUnit, source: 'test' },
        admin,
      );
      expect(res.statusCode, res.body).toBe(201);
    }
    // Municipal technicians may not change factors; admins' changes are audited.
    expect(
      (
        await post('/municipal/carbon-factors', {
          carrier: 'diesel',
          year: 2019,
          kgPerUnit: 2.6,
          source: 'x',
        })
      ).statusCode,
    ).toBe(403);
    const audited = await get<{ items: { action: string }[] }>(
      '/admin/audit?action=municipal.factor_created',
      admin,
    );
    expect(audited.items.length).toBeGreaterThanOrEqual(4);

    const rows = [
      `${power.code},2019-01-01,2019-06-30,10000,kWh,2000`,
      `${power.code},2019-07-01,2019-12-31,8000,kWh,1600`,
      `${gas.code},2019-01-01,2019-12-31,50000,kWh,3000`,
      `${power.code},2020-01-01,2020-12-31,20000,kWh,4000`,
      `${gas.code},2020-01-01,2020-12-31,40000,kWh,2600`,
    ];
    expect((await upload(`${HEAD}${rows.join('\n')}\n`)).json()).toMatchObject({ stored: true, created: 5 });

    const s = await get<Summary>(
      `/municipal/summary?level=facility&id=${facility.id}&from=2019-01&to=2020-12&by=year`,
    );
    // 2019: 18,000 × 0.25 + 50,000 × 0.182 = 4,500 + 9,100; 2020: 20,000 × 0.2 + 40,000 × 0.18 = 4,000 + 7,200.
    const at = (period: string, carrier: string) =>
      s.series.find((r) => r.period === period && r.carrier === carrier);
    expect(at('2019', 'electricity')?.co2Kg).toBeCloseTo(4500, 6);
    expect(at('2019', 'natural_gas')?.co2Kg).toBeCloseTo(9100, 6);
    expect(at('2020', 'electricity')?.co2Kg).toBeCloseTo(4000, 6);
    expect(at('2020', 'natural_gas')?.co2Kg).toBeCloseTo(7200, 6);
    expect(s.totals.co2Kg).toBeCloseTo(24_800, 6);
    expect(s.totals.co2Scope1Kg).toBeCloseTo(16_300, 6);
    expect(s.totals.co2Scope2Kg).toBeCloseTo(8_500, 6);
    expect(s.totals.energyKWh).toBeCloseTo(128_000, 6);
    expect(s.totals.costEur).toBeCloseTo(13_200, 6);
    expect(s.missingFactors).toEqual([]);
    expect(s.trail.map((n) => n.level)).toEqual(['city', 'district', 'area', 'area']);
    expect(s.children.map((c) => c.id).sort()).toEqual([power.id, gas.id].sort());

    // 2021 has no factor: its CO2 is not guessed from 2020.
    await upload(`${HEAD}${power.code},2021-01-01,2021-01-31,1000,kWh,200\n`);
    const later = await get<Summary>(
      `/municipal/summary?level=meter&id=${power.id}&from=2020-01&to=2021-12&by=year`,
    );
    expect(later.series.find((r) => r.period === '2020')?.co2Kg).toBeCloseTo(4000, 6);
    expect(later.series.find((r) => r.period === '2021')?.co2Kg).toBeNull();
    expect(later.totals.co2Kg).toBeNull();
    expect(later.missingFactors).toEqual([
      { carrier: 'electricity', year: 2021, note: 'no factor for 2021' },
    ]);
  });
});

describe('who may see it', () => {
  it('answers an area within a district, the map and the open data from the maintained totals', async () => {
    const { facility, meters } = await facilityWithMeters(['electricity', 'natural_gas']);
    const [power, gas] = meters;
    const report = await upload(
      HEAD +
        `${power.code},2023-12-15,2024-01-14,3100,kWh,620\n` +
        `${gas.code},2023-12-01,2023-12-31,4000,kWh,320\n`,
    );
    expect(report.json()).toMatchObject({ stored: true, created: 2 });
    const areas = (
      await get<{ items: { id: number; code: string; parentId: number | null }[] }>('/municipal/areas')
    ).items;
    const area = areas.find((a) => a.id === facility.areaId)?.parentId as number;
    const db = t.platform.database.db;
    const fromMonths = async (where: { area_id?: number; district_id?: number }, year?: number) => {
      let q = db
        .selectFrom('municipal_month')
        .select((eb) => [eb.fn.sum<number>('quantity').as('q'), eb.fn.sum<number>('cost_eur').as('c')]);
      if (where.area_id !== undefined) q = q.where('area_id', '=', where.area_id);
      if (where.district_id !== undefined) q = q.where('district_id', '=', where.district_id);
      if (year !== undefined) q = q.where('year', '=', year);
      const r = await q.executeTakeFirstOrThrow();
      return { energy: Number(r.q), cost: Number(r.c) };
    };
    const within = await get<Summary>(
      `/municipal/summary?level=area&id=${area}&district=${districtId}&from=2023-12&to=2024-01&by=month`,
    );
    const expected = await fromMonths({ area_id: area, district_id: districtId });
    expect(within.totals.energyKWh).toBeCloseTo(expected.energy, 6);
    expect(within.totals.costEur).toBeCloseTo(expected.cost, 6);
    expect(within.children.map((c) => c.id)).toEqual([facility.areaId]);

    const map = await get<{ districts: { id: number; energyKWh: number }[] }>(
      `/municipal/map?level=area&id=${area}&from=2023-12&to=2024-01`,
    );
    expect(map.districts.find((d) => d.id === districtId)?.energyKWh).toBeCloseTo(expected.energy, 6);
    const cityMap = await get<{ districts: { id: number; energyKWh: number }[] }>(
      `/municipal/map?level=city&from=2023-12&to=2024-01`,
    );
    const inDistrict = await db
      .selectFrom('municipal_month')
      .select((eb) => eb.fn.sum<number>('quantity').as('q'))
      .where('district_id', '=', districtId)
      .where('month', '>=', 202312)
      .where('month', '<=', 202401)
      .executeTakeFirstOrThrow();
    expect(cityMap.districts.find((d) => d.id === districtId)?.energyKWh).toBeCloseTo(
      Number(inDistrict.q),
      6,
    );

    type Open = {
      items: { year: number; area: string; carrier: string; quantity: number; costEur: number }[];
    };
    const code = areas.find((a) => a.id === area)?.code;
    const open = (await get<Open>('/public/municipal-energy')).items.filter((r) => r.area === code);
    expect(open.map((r) => [r.year, r.carrier, r.quantity]).sort()).toEqual(
      [
        [2023, 'electricity', 1700],
        [2023, 'natural_gas', 4000],
        [2024, 'electricity', 1400],
      ].sort(),
    );

    // They read the totals, not the months: a total changed by hand shows in all three.
    await db
      .updateTable('municipal_total')
      .set((eb) => ({ quantity: eb('quantity', '+', 1000) }))
      .where('node_id', '=', area)
      .where('level', '=', 'area')
      .where('within', '=', districtId)
      .where('carrier', '=', 'electricity')
      .where('month', '=', 202401)
      .execute();
    const changed = await get<Summary>(
      `/municipal/summary?level=area&id=${area}&district=${districtId}&from=2023-12&to=2024-01&by=month`,
    );
    expect(changed.totals.energyKWh).toBeCloseTo(expected.energy + 1000, 6);
  });

  it('answers municipal technicians and admins, refuses residents, and publishes only aggregates', async () => {
    expect((await t.app.inject({ url: '/api/v1/municipal/summary', headers: tech })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/municipal/summary', headers: admin })).statusCode).toBe(200);
    const resident = await headersAs(t, { roles: ['resident'] });
    expect((await t.app.inject({ url: '/api/v1/municipal/summary', headers: resident })).statusCode).toBe(
      403,
    );
    expect((await t.app.inject({ url: '/api/v1/municipal/facilities', headers: resident })).statusCode).toBe(
      403,
    );
    expect((await t.app.inject({ url: '/api/v1/municipal/summary' })).statusCode).toBe(401);
    const open = await t.app.inject({ url: '/api/v1/public/municipal-energy' });
    expect(open.statusCode).toBe(200);
    expect(open.body).not.toMatch(/ES\d{16}/);
    expect(Object.keys(open.json().items[0] ?? {}).sort()).toEqual(
      ['area', 'areaName', 'carrier', 'co2Kg', 'costEur', 'quantity', 'unit', 'year'].sort(),
    );
    const csv = await t.app.inject({ url: '/api/v1/public/municipal-energy?format=csv' });
    expect(csv.headers['content-type']).toContain('text/csv');
  });
});
