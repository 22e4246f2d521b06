import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InputReport, Measure } from '#common/api/kpi.ts';
import { MIN_TIME } from '../../timeseries/timeseries-io.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { insertBuilding } from '../registry/buildings.store.ts';
import { insertDistrict } from '../registry/districts.store.ts';
import { insertDwelling } from '../registry/dwellings.store.ts';
import { assignGateway } from '../registry/gateways.store.ts';
import { ensureGateway } from '../../places/places.store.ts';
import type { ComfortDay, ComfortSource } from './comfort.calculator.ts';
import { KPI_JOBS } from './kpi.jobs.ts';
import { monthPeriod, yearPeriod } from './kpi-periods.ts';

const ZONE = 'Europe/Madrid';
const Y2025 = yearPeriod(2025, ZONE);
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

let t: TestPlatform;
let kpiUser: Record<string, string>;
let admin: Record<string, string>;
let districtId: number;
let districtCode: string;
let serial = 0;

beforeAll(async () => {
  t = await openTestPlatform();
  kpiUser = await headersAs(t, { roles: ['kpi'] });
  admin = await headersAs(t, { roles: ['admin'] });
  districtCode = `KPI-D-${Date.now()}`;
  districtId = await insertDistrict(
    t.platform.database.db,
    {
      code: districtCode,
      name: 'KPI test district',
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

/** A building of the registry, as its characterisation gives it. */
async function building(
  code: string,
  carriers: { carrier1?: string; area1?: number; carrier2?: string; area2?: number } = {},
): Promise<number> {
  return insertBuilding(
    t.platform.database.db,
    {
      district_id: districtId,
      code,
      address: `${code} street`,
      latitude: 42.85,
      longitude: -2.67,
      carrier1: carriers.carrier1 ?? null,
      area1_m2: carriers.area1 ?? null,
      carrier2: carriers.carrier2 ?? null,
      area2_m2: carriers.area2 ?? null,
      floors: 5,
      features: {},
    },
    Date.now(),
  );
}

/** Twelve monthly records of a carrier in 2025, mid-month, adding up to `kWh`. */
const monthly = (prefix: string, code: string, carrier: string, kWh: number) =>
  Array.from({ length: 12 }, (_, m) => ({
    thermal_measurement_id: `${prefix}-${m + 1}`,
    timestamp: Date.UTC(2025, m, 15) / 1000,
    value: kWh / 12,
    resource_id: code,
    carrier,
  }));

const postThermal = (records: unknown[], query = '', headers = kpiUser) =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/kpi/thermal-measurements${query}`,
    headers,
    payload: { records },
  });

async function measures(query: string, headers = kpiUser): Promise<Measure[]> {
  const res = await t.app.inject({ url: `/api/v1/measures?limit=500&${query}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items;
}

/** The yearly 2025 value of a KPI for a building and breakdown. */
async function yearly(kpi: string, code: string, breakdown = ''): Promise<Measure | undefined> {
  const items = await measures(
    `kpi=${kpi}&resource=${encodeURIComponent(code)}&granularity=year&breakdown=${breakdown}&from=${Y2025.start}&to=${Y2025.end}`,
  );
  return items.find((m) => m.periodStart === Y2025.start);
}

/** A multipart/form-data body with one file field, as a browser's upload form sends it. */
function multipart(filename: string, type: string, content: Buffer) {
  const boundary = `----ciop${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {
    payload: Buffer.concat([Buffer.from(head), content, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

async function xlsx(rows: (string | number | null)[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('values');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('the worked examples, over HTTP', () => {
  it('a gas-heated building of 600 m² that used 60,000 kWh of gas: 100 kWh/m², 119.5 kWh/m² primary, 25.2 kg CO2/m²', async () => {
    await building('WX-GAS-600', { carrier1: 'natural_gas', area1: 600 });
    const res = await postThermal(monthly('wx-gas', 'WX-GAS-600', 'natural_gas', 60_000));
    expect(res.statusCode, res.body).toBe(200);
    const report: InputReport = res.json();
    expect(report).toMatchObject({ rows: 12, stored: true, created: 12, updated: 0, rejected: 0 });
    expect(report.recomputed).toMatchObject({ buildings: 1, years: [2025] });

    expect((await yearly('EN_FINAL_M2', 'WX-GAS-600', 'natural_gas'))?.value).toBeCloseTo(100, 9);
    expect((await yearly('EN_PRIMARY_M2', 'WX-GAS-600', 'natural_gas'))?.value).toBeCloseTo(119.5, 9);
    expect((await yearly('EN_CO2_M2', 'WX-GAS-600', 'natural_gas'))?.value).toBeCloseTo(25.2, 9);
    expect((await yearly('EN_PRIMARY', 'WX-GAS-600'))?.value).toBeCloseTo(71_700, 6);

    // The measure says where it came from: the calculator, its inputs and the factor used.
    const primary = await yearly('EN_PRIMARY', 'WX-GAS-600', 'natural_gas');
    expect(primary?.provenance).toMatchObject({
      source: 'calculator',
      calculator: 'energy',
      inputs: { E_kWh: 60_000, f_tot: 1.195 },
    });
    expect(primary?.provenance.inputsVersion).toMatch(/^energy@1:[0-9a-f]{16}$/);
    const final = await yearly('EN_FINAL', 'WX-GAS-600', 'natural_gas');
    expect(final?.provenance.inputs).toMatchObject({
      E_kWh: 60_000,
      source: 'records',
      records: 12,
      months: 12,
    });
    // Months too, for the load curves.
    const march = monthPeriod(202503, ZONE);
    const months = await measures(`kpi=EN_FINAL&resource=WX-GAS-600&granularity=month&breakdown=`);
    expect(months).toHaveLength(12);
    expect(months.find((m) => m.periodStart === march.start)?.value).toBeCloseTo(5000, 6);
  });

  it('a two-carrier building (gas and electricity over 1,000 m², from a CSV file)', async () => {
    await building('WX-TWO-1000', {
      carrier1: 'natural_gas',
      area1: 1000,
      carrier2: 'electricity',
      area2: 1000,
    });
    const rows = [
      ...monthly('wx-two-gas', 'WX-TWO-1000', 'Gas natural', 80_000),
      ...monthly('wx-two-el', 'WX-TWO-1000', 'electricity', 20_000),
    ];
    const csv = [
      'thermal_measurement_id;timestamp;value;resource_id;carrier',
      ...rows.map((r) =>
        [
          r.thermal_measurement_id,
          r.timestamp,
          String(r.value).replace('.', ','),
          r.resource_id,
          r.carrier,
        ].join(';'),
      ),
    ].join('\n');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/kpi/thermal-measurements/import',
      headers: { ...kpiUser, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ rows: 24, stored: true, created: 24, rejected: 0 });
    expect((await yearly('EN_PRIMARY', 'WX-TWO-1000'))?.value).toBeCloseTo(142_960, 4);
    expect((await yearly('EN_PRIMARY_M2', 'WX-TWO-1000'))?.value).toBeCloseTo(142.96, 6);
    expect((await yearly('EN_PRIMARY_NREN', 'WX-TWO-1000'))?.value).toBeCloseTo(134_280, 4);
    expect((await yearly('EN_CO2_M2', 'WX-TWO-1000'))?.value).toBeCloseTo(26.78, 6);
    expect((await yearly('EN_CARRIER_SHARE', 'WX-TWO-1000', 'electricity'))?.value).toBeCloseTo(20, 6);
    // Totals across the two worked examples follow the filters.
    const totals = await t.app.inject({
      url: `/api/v1/measures/totals?kpi=EN_FINAL&resource=WX-GAS-600&resource=WX-TWO-1000&granularity=year&breakdown=`,
      headers: kpiUser,
    });
    expect(totals.json()).toMatchObject({
      unit: 'kWh',
      aggregation: 'sum',
      items: [{ periodStart: Y2025.start, breakdown: '', resources: 2 }],
    });
    expect(totals.json().items[0].value).toBeCloseTo(160_000, 4);
  });
});

describe('thermal energy records', () => {
  it('are stored once per thermal_measurement_id: a repeat changes nothing, a correction recomputes', async () => {
    await building('TH-IDEM', { carrier1: 'natural_gas', area1: 100 });
    const records = monthly('th-idem', 'TH-IDEM', 'natural_gas', 12_000);
    expect((await postThermal(records)).json()).toMatchObject({ created: 12 });
    const again = (await postThermal(records)).json();
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 12, stored: true });
    expect(again.recomputed).toBeUndefined();
    expect((await yearly('EN_FINAL', 'TH-IDEM'))?.value).toBeCloseTo(12_000, 6);
    const corrected = (await postThermal([{ ...records[0], value: 3000 }])).json();
    expect(corrected).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    expect((await yearly('EN_FINAL', 'TH-IDEM'))?.value).toBeCloseTo(14_000, 6);
    const listed = await t.app.inject({
      url: '/api/v1/kpi/thermal-measurements?building=TH-IDEM&limit=5',
      headers: kpiUser,
    });
    expect(listed.json().items).toHaveLength(5);
    expect(listed.json().next).toBeDefined();
  });

  it('report every bad row, store nothing without confirmation, and the good rows with it', async () => {
    await building('TH-BAD', { carrier1: 'district_heating', area1: 400 });
    const good = {
      thermal_measurement_id: 'th-bad-1',
      timestamp: Date.UTC(2025, 0, 10) / 1000,
      value: 4000,
      resource_id: 'TH-BAD',
      carrier: 'district_heating',
    };
    const records = [
      good,
      { ...good, thermal_measurement_id: 'th-bad-2', resource_id: 'NO-SUCH-BUILDING' },
      { ...good, thermal_measurement_id: 'th-bad-3', carrier: 'coal' },
      { ...good, thermal_measurement_id: 'th-bad-4', timestamp: Date.UTC(2025, 0, 10) },
      { ...good, thermal_measurement_id: 'th-bad-5', value: -5 },
      { ...good, thermal_measurement_id: 'th-bad-1' },
      { ...good, thermal_measurement_id: 'th-bad-7', timestamp: Date.UTC(2025, 1, 10) / 1000 },
    ];
    const refused: InputReport = (await postThermal(records)).json();
    expect(refused).toMatchObject({ rows: 7, stored: false, created: 2, rejected: 5 });
    expect(refused.problems.map((p) => [p.row, p.column])).toEqual([
      [2, 'resource_id'],
      [3, 'carrier'],
      [4, 'timestamp'],
      [5, 'value'],
      [6, 'thermal_measurement_id'],
    ]);
    expect(refused.problems[0].reason).toMatch(/no building has this code/);
    expect(refused.problems[4].reason).toMatch(/already on row 1/);
    expect(refused.note).toMatch(/nothing was stored.*confirm=true/);
    expect(await measures('resource=TH-BAD')).toEqual([]);

    const dry = (await postThermal(records, '?confirm=true&dryRun=true')).json();
    expect(dry).toMatchObject({ stored: false, rejected: 5 });
    expect(await measures('resource=TH-BAD')).toEqual([]);

    const confirmed: InputReport = (await postThermal(records, '?confirm=true')).json();
    expect(confirmed).toMatchObject({ stored: true, created: 2, rejected: 5 });
    // District heating takes the network's declared factor (CIOP_KPI_DISTRICT_HEATING_FACTORS).
    const primary = await yearly('EN_PRIMARY', 'TH-BAD', 'district_heating');
    expect(primary?.value).toBeCloseTo(8000 * (1.003 + 0.034), 6);
    expect(primary?.provenance.inputs).toMatchObject({ factor: 'configuration' });
  });
});

describe('thermal energy records at impossible times', () => {
  it('are refused with 400 naming the record and the field, by JSON; by file, reported as bad rows', async () => {
    await building('TH-TIME', { carrier1: 'natural_gas', area1: 100 });
    const good = monthly('th-time', 'TH-TIME', 'natural_gas', 1200)[0];
    for (const timestamp of [1e308, -1e308, 8_640_000_000_001]) {
      const res = await postThermal([good, { ...good, thermal_measurement_id: 'th-time-x', timestamp }]);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().detail).toContain('records.1.timestamp');
    }
    const csv = `thermal_measurement_id,timestamp,value,resource_id,carrier\nth-time-f,1${'0'.repeat(308)},10,TH-TIME,natural_gas\n`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/kpi/thermal-measurements/import',
      headers: { ...kpiUser, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ stored: false, rejected: 1 });
    expect(res.json().problems[0]).toMatchObject({ row: 2, column: 'timestamp' });
    expect(res.json().problems[0].reason).toMatch(/^out of range/);
  });
});

describe('KPI values entered by hand', () => {
  it('reports each bad row, stores the good ones on confirmation, and traces them to the file', async () => {
    await building('LCA-1', { carrier1: 'natural_gas', area1: 500 });
    const file = await xlsx([
      ['KPI', 'Resource', 'PeriodStart', 'PeriodEnd', 'Value', 'Breakdown'],
      ['LCA_GWP', 'LCA-1', 2015, null, 48.5, null],
      ['lca_gwp', 'LCA-1', '2024-01', '2024-12', '31,2', null],
      ['NO_SUCH_KPI', 'LCA-1', 2024, null, 1, null],
      ['EN_FINAL', 'LCA-1', 2024, null, 1, null],
      ['LCA_GWP', 'NOT-A-BUILDING', 2024, null, 1, null],
      ['LCA_GWP', 'LCA-1', 'last year', null, 1, null],
      ['LCA_GWP', 'LCA-1', 2024, 2023, 1, null],
      ['SO_SATISFACTION', districtCode, '2024-06-01', '2024-06-30', 'many', null],
      ['MO_CO2_AVOIDED', 'BUS-1234-KPI', 2025, null, 12_500, null],
      ['LCA_GWP', 'LCA-1', '2024-01-01', '2024-12-31', 30, null],
    ]);
    const form = multipart('lca-2024.xlsx', XLSX_TYPE, file);
    const upload = (query: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/measures/import${query}`,
        headers: { ...kpiUser, ...form.headers },
        payload: form.payload,
      });
    const refused: InputReport = (await upload('')).json();
    expect(refused).toMatchObject({ rows: 10, stored: false, rejected: 7 });
    expect(refused.problems.map((p) => [p.row, p.column])).toEqual([
      [7, 'PeriodStart'],
      [8, 'PeriodEnd'],
      [9, 'Value'],
      [4, 'KPI'],
      [5, 'KPI'],
      [6, 'Resource'],
      [11, 'KPI'],
    ]);
    expect(refused.problems.find((p) => p.row === 5)?.reason).toMatch(/computed by CIOP’s energy calculator/);
    expect(refused.problems.find((p) => p.row === 11)?.reason).toMatch(
      /same KPI, resource and period as row 3/,
    );
    expect(await measures('kpi=LCA_GWP&resource=LCA-1')).toEqual([]);

    const stored: InputReport = (await upload('?confirm=true')).json();
    expect(stored).toMatchObject({ stored: true, created: 3, rejected: 7 });
    const lca = await measures('kpi=LCA_GWP&resource=LCA-1');
    expect(lca.map((m) => [m.value, m.granularity])).toEqual([
      [48.5, 'year'],
      [31.2, 'year'],
    ]);
    expect(lca[1].provenance).toMatchObject({
      source: 'import',
      file: 'lca-2024.xlsx, row 3',
      by: 'test kpi',
    });
    expect(lca[1].periodStart).toBe(yearPeriod(2024, ZONE).start);
    expect(lca[1].periodEnd).toBe(yearPeriod(2024, ZONE).end);
    // The same file again: nothing changes.
    expect((await upload('?confirm=true')).json()).toMatchObject({ created: 0, updated: 0, unchanged: 3 });
  });
});

