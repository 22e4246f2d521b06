import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import vm from 'node:vm';
import ExcelJS from 'exceljs';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Installation, InstallationCoverage } from '#common/api/installations.ts';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { browserAs, headersAs } from '../../testing/principals.ts';
import { forwarderKey } from '../../timeseries/series-key.ts';
import { createBatch } from '../../timeseries/write-batch.ts';

const ZONE = 'Europe/Madrid';
const STEP = 600_000;
const H = 3_600_000;
/** Three local days in June 2025 (no change of summer time near them). */
const DAYS = ['2025-06-10', '2025-06-11', '2025-06-12'];
const SENSORS = 16;
const dayStart = (d: string) => DateTime.fromISO(d, { zone: ZONE }).toMillis();

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

describe('data download and re-import', () => {
  let t: TestPlatform;
  let installer: Record<string, string>;
  let places: { districtId: number; a: TestPlace; b: TestPlace };
  let home: Installation;
  const sn = 'E4B0000000000001';

  beforeAll(async () => {
    t = await openTestPlatform();
    places = await createPlaces(t);
    installer = await headersAs(t, { roles: ['installer'] });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/installations',
      headers: installer,
      payload: {
        buildingId: places.a.buildingId,
        newDwelling: { floor: 2, door: 'Izq.' },
        gateway: { sn },
        sensors: [
          { channel: '1', device: '1', medium: 'temperature' },
          { channel: '1', device: '2', medium: 'energy' },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    home = res.json();
    // Every 10 minutes on the first and third day; the second day is missing.
    const readings = [];
    for (const k of [0, 2])
      for (let t0 = dayStart(DAYS[k]), i = 0; i < 144; i++) {
        readings.push({
          sn,
          channel: '1',
          device: '1',
          medium: 'temperature',
          ts: t0 + i * STEP,
          value: 20 + (i % 2) / 2,
        });
        // The meter counts on while its readings are missing.
        readings.push({
          sn,
          channel: '1',
          device: '2',
          medium: 'energy',
          ts: t0 + i * STEP,
          value: 1000 + (k * 144 + i) / 4,
        });
      }
    const ingest = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: t.ingestHeaders,
      payload: { readings },
    });
    expect(ingest.statusCode, ingest.body).toBe(200);
    await t.platform.engine.flush();
  });
  afterAll(async () => {
    await t.close();
  });

  const get = async (url: string, headers = installer) => {
    const res = await t.app.inject({ method: 'GET', url, headers });
    expect(res.statusCode, res.body).toBe(200);
    return res;
  };
  const exportOf = (query: string) => get(`/api/v1/exports?dwelling=${home.dwelling.id}&${query}`);
  const coverage = async () =>
    (
      await get(`/api/v1/installations/coverage?dwelling=${home.dwelling.id}&from=${DAYS[0]}&to=${DAYS[2]}`)
    ).json() as InstallationCoverage;
  const temperatureShares = async () =>
    (await coverage()).sensors.find((s) => s.medium === 'temperature')!.days.map((d) => d.share);
  const reimport = async (csv: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest/csv',
      headers: { ...installer, 'content-type': 'text/csv' },
      body: csv,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().stored as number;
  };
  const rawDay = async (day: string) =>
    (
      await get(
        `/api/v1/readings?sn=${sn}&channel=1&device=1&medium=temperature&from=${dayStart(day)}&to=${dayStart(day) + 24 * H - 1}&limit=10000`,
      )
    ).json().points as { t: number; v: number }[];

  it('exports the columns the CSV back-fill takes; re-importing fills a gap, idempotently, and the heatmap turns green', async () => {
    expect(await temperatureShares()).toEqual([1, 0, 1]);
    const res = await exportOf(`media=temperature&from=${DAYS[0]}&to=${DAYS[0]}`);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="ciop_.*_2025-06-10_2025-06-10_raw\.csv"$/,
    );
    const lines = res.body.trimEnd().split('\n');
    expect(lines[0]).toBe('sn,channel,device,medium,time,value');
    expect(lines).toHaveLength(145);
    expect(lines[1]).toBe(`${sn},1,1,temperature,${new Date(dayStart(DAYS[0])).toISOString()},20`);

    // The export as it is goes back in and changes nothing.
    expect(await reimport(res.body)).toBe(144);
    expect(await temperatureShares()).toEqual([1, 0, 1]);

    // The same rows a day later fill the missing day.
    const shifted = [
      lines[0],
      ...lines.slice(1).map((line) => {
        const cells = line.split(',');
        cells[4] = new Date(Date.parse(cells[4]) + 24 * H).toISOString();
        return cells.join(',');
      }),
    ].join('\n');
    expect(await reimport(shifted)).toBe(144);
    expect(await temperatureShares()).toEqual([1, 1, 1]);
    const filled = await rawDay(DAYS[1]);
    expect(filled).toHaveLength(144);
    expect(await reimport(shifted)).toBe(144);
    expect(await rawDay(DAYS[1])).toEqual(filled);
    expect(await temperatureShares()).toEqual([1, 1, 1]);

    const audit = await t.platform.audit.list({ action: 'data.export' });
    expect(audit.items[audit.items.length - 1]).toMatchObject({
      action: 'data.export',
      targetType: 'dwelling',
      targetId: String(home.dwelling.id),
      detail: { media: ['temperature'], interval: 'raw', format: 'csv', sensors: 1 },
    });
  });

  it('expects each medium at its own interval on the heatmap, as the alarm settings say', async () => {
    const before = await coverage();
    const energy = () => before.sensors.find((s) => s.medium === 'energy')!;
    expect(energy().expectedIntervalS).toBe(600);
    expect(energy().days.map((d) => d.share)).toEqual([1, 0, 1]);
    await t.platform.alarmSettings.update(
      { media: [{ medium: 'energy', silentAfterS: null, expectedIntervalS: 300 }] },
      Date.now(),
    );
    const after = (await coverage()).sensors.find((s) => s.medium === 'energy')!;
    expect(after.expectedIntervalS).toBe(300);
    expect(after.days.map((d) => d.share)).toEqual([0.5, 0, 0.5]);
    await t.platform.alarmSettings.update(
      { media: [{ medium: 'energy', silentAfterS: null, expectedIntervalS: null }] },
      Date.now(),
    );
  });

  it('gives hourly means and daily consumption of a cumulative meter, beside count, min and max', async () => {
    const hourly = (await exportOf(`media=temperature&from=${DAYS[2]}&to=${DAYS[2]}&interval=hour`)).body
      .trimEnd()
      .split('\n');
    expect(hourly[0]).toBe('sn,channel,device,medium,time,value,count,min,max');
    expect(hourly).toHaveLength(25);
    expect(hourly[1]).toBe(
      `${sn},1,1,temperature,${new Date(dayStart(DAYS[2])).toISOString()},20.25,6,20,20.5`,
    );
    const daily = (await exportOf(`media=energy&from=${DAYS[0]}&to=${DAYS[2]}&interval=day`)).body
      .trimEnd()
      .split('\n');
    // 143 steps of 0.25 kWh within each day; the missing day has no row, and what was consumed
    // during it (36.25 kWh) counts on the first day with readings after it.
    expect(daily.slice(1).map((l) => l.split(',').slice(4))).toEqual([
      [new Date(dayStart(DAYS[0])).toISOString(), '35.75', '144', '1000', '1035.75'],
      [new Date(dayStart(DAYS[2])).toISOString(), '72', '144', '1072', '1107.75'],
    ]);
  });

  it('leaves flagged readings out of hourly and daily figures unless asked, and gives every raw reading', async () => {
    const seriesId = t.platform.catalog.get(forwarderKey(sn, '1', '1', 'temperature'))!.id;
    const t0 = dayStart(DAYS[2]);
    // As the quality checks would: the day's first reading (20 °C) failed a check.
    await t.platform.database.db
      .insertInto('quality_flag')
      .values({
        series_id: seriesId,
        check: 'range',
        t_from: t0,
        t_to: t0,
        count: 1,
        value: 20,
        checked_at: t0,
      })
      .execute();
    try {
      const firstHour = async (query: string) =>
        (await exportOf(`media=temperature&from=${DAYS[2]}&to=${DAYS[2]}&${query}`)).body
          .trimEnd()
          .split('\n')[1];
      const at = new Date(t0).toISOString();
      expect(await firstHour('interval=hour')).toBe(`${sn},1,1,temperature,${at},20.3,5,20,20.5`);
      expect(await firstHour('interval=hour&flagged=include')).toBe(
        `${sn},1,1,temperature,${at},20.25,6,20,20.5`,
      );
      expect((await firstHour('interval=day')).split(',').slice(6, 7)).toEqual(['143']);
      expect((await firstHour('interval=day&flagged=include')).split(',').slice(6, 7)).toEqual(['144']);
      expect(await firstHour('interval=raw')).toBe(`${sn},1,1,temperature,${at},20`);
      const wrong = await t.app.inject({
        method: 'GET',
        url: `/api/v1/exports?dwelling=${home.dwelling.id}&from=${DAYS[2]}&to=${DAYS[2]}&flagged=all`,
        headers: installer,
      });
      expect(wrong.statusCode).toBe(400);
    } finally {
      await t.platform.database.db.deleteFrom('quality_flag').where('series_id', '=', seriesId).execute();
    }
  });

  it('writes XLSX with the same columns', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/exports?dwelling=${home.dwelling.id}&from=${DAYS[0]}&to=${DAYS[0]}&format=xlsx`,
      headers: installer,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('readings')!;
    expect(sheet.getRow(1).values).toEqual([undefined, 'sn', 'channel', 'device', 'medium', 'time', 'value']);
    expect(sheet.rowCount).toBe(1 + 2 * 144);
    expect(sheet.getRow(2).values).toEqual([
      undefined,
      sn,
      '1',
      '1',
      'temperature',
      new Date(dayStart(DAYS[0])).toISOString(),
      20,
    ]);
  });

  it('lets each one download only what they may see, and through a single-use link', async () => {
    const other = await headersAs(t, { roles: ['resident'], dwellingIds: [places.b.dwellingId] });
    const refused = await t.app.inject({
      method: 'GET',
      url: `/api/v1/exports?dwelling=${home.dwelling.id}&from=${DAYS[0]}&to=${DAYS[0]}`,
      headers: other,
    });
    expect(refused.statusCode).toBe(403);
    const neighbour = await headersAs(t, { roles: ['resident'], dwellingIds: [home.dwelling.id] });
    const building = await t.app.inject({
      method: 'GET',
      url: `/api/v1/exports?building=${places.a.buildingId}&from=${DAYS[0]}&to=${DAYS[0]}`,
      headers: neighbour,
    });
    expect(building.statusCode).toBe(403);
    const own = await t.app.inject({
      method: 'POST',
      url: '/api/v1/exports/links',
      headers: neighbour,
      payload: { dwelling: home.dwelling.id, media: ['temperature'], from: DAYS[0], to: DAYS[0] },
    });
    expect(own.statusCode, own.body).toBe(201);
    const { url } = own.json() as { url: string };
    const first = await t.app.inject({ method: 'GET', url, headers: neighbour });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.body.split('\n')).toHaveLength(146);
    const again = await t.app.inject({ method: 'GET', url, headers: neighbour });
    expect(again.statusCode).toBe(404);
    expect(again.json().detail).toContain('unknown, used or expired');
  });

  it('binds a download link to the session or machine that asked for it: anyone else gets 403, and the link stays unspent', async () => {
    const query = { dwelling: home.dwelling.id, media: ['temperature'], from: DAYS[0], to: DAYS[0] };
    const linkFor = async (headers: Record<string, string>) => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/exports/links',
        headers,
        payload: query,
      });
      expect(res.statusCode, res.body).toBe(201);
      return (res.json() as { url: string }).url;
    };
    const resident = await browserAs(t, { roles: ['resident'], dwellingIds: [home.dwelling.id] });
    const flatmate = await browserAs(t, { roles: ['resident'], dwellingIds: [home.dwelling.id] });
    const url = await linkFor(resident.headers);
    const auditedExports = async () =>
      Number(
        (
          await t.platform.database.db
            .selectFrom('audit_event')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('action', '=', 'data.export')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const exportsBefore = await auditedExports();
    for (const [who, headers] of [
      ['nobody', {}],
      ['a flatmate who may see the same dwelling, with their token', flatmate.headers],
      ['a flatmate, with their session cookie', { cookie: flatmate.cookie }],
      ['an installer', installer],
      ['a forged cookie', { cookie: 'ciop_csrf=forged' }],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url, headers });
      expect(res.statusCode, `${who}: ${res.body}`).toBe(403);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toContain('session');
    }
    expect(await auditedExports()).toBe(exportsBefore);
    // The browser that asked: its navigation carries the session cookie, not the token.
    const download = await t.app.inject({ method: 'GET', url, headers: { cookie: resident.cookie } });
    expect(download.statusCode, download.body).toBe(200);
    expect(download.body.split('\n')).toHaveLength(146);
    expect(await auditedExports()).toBe(exportsBefore + 1);

    // A script of the same session may use its token instead.
    const scripted = await linkFor(resident.headers);
    expect((await t.app.inject({ method: 'GET', url: scripted, headers: resident.headers })).statusCode).toBe(
      200,
    );

    // A link outlives no logout: the session it was bound to has ended.
    const late = await linkFor(resident.headers);
    const logout = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: resident.headers,
    });
    expect(logout.statusCode, logout.body).toBe(204);
    expect(
      (await t.app.inject({ method: 'GET', url: late, headers: { cookie: resident.cookie } })).statusCode,
    ).toBe(403);

    // A machine's link is for that machine's token only.
    const machine = await headersAs(t, { scopes: ['read'] });
    const machineUrl = await linkFor(machine);
    const other = await headersAs(t, { scopes: ['read'] });
    expect((await t.app.inject({ method: 'GET', url: machineUrl })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: machineUrl, headers: other })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: machineUrl, headers: machine })).statusCode).toBe(200);
  });

  it('streams a large period with flat memory, a window at a time', async () => {
    // Sixteen sensors with a year of 10-minute readings each (840,960 rows, about 57 MB of CSV),
    // written straight into the engine.
    const bigSn = 'E4B0000000000002';
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/v1/installations',
      headers: installer,
      payload: {
        buildingId: places.b.buildingId,
        newDwelling: { floor: 3, door: 'Dcha.' },
        gateway: { sn: bigSn },
        sensors: [],
      },
    });
    expect(big.statusCode, big.body).toBe(201);
    const dwellingId = (big.json() as Installation).dwelling.id;
    const from = dayStart('2024-06-01');
    const slots = 365 * 144;
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: t.ingestHeaders,
      payload: {
        readings: Array.from({ length: SENSORS }, (_, d) => ({
          sn: bigSn,
          channel: '1',
          device: String(d + 1),
          medium: 'temperature',
          ts: from,
          value: 20,
        })),
      },
    });
    for (let d = 0; d < SENSORS; d++) {
      const id = t.platform.catalog.get(forwarderKey(bigSn, '1', String(d + 1), 'temperature'))!.id;
      const batch = createBatch(slots);
      for (let i = 0; i < slots; i++) {
        batch.seriesIds[i] = id;
        batch.times[i] = from + i * STEP;
        batch.values[i] = Math.round(200 + 30 * Math.sin(i / 50)) / 10;
      }
      await t.platform.engine.write(batch);
    }
    await t.platform.engine.flush();

    // In the service: the CSV comes out in window-sized pieces, the first long before the last.
    const plan = await t.platform.exports.plan(
      { dwelling: dwellingId, from: String(from), to: String(from + slots * STEP - 1) },
      {
        kind: 'user',
        id: 0,
        name: 'test',
        roles: ['installer'],
        scopes: [],
        dwellingIds: [],
        buildingIds: [],
        gatewayIds: [],
      },
    );
    let pieces = 0;
    let largest = 0;
    let firstRows = -1;
    for await (const piece of t.platform.exports.csv(plan)) {
      pieces++;
      largest = Math.max(largest, piece.length);
      if (pieces === 2) firstRows = piece.toString().split('\n').length - 1;
    }
    expect(firstRows).toBeGreaterThan(0);
    expect(firstRows).toBeLessThan(slots * SENSORS * 0.02);
    expect(pieces).toBeGreaterThan(100);
    expect(largest).toBeLessThan(2 * 1024 * 1024);

    // Over HTTP, read as it arrives: the live memory (JavaScript heap and buffers, after a
    // collection) stays far below the size of the download the whole way.
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    const live = () => {
      gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.external;
    };
    const baseline = live();
    const res = await fetch(
      `http://127.0.0.1:${port}/api/v1/exports?dwelling=${dwellingId}&from=${from}&to=${from + slots * STEP - 1}`,
      { headers: installer },
    );
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let bytes = 0;
    let lines = 0;
    let nextSample = 0;
    let peak = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      for (let i = 0; i < value.length; i++) if (value[i] === 10) lines++;
      if (bytes >= nextSample) {
        peak = Math.max(peak, live() - baseline);
        nextSample += 2 * 1024 * 1024;
      }
    }
    expect(lines).toBe(1 + slots * SENSORS);
    expect(bytes).toBeGreaterThan(50 * 1024 * 1024);
    expect(peak).toBeLessThan(24 * 1024 * 1024);
  });
});
