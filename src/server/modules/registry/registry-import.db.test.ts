import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headersAs } from '../../testing/principals.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A multipart/form-data body with one file field, as a browser's upload form sends it. */
function multipart(filename: string, type: string, content: Buffer): { body: Buffer; contentType: string } {
  const boundary = `----ciop${Math.random().toString(16).slice(2)}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`;
  return {
    body: Buffer.concat([Buffer.from(head), content, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

describe('bulk import of buildings and dwellings', () => {
  let t: TestPlatform;
  let admin: Record<string, string>;
  let districtId: number;

  beforeAll(async () => {
    t = await openTestPlatform();
    admin = await headersAs(t, { roles: ['installer'] });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/districts',
      headers: await headersAs(t, { roles: ['admin'] }),
      payload: { code: 'VG-COR', name: 'Coronación' },
    });
    districtId = res.json().id;
  });
  afterAll(async () => {
    await t.close();
  });

  const importCsv = (url: string, csv: string, headers = admin) =>
    t.app.inject({ method: 'POST', url, headers: { ...headers, 'content-type': 'text/csv' }, payload: csv });
  const buildingByCode = async (code: string) =>
    (
      await t.app.inject({
        method: 'GET',
        url: `/api/v1/buildings?codePrefix=${encodeURIComponent(code)}`,
        headers: admin,
      })
    )
      .json()
      .items.find((b: { code: string }) => b.code === code);
  const countBuildings = async () =>
    (await t.app.inject({ method: 'GET', url: '/api/v1/buildings?limit=500', headers: admin })).json().items
      .length;

  // A Spanish spreadsheet saved as CSV: semicolons, decimal commas, headers in any case.
  const CSV = [
    ' buildingid ;Address;LATITUDE;longitude;Carrier1;M2_1;carrier2;m2_2;Floors;Notes',
    '59_473_7;Calle Eulogio Serdán 7;42,8521;-2,6749;natural_gas;1.234,5;electricity;80,25;6;corner',
    '59_473_8;Calle Eulogio Serdán 9;42,8523;-2,6747;Gas natural;900;;;5;',
    '59_473_9;Calle Aldabe 3;95;-2,67;natural_gas;100;;;4;',
    '59_474_1;Calle Aldabe 5;42,85;-2,67;coal;100;;;4;',
    '59_473_7;Calle Aldabe 7;42,85;-2,67;;;;;3;',
    '59_474_2;;42,85;-2,67;biomass;abc;;;2,5;',
    '',
    '59_474_3;Calle Aldabe 11;42,8501;-2,6702;district_heating;640;;;;',
  ].join('\r\n');

  it('stores the valid rows of a CSV and reports each rejected row, column and reason', async () => {
    const before = await countBuildings();
    const res = await importCsv(`/api/v1/buildings/import?district=${districtId}`, CSV);
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({
      dryRun: false,
      rows: 7,
      created: 3,
      updated: 0,
      rejected: 4,
      problemsOmitted: 0,
    });
    expect(report.ignoredColumns).toEqual(['Notes']);
    const problems = report.problems.map((p: { row: number; column: string }) => [p.row, p.column]);
    expect(problems).toEqual([
      [4, 'LATITUDE'],
      [5, 'Carrier1'],
      [6, ' buildingid '.trim()],
      [7, 'Address'],
      [7, 'M2_1'],
      [7, 'Floors'],
    ]);
    expect(report.problems[0]).toMatchObject({ value: '95', reason: expect.stringContaining('-90 to 90') });
    expect(report.problems[1].reason).toContain('not a known carrier');
    expect(report.problems[2].reason).toContain('already on row 2');
    expect(report.problems[5].reason).toContain('not a whole number');
    expect(await countBuildings()).toBe(before + 3);

    expect(await buildingByCode('59_473_7')).toMatchObject({
      address: 'Calle Eulogio Serdán 7',
      latitude: 42.8521,
      longitude: -2.6749,
      carrier1: 'natural_gas',
      area1M2: 1234.5,
      carrier2: 'electricity',
      area2M2: 80.25,
      floors: 6,
      districtId,
    });
    expect(await buildingByCode('59_473_8')).toMatchObject({
      carrier1: 'natural_gas',
      area1M2: 900,
      carrier2: null,
    });
    expect(await buildingByCode('59_473_9')).toBeUndefined();
  });

  it('gives the same report on a dry run and stores nothing', async () => {
    const csv = [
      'BuildingID,Address,Latitude,Longitude,Carrier1,m2_1',
      '60_001_1,Plaza Nueva 1,42.84,-2.67,electricity,300',
      '59_473_7,Calle Eulogio Serdán 7 bis,42.8521,-2.6749,natural_gas,1300',
      '60_001_2,Plaza Nueva 2,42.84,-2.67,electricity,-5',
    ].join('\n');
    const before = await countBuildings();
    const dry = await importCsv(`/api/v1/buildings/import?district=${districtId}&dryRun=true`, csv);
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json()).toMatchObject({ dryRun: true, rows: 3, created: 1, updated: 1, rejected: 1 });
    expect(await countBuildings()).toBe(before);
    expect((await buildingByCode('59_473_7')).address).toBe('Calle Eulogio Serdán 7');

    const real = await importCsv(`/api/v1/buildings/import?district=${districtId}`, csv);
    expect({ ...real.json(), dryRun: true }).toEqual(dry.json());
    expect(await countBuildings()).toBe(before + 1);
    // Upserted by BuildingID: the code is kept, the other columns the file has are updated, and
    // the columns it lacks (Carrier2, m2_2, Floors) stay as they were.
    expect(await buildingByCode('59_473_7')).toMatchObject({
      address: 'Calle Eulogio Serdán 7 bis',
      area1M2: 1300,
      carrier2: 'electricity',
      floors: 6,
    });
  });

  it('reads a real XLSX workbook sent as a multipart upload', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Edificios');
    sheet.addRow([
      'BuildingID',
      'Address',
      'Latitude',
      'Longitude',
      'Carrier1',
      'm2_1',
      'Carrier2',
      'm2_2',
      'District',
    ]);
    sheet.addRow([
      '61_100_1',
      'Calle Manuel Iradier 2',
      42.8467,
      -2.6716,
      'district_heating',
      2100.5,
      null,
      null,
      'VG-COR',
    ]);
    sheet.addRow([
      '61_100_2',
      { richText: [{ text: 'Calle ' }, { text: 'Dato 4' }] },
      '42,8470',
      '-2,6720',
      'Electricidad',
      '512,75',
      'solar_thermal',
      40,
      'Coronación',
    ]);
    sheet.addRow([
      '61_100_3',
      'Calle Dato 6',
      42.847,
      -2.672,
      'natural_gas',
      { formula: '100*3', result: 300 },
      null,
      null,
      'Nowhere',
    ]);
    sheet.addRow([]);
    sheet.addRow(['61_100_4', 'Calle Dato 8', 42.847, 200, 'natural_gas', 300, null, null, 'VG-COR']);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());

    const { body, contentType } = multipart('edificios.xlsx', XLSX_TYPE, file);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/buildings/import',
      headers: { ...admin, 'content-type': contentType },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ rows: 4, created: 2, rejected: 2 });
    expect(res.json().problems).toEqual([
      { row: 4, column: 'District', value: 'Nowhere', reason: expect.stringContaining('no district') },
      { row: 6, column: 'Longitude', value: '200', reason: expect.stringContaining('-180 to 180') },
    ]);
    expect(await buildingByCode('61_100_2')).toMatchObject({
      address: 'Calle Dato 4',
      latitude: 42.847,
      carrier1: 'electricity',
      area1M2: 512.75,
      carrier2: 'solar_thermal',
      area2M2: 40,
      districtId,
    });
    expect(await buildingByCode('61_100_1')).toMatchObject({ area1M2: 2100.5, carrier2: null });

    const raw = await t.app.inject({
      method: 'POST',
      url: '/api/v1/buildings/import?dryRun=true&sheet=Edificios',
      headers: { ...admin, 'content-type': XLSX_TYPE },
      payload: file,
    });
    expect(raw.json()).toMatchObject({ dryRun: true, created: 0, updated: 2, rejected: 2 });
    const noSheet = await t.app.inject({
      method: 'POST',
      url: '/api/v1/buildings/import?sheet=Hoja1',
      headers: { ...admin, 'content-type': XLSX_TYPE },
      payload: file,
    });
    expect(noSheet.statusCode).toBe(400);
    expect(noSheet.json().detail).toContain('Edificios');
  });

  it('imports dwellings by building code and label, reporting bad rows', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Viviendas');
    sheet.addRow(['BuildingID', 'Dwelling', 'Floor', 'Area']);
    sheet.addRow(['59_473_7', '4 Izq.', 4, 72.5]);
    sheet.addRow(['59_473_7', '4 Dcha.', '4', '68,4']);
    sheet.addRow(['99_999_9', '1 A', 1, 50]);
    sheet.addRow(['59_473_7', '4 Izq.', 4, 70]);
    sheet.addRow(['59_473_8', '', 1.5, 'big']);
    const file = Buffer.from(await workbook.xlsx.writeBuffer());
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/dwellings/import',
      headers: { ...admin, 'content-type': XLSX_TYPE },
      payload: file,
    });
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ rows: 5, created: 2, updated: 0, rejected: 3 });
    expect(report.problems.map((p: { row: number; column: string }) => [p.row, p.column])).toEqual([
      [4, 'BuildingID'],
      [5, 'Dwelling'],
      [6, 'Dwelling'],
      [6, 'Floor'],
      [6, 'Area'],
    ]);
    expect(report.problems[0].reason).toContain('import the buildings first');
    expect(report.problems[1].reason).toContain('already on row 2');

    const b = await buildingByCode('59_473_7');
    const dwellings = (
      await t.app.inject({ method: 'GET', url: `/api/v1/dwellings?building=${b.id}`, headers: admin })
    ).json().items;
    expect(
      dwellings.map((d: { label: string; floor: number; areaM2: number }) => [d.label, d.floor, d.areaM2]),
    ).toEqual([
      ['4 Izq.', 4, 72.5],
      ['4 Dcha.', 4, 68.4],
    ]);

    const again = await importCsv('/api/v1/dwellings/import', 'BuildingID;Label;Area\n59_473_7;4 Izq.;75\n');
    expect(again.json()).toMatchObject({ created: 0, updated: 1, rejected: 0 });
    const updated = (
      await t.app.inject({ method: 'GET', url: `/api/v1/dwellings?building=${b.id}`, headers: admin })
    ).json().items[0];
    expect(updated).toMatchObject({ label: '4 Izq.', floor: 4, areaM2: 75 });

    // The contracted power, in W, where the file has the column; a bad one rejects its row.
    const power = await importCsv(
      '/api/v1/dwellings/import',
      'BuildingID;Label;Contracted power W\n59_473_7;4 Izq.;4600\n59_473_7;4 Dcha.;0\n59_473_7;5 Izq.;3450,5\n',
    );
    expect(power.json()).toMatchObject({ created: 0, updated: 1, rejected: 2 });
    expect(power.json().problems.map((p: { row: number; column: string }) => [p.row, p.column])).toEqual([
      [3, 'Contracted power W'],
      [4, 'Contracted power W'],
    ]);
    const powers = (
      await t.app.inject({ method: 'GET', url: `/api/v1/dwellings?building=${b.id}`, headers: admin })
    ).json().items;
    expect(powers.map((d: { contractedPowerW: number | null }) => d.contractedPowerW)).toEqual([4_600, null]);
  });

  it('refuses a file without a BuildingID column, an empty body, and callers who may not write', async () => {
    const noId = await importCsv('/api/v1/buildings/import', 'Ref,Address\n1,x\n');
    expect(noId.statusCode).toBe(400);
    expect(noId.json().detail).toContain('no BuildingID column; it has Ref, Address');
    const empty = await importCsv('/api/v1/buildings/import', '');
    expect(empty.statusCode).toBe(400);
    const resident = await headersAs(t, { roles: ['resident'], dwellingIds: [1] });
    expect((await importCsv('/api/v1/buildings/import', CSV, resident)).statusCode).toBe(403);
    const unknownDistrict = await importCsv('/api/v1/buildings/import?district=9999', CSV);
    expect(unknownDistrict.statusCode).toBe(400);
  });
});