describe('the catalogue', () => {
  it('ships the energy, comfort and ICT KPIs, and evaluators add their own', async () => {
    const energy = (
      await t.app.inject({ url: '/api/v1/kpis?pillar=energy&limit=500', headers: kpiUser })
    ).json();
    expect(energy.items.map((k: { code: string }) => k.code)).toEqual(
      expect.arrayContaining([
        'EN_FINAL',
        'EN_PRIMARY',
        'EN_PRIMARY_NREN',
        'EN_CO2',
        'EN_CARRIER_SHARE',
        'EN_PRIMARY_M2',
      ]),
    );
    const pmv = (await t.app.inject({ url: '/api/v1/kpis/CF_PMV', headers: kpiUser })).json();
    expect(pmv).toMatchObject({
      pillar: 'comfort',
      scope: 'building',
      method: 'calculated',
      calculator: 'comfort',
    });
    expect(pmv.name.eu).toBe('Batez besteko PMV');
    const body = {
      code: 'SO_WORKSHOPS',
      pillar: 'social',
      unit: 'count',
      scope: 'district',
      name: { en: 'Workshops held', es: 'Talleres celebrados', eu: 'Egindako tailerrak' },
      description: {
        en: 'Workshops with residents.',
        es: 'Talleres con residentes.',
        eu: 'Bizilagunekin tailerrak.',
      },
      lowerIsBetter: false,
      period: 'year',
    };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/kpis',
      headers: kpiUser,
      payload: body,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ method: 'input', aggregation: 'sum', public: false });
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/kpis', headers: kpiUser, payload: body }))
        .statusCode,
    ).toBe(409);
    const patched = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/kpis/SO_WORKSHOPS',
      headers: kpiUser,
      payload: { public: true },
    });
    expect(patched.json().public).toBe(true);
    expect((await t.app.inject({ url: '/api/v1/kpis/NOPE_NOPE', headers: kpiUser })).statusCode).toBe(404);
  });

  it('refuses an upload whose multipart body cannot be read, saying so', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/measures/import',
      headers: { ...kpiUser, 'content-type': 'multipart/form-data; boundary=abc' },
      payload:
        '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nKPI\r\n--xyz--\r\n',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/multipart body cannot be read/);
  });
});

describe('external calculators', () => {
  it('write measures in bulk with a kpi:write token: checked whole, upserted by key', async () => {
    const machine = await headersAs(t, { scopes: ['kpi:write'] });
    const measure = {
      kpi: 'MO_DISTANCE',
      resource: '1234-BUS',
      periodStart: Y2025.start,
      periodEnd: Y2025.end,
      value: 48_000,
      provenance: { calculator: 'bus-operator', inputsVersion: '2025-12-31' },
    };
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/measures/bulk',
      headers: machine,
      payload: {
        measures: [measure, { ...measure, kpi: 'EN_PRIMARY' }, { ...measure, periodEnd: 0 }, measure],
      },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { where: string }) => e.where)).toEqual([
      'measures[1].kpi',
      'measures[2].periodEnd',
      'measures[3]',
    ]);
    expect(await measures('kpi=MO_DISTANCE')).toEqual([]);

    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/measures/bulk',
      headers: machine,
      payload: { measures: [measure] },
    });
    expect(ok.json()).toEqual({ created: 1, updated: 0 });
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/measures/bulk',
      headers: machine,
      payload: { measures: [{ ...measure, value: 49_000 }] },
    });
    expect(again.json()).toEqual({ created: 0, updated: 1 });
    const [stored] = await measures('kpi=MO_DISTANCE');
    expect(stored).toMatchObject({
      value: 49_000,
      provenance: { source: 'external', calculator: 'bus-operator', inputsVersion: '2025-12-31' },
    });
    // A token that only reads cannot write; a kpi:write token cannot touch the registry.
    const reader = await headersAs(t, { scopes: ['read'] });
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/measures/bulk',
          headers: reader,
          payload: { measures: [measure] },
        })
      ).statusCode,
    ).toBe(403);
    expect((await t.app.inject({ url: '/api/v1/measures', headers: reader })).statusCode).toBe(200);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/districts',
          headers: machine,
          payload: { code: 'X', name: 'X' },
        })
      ).statusCode,
    ).toBe(403);
  });
});

describe('conversion factors', () => {
  it('are Spain’s RITE 2014 values to begin with, and the configured district heating factor', async () => {
    const items = (await t.app.inject({ url: '/api/v1/kpi/factors', headers: kpiUser })).json().items;
    const of = (carrier: string) =>
      items.find(
        (f: { carrier: string; id: number | null }) => f.carrier === carrier && f.id !== null && f.id <= 7,
      );
    expect(of('electricity')).toMatchObject({
      region: 'ES-peninsular',
      renewable: 0.414,
      nonRenewable: 1.954,
      total: 2.368,
      co2: 0.331,
    });
    expect(of('natural_gas')).toMatchObject({
      renewable: 0.005,
      nonRenewable: 1.19,
      total: 1.195,
      co2: 0.252,
    });
    expect(of('heating_oil')).toMatchObject({
      renewable: 0.003,
      nonRenewable: 1.179,
      total: 1.182,
      co2: 0.311,
    });
    expect(of('lpg')).toMatchObject({ renewable: 0.003, nonRenewable: 1.201, total: 1.204, co2: 0.254 });
    expect(of('biomass')).toMatchObject({ renewable: 1.003, nonRenewable: 0.034, total: 1.037, co2: 0.018 });
    expect(of('pellets')).toMatchObject({ renewable: 1.028, nonRenewable: 0.085, total: 1.113, co2: 0.018 });
    expect(of('solar_thermal')).toMatchObject({ renewable: 1, nonRenewable: 0, total: 1, co2: 0 });
    expect(items.find((f: { id: number | null }) => f.id === null)).toMatchObject({
      carrier: 'district_heating',
      total: 1.037,
    });
  });

  it('change without recomputation: stored KPIs keep the factor they were computed with', async () => {
    await building('FX-LPG', { carrier1: 'lpg', area1: 200 });
    await postThermal(monthly('fx-lpg', 'FX-LPG', 'lpg', 10_000));
    expect((await yearly('EN_PRIMARY', 'FX-LPG'))?.value).toBeCloseTo(12_040, 6);
    const lpg = (await t.app.inject({ url: '/api/v1/kpi/factors', headers: kpiUser }))
      .json()
      .items.find((f: { carrier: string }) => f.carrier === 'lpg');
    // Evaluators read factors; only admins change them.
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/kpi/factors/${lpg.id}`,
          headers: kpiUser,
          payload: { total: 1.3, nonRenewable: 1.297, recompute: false },
        })
      ).statusCode,
    ).toBe(403);
    // A total that is not renewable + non-renewable is refused.
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/kpi/factors/${lpg.id}`,
          headers: admin,
          payload: { total: 1.3, recompute: false },
        })
      ).statusCode,
    ).toBe(400);
    // The choice must be made: recompute is required.
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/api/v1/kpi/factors/${lpg.id}`,
          headers: admin,
          payload: { total: 1.3, nonRenewable: 1.297 },
        })
      ).statusCode,
    ).toBe(400);
    const kept = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/kpi/factors/${lpg.id}`,
      headers: admin,
      payload: { total: 1.3, nonRenewable: 1.297, source: 'Revised', recompute: false },
    });
    expect(kept.statusCode, kept.body).toBe(200);
    expect(kept.json()).toMatchObject({ factor: { total: 1.3, updatedBy: 'test admin' }, recomputed: 0 });
    expect(kept.json().kept).toBeGreaterThan(0);
    const stale = await yearly('EN_PRIMARY', 'FX-LPG', 'lpg');
    expect(stale?.value).toBeCloseTo(12_040, 6);
    expect(stale?.provenance.inputs).toMatchObject({ f_tot: 1.204 });
    const event = (
      await t.app.inject({ url: '/api/v1/admin/audit?action=kpi.factor_changed', headers: admin })
    ).json().items[0];
    expect(event.detail).toMatchObject({ before: { total: 1.204 }, after: { total: 1.3 }, recompute: false });

    // With recomputation: the calculator runs again with the new values.
    const redone = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/kpi/factors/${lpg.id}`,
      headers: admin,
      payload: { co2: 0.26, recompute: true },
    });
    expect(redone.json().recomputed).toBeGreaterThan(0);
    const fresh = await yearly('EN_PRIMARY', 'FX-LPG', 'lpg');
    expect(fresh?.value).toBeCloseTo(13_000, 6);
    expect(fresh?.provenance.inputs).toMatchObject({ f_tot: 1.3 });
    expect((await yearly('EN_CO2', 'FX-LPG'))?.value).toBeCloseTo(2600, 6);
    expect(fresh?.provenance.inputsVersion).not.toBe(stale?.provenance.inputsVersion);
  });

  it('a new factor with a validity period applies from then on', async () => {
    await building('FX-OIL', { carrier1: 'heating_oil', area1: 100 });
    await postThermal(monthly('fx-oil', 'FX-OIL', 'heating_oil', 1200));
    const july = monthPeriod(202507, ZONE).start;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/kpi/factors',
      headers: admin,
      payload: {
        carrier: 'heating_oil',
        region: 'ES',
        validFrom: july,
        renewable: 0,
        nonRenewable: 1.5,
        total: 1.5,
        co2: 0.3,
        source: 'A test revision',
        recompute: true,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    // Six months at 1.182 and six at 1.5.
    expect((await yearly('EN_PRIMARY', 'FX-OIL'))?.value).toBeCloseTo(600 * 1.182 + 600 * 1.5, 6);
  });
});

describe('electricity from the dwellings’ energy meters', () => {
  it('is what /readings/group gives for the building, times its meters, over the metered dwellings’ area', async () => {
    const db = t.platform.database.db;
    const buildingId = await building('EL-METERS', {
      carrier1: 'natural_gas',
      area1: 600,
      carrier2: 'electricity',
      area2: 600,
    });
    const meter = async (label: string, area: number, readings: [Date, number][]) => {
      const dwellingId = await insertDwelling(
        db,
        { building_id: buildingId, label, floor: 1, area_m2: area },
        Date.now(),
      );
      const sn = `E1EC${String(++serial).padStart(12, '0')}`;
      const gatewayId = await ensureGateway(db, sn, Date.now());
      await assignGateway(db, gatewayId, dwellingId, MIN_TIME, Date.now());
      await t.platform.ingest.writeJson(
        readings.map(([at, value]) => ({
          sn,
          channel: '2',
          device: '1',
          medium: 'energy',
          ts: at.getTime(),
          value,
        })),
      );
    };
    await meter('1A', 70, [
      [new Date('2025-03-01T12:00:00Z'), 1000],
      [new Date('2025-03-20T12:00:00Z'), 1300],
      [new Date('2025-04-10T12:00:00Z'), 1500],
    ]);
    await meter('1B', 80, [
      [new Date('2025-03-05T12:00:00Z'), 50],
      [new Date('2025-03-25T12:00:00Z'), 150],
    ]);
    await t.platform.engine.flush();
    // The scheduled job follows the change feed to the buildings whose meters changed.
    await t.platform.scheduler.run(KPI_JOBS.energy);
    const electricity = await yearly('EN_FINAL', 'EL-METERS', 'electricity');
    // March: 300 + 100 kWh; April: 200 kWh.
    expect(electricity?.value).toBeCloseTo(600, 6);
    expect(electricity?.provenance.inputs).toMatchObject({ source: 'meters', meters: 2 });
    expect((await yearly('EN_FINAL_M2', 'EL-METERS', 'electricity'))?.value).toBeCloseTo(600 / 150, 9);
    const april = (
      await measures('kpi=EN_FINAL&resource=EL-METERS&granularity=month&breakdown=electricity')
    ).find((m) => m.periodStart === monthPeriod(202504, ZONE).start);
    expect(april?.value).toBeCloseTo(200, 6);

    // Electricity records of the building win over its meters.
    await postThermal([
      {
        thermal_measurement_id: 'el-bill-1',
        timestamp: Date.UTC(2025, 5, 30) / 1000,
        value: 9000,
        resource_id: 'EL-METERS',
        carrier: 'electricity',
      },
    ]);
    const billed = await yearly('EN_FINAL', 'EL-METERS', 'electricity');
    expect(billed?.value).toBeCloseTo(9000, 6);
    expect(billed?.provenance.inputs).toMatchObject({ source: 'records', records: 1 });
    expect((await yearly('EN_FINAL_M2', 'EL-METERS', 'electricity'))?.value).toBeCloseTo(15, 9);
  });
});

describe('on-demand recomputation', () => {
  it('recomputes a building and the years a period touches; a building without comfort points has no comfort measures', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/kpi/recompute',
      headers: kpiUser,
      payload: { building: 'WX-GAS-600', from: Y2025.start, to: Y2025.end },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      buildings: 1,
      years: [2025],
      measures: { energy: expect.any(Number), comfort: 0 },
    });
    // Stored comfort is wired in; this building has no comfort points, so nothing is made up.
    expect(res.json().notes).not.toContain(
      'No stored comfort is available yet: the comfort KPIs have no data.',
    );
    expect((await yearly('EN_PRIMARY_M2', 'WX-GAS-600', 'natural_gas'))?.value).toBeCloseTo(119.5, 9);
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/kpi/recompute',
      headers: kpiUser,
      payload: { building: 'NOPE', from: Y2025.start, to: Y2025.end },
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('computes comfort KPIs from stored comfort once a comfort source is wired', async () => {
    const buildingId = await building('CF-1', { carrier1: 'natural_gas', area1: 300 });
    const jan = monthPeriod(202501, ZONE);
    // Two days of January: 10 point-hours at PMV −0.2 (all category I), 30 at PMV −0.6 (all III).
    const days: ComfortDay[] = [
      {
        start: jan.start,
        end: jan.start + 86_400_000,
        hours: 10,
        pmv: -0.2,
        ppd: 5.8,
        categories: { I: 1, II: 0, III: 0, outside: 0 },
      },
      {
        start: jan.start + 86_400_000,
        end: jan.start + 2 * 86_400_000,
        hours: 30,
        pmv: -0.6,
        ppd: 12.5,
        categories: { I: 0, II: 0, III: 1, outside: 0 },
      },
    ];
    // The comfort store is another module; this stands in for its building averages.
    const source: ComfortSource = {
      available: true,
      buildingDays: async (id, from, to) =>
        id === buildingId ? days.filter((d) => d.start >= from && d.start < to) : [],
    };
    t.platform.kpi.calculators.useComfort(source);
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/kpi/recompute',
        headers: kpiUser,
        payload: { building: 'CF-1', from: Y2025.start, to: Y2025.end, calculators: ['comfort'] },
      });
      expect(res.json().measures.comfort).toBe(12);
      // (10 × −0.2 + 30 × −0.6) / 40 = −0.5; PPD (58 + 375) / 40 = 10.825 %
      expect((await yearly('CF_PMV', 'CF-1'))?.value).toBeCloseTo(-0.5, 9);
      expect((await yearly('CF_PPD', 'CF-1'))?.value).toBeCloseTo(10.825, 9);
      expect((await yearly('CF_CATEGORY_SHARE', 'CF-1', 'I'))?.value).toBeCloseTo(25, 9);
      expect((await yearly('CF_CATEGORY_SHARE', 'CF-1', 'III'))?.value).toBeCloseTo(75, 9);
      const summary = (await t.app.inject({ url: '/api/v1/kpi/summary?year=2025', headers: kpiUser })).json();
      expect(summary.comfort).toEqual({ available: true, buildings: 1 });
    } finally {
      t.platform.kpi.calculators.useComfort({ available: false, buildingDays: async () => [] });
    }
  });
});

describe('the platform’s own ICT KPIs', () => {
  it('are measured on itself: response times, availability, services, APIs, media, data volume, ingest rate', async () => {
    for (let i = 0; i < 5; i++) await t.app.inject({ url: '/api/v1/kpis/pillars', headers: kpiUser });
    const now = Date.now();
    await t.platform.scheduler.run(KPI_JOBS.ict, now);
    const today = await measures(`pillar=ict&granularity=day&from=${now - 1}&to=${now + 1}`);
    const value = (kpi: string) => today.find((m) => m.kpi === kpi)?.value;
    expect(value('ICT_API_P50')).toBeGreaterThan(0);
    expect(value('ICT_API_P95')).toBeGreaterThanOrEqual(value('ICT_API_P50') as number);
    expect(value('ICT_AVAILABILITY')).toBe(100);
    expect(value('ICT_APIS')).toBeGreaterThan(40);
    expect(value('ICT_SERVICES')).toBeGreaterThan(10);
    expect(today.find((m) => m.kpi === 'ICT_SERVICES')?.provenance.inputs.services).toContain('measures');
    expect(value('ICT_MEASUREMENT_TYPES')).toBeGreaterThanOrEqual(5);
    expect(value('ICT_DATA_VOLUME')).toBeGreaterThan(0);
    expect(value('ICT_INGEST_RATE')).toBeGreaterThanOrEqual(0);
    // Running again replaces the day's values rather than adding to them.
    await t.platform.scheduler.run(KPI_JOBS.ict, now + 60_000);
    expect(await measures(`kpi=ICT_APIS&from=${now - 1}&to=${now + 1}`)).toHaveLength(1);
  });
});

describe('dashboards, exports and the public subset', () => {
  it('the summary gives the year’s buildings, primary energy and carriers; no mobility data says null', async () => {
    const summary = (await t.app.inject({ url: '/api/v1/kpi/summary', headers: kpiUser })).json();
    expect(summary.year).toBe(2025);
    expect(summary.primaryEnergy).toBeGreaterThan(71_700 + 142_960);
    const gas = summary.buildings.find((b: { code: string }) => b.code === 'WX-GAS-600');
    expect(gas).toMatchObject({
      primaryEnergy: expect.closeTo(71_700, 4),
      primaryEnergyPerM2: expect.closeTo(119.5, 6),
      pmv: null,
    });
    expect(summary.carriers.map((c: { carrier: string }) => c.carrier)).toContain('natural_gas');
    expect(summary.carriers.reduce((s: number, c: { share: number }) => s + c.share, 0)).toBeCloseTo(1, 9);
    expect(summary.pillars.find((p: { pillar: string }) => p.pillar === 'economic').measures).toBe(0);
  });

  it('exports the filtered measures as CSV and XLSX, and the CSV of input KPIs imports back', async () => {
    const csv = await t.app.inject({ url: '/api/v1/measures/export?kpi=LCA_GWP&lang=es', headers: kpiUser });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="ciop-kpi-.*\.csv"/);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toMatch(
      /^KPI,Name,Pillar,Unit,Resource,Breakdown,PeriodStart,PeriodEnd,Granularity,Value,/,
    );
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 10).join(','))).toContain(
      'LCA_GWP,Potencial de calentamiento global (ciclo de vida),environmental,kg CO2-eq/m²,LCA-1,,2024-01-01,2024-12-31,year,31.2',
    );
    const back = await t.app.inject({
      method: 'POST',
      url: '/api/v1/measures/import',
      headers: { ...kpiUser, 'content-type': 'text/csv' },
      payload: csv.rawPayload,
    });
    expect(back.json()).toMatchObject({ rejected: 0, unchanged: 2, created: 0 });

    const xlsxRes = await t.app.inject({
      url: '/api/v1/measures/export?format=xlsx&kpi=EN_FINAL&granularity=year&resource=WX-GAS-600',
      headers: kpiUser,
    });
    expect(xlsxRes.headers['content-type']).toBe(XLSX_TYPE);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsxRes.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    expect(sheet.getRow(1).getCell(1).value).toBe('KPI');
    expect(sheet.rowCount).toBe(3); // the whole and natural gas
    expect(sheet.getRow(2).getCell(10).value).toBeCloseTo(60_000, 6);
    const events = (
      await t.app.inject({ url: '/api/v1/admin/audit?action=data.export', headers: admin })
    ).json().items;
    expect(events[0]).toMatchObject({
      action: 'data.export',
      actor: { name: 'test kpi' },
      detail: { format: 'xlsx', rows: 2 },
    });
  });

  it('the public subset aggregates the public KPIs, and the portal prefers the KPI store', async () => {
    const res = await t.app.inject({ url: '/api/v1/public/kpis' });
    expect(res.statusCode).toBe(200);
    const primary = res.json().items.find((i: { code: string }) => i.code === 'EN_PRIMARY');
    expect(primary.latest).toMatchObject({ periodStart: Y2025.start, aggregation: 'sum' });
    expect(primary.latest.resources).toBeGreaterThanOrEqual(5);
    // Only public KPIs, never a single building.
    expect(res.json().items.map((i: { code: string }) => i.code)).not.toContain('EN_FINAL_M2');
    expect(JSON.stringify(res.json())).not.toContain('WX-GAS-600');

    await t.app.inject({
      method: 'POST',
      url: '/api/v1/measures/bulk',
      headers: kpiUser,
      payload: {
        measures: [
          {
            kpi: 'MO_CO2_AVOIDED',
            resource: '9999-EV',
            periodStart: Y2025.start,
            periodEnd: Y2025.end,
            value: 2000,
            provenance: { calculator: 'test', inputsVersion: '1' },
          },
        ],
      },
    });
    const summary = await t.platform.portal.refresh();
    expect(summary.electricity.consumption.source).toBe('kpi-store');
    // EL-METERS' 9,000 kWh and WX-TWO-1000's 20,000 kWh of electricity in 2025.
    expect(summary.electricity.consumption.value).toBeCloseTo(29_000, 0);
    expect(summary.electricity.primaryEnergy.value).toBeCloseTo(29_000 * 2.368, 0);
    expect(summary.electricity.period.from).toBe(Y2025.start);
    expect(summary.busCo2Avoided).toEqual({ value: 14_500, unit: 'kg CO2', source: 'kpi-store' });
  });
});

describe('access', () => {
  it('is for KPI evaluators and admins; other roles and restricted tokens are refused', async () => {
    for (const role of ['resident', 'installer', 'esco', 'municipal', 'transport', 'planner'] as const) {
      const headers = await headersAs(t, { roles: [role] });
      expect((await t.app.inject({ url: '/api/v1/measures', headers })).statusCode, role).toBe(403);
      expect((await t.app.inject({ url: '/api/v1/kpi/summary', headers })).statusCode, role).toBe(403);
    }
    expect((await t.app.inject({ url: '/api/v1/measures' })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/measures', headers: admin })).statusCode).toBe(200);
    const [place] = await t.platform.database.db.selectFrom('building').select('id').limit(1).execute();
    const restricted = await headersAs(t, { scopes: ['read'], buildingIds: [place.id] });
    expect((await t.app.inject({ url: '/api/v1/measures', headers: restricted })).statusCode).toBe(403);
  });
});
