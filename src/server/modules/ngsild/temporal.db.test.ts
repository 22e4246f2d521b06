import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';

const H = 3_600_000;
/** 08:00 UTC, 10:00 in Madrid (summer time). */
const T = Date.UTC(2026, 9, 1, 8);
const iso = (t: number) => new Date(t).toISOString();
/** Aggregation periods are whole hours, written without a fraction of a second. */
const hourIso = (t: number) => iso(t).replace('.000Z', 'Z');

/** The NGSI-LD temporal API over CIOP's readings and hourly rollups (ETSI GS CIM 014 ids where they exist). */
describe('NGSI-LD temporal entities', () => {
  let t: TestPlatform;
  let a: TestPlace;
  let b: TestPlace;
  let resident: Record<string, string>;
  let sensor: string;

  const get = async (url: string, headers: Record<string, string> = t.readerHeaders) => {
    const res = await t.app.inject({ method: 'GET', url: `/ngsi-ld/v1/temporal${url}`, headers });
    return {
      status: res.statusCode,
      headers: res.headers,
      get body() {
        return res.json();
      },
    };
  };
  const between = (from: number, to: number) => `timerel=between&timeAt=${iso(from)}&endTimeAt=${iso(to)}`;

  beforeAll(async () => {
    t = await openTestPlatform();
    ({ a, b } = await createPlaces(t));
    sensor = `urn:ngsi-ld:DeviceMeasurement:${a.sensorId}`;
    const line = (minutes: number, v: number) =>
      `forwarder_data,SN=${a.sn},channel=1,device=1,medium=temperature value=${v} ${T + minutes * 60_000}`;
    // hour 0: 20, 22; hour 1: 19; hour 2: 24, 26; 21:30 UTC (23:30 local, Oct 1): 10;
    // 22:30 UTC (00:30 local, Oct 2): 30.
    const body = [
      line(0, 20),
      line(30, 22),
      line(60, 19),
      line(120, 24),
      line(150, 26),
      line(13.5 * 60, 10),
      line(14.5 * 60, 30),
    ].join('\n');
    const res = await t.app.inject({
      method: 'POST',
      url: '/write?db=ciop&precision=ms',
      headers: t.ingestHeaders,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(204);
    resident = await headersAs(t, { roles: ['resident'], dwellingIds: [b.dwellingId] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('020_01 retrieves the temporal evolution of an entity between two times, one instance per reading', async () => {
    const res = await get(`/entities/${sensor}?${between(T, T + 2 * H)}`);
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(sensor);
    expect(res.body.numValue).toEqual([
      { type: 'Property', value: 20, observedAt: iso(T), unitCode: 'CEL' },
      { type: 'Property', value: 22, observedAt: iso(T + 30 * 60_000), unitCode: 'CEL' },
      { type: 'Property', value: 19, observedAt: iso(T + H), unitCode: 'CEL' },
    ]);
  });

  it('lastN and timerel before and after', async () => {
    const after = await get(`/entities/${sensor}?timerel=after&timeAt=${iso(T + 14 * H)}`);
    expect(after.body.numValue.map((i: { value: number }) => i.value).slice(0, 1)).toEqual([30]);
    const last = await get(`/entities/${sensor}?${between(T, T + 24 * H)}&lastN=2`);
    expect(last.body.numValue.map((i: { value: number }) => i.value)).toEqual([10, 30]);
    const before = await get(`/entities/${sensor}?timerel=before&timeAt=${iso(T + H)}`);
    expect(before.body.numValue.map((i: { value: number }) => i.value)).toEqual([20, 22]);
  });

  it('the simplified temporal representation (options=temporalValues)', async () => {
    const res = await get(`/entities/${sensor}?${between(T, T + H)}&options=temporalValues`);
    expect(res.body.numValue).toEqual({
      type: 'Property',
      unitCode: 'CEL',
      values: [
        [20, iso(T)],
        [22, iso(T + 30 * 60_000)],
      ],
    });
  });

  it('aggregates whole hours from the rollups: totalCount, sum, avg, min, max', async () => {
    const res = await get(
      `/entities/${sensor}?${between(T, T + 3 * H)}&options=aggregatedValues&aggrMethods=totalCount,sum,avg,min,max&aggrPeriodDuration=PT1H`,
    );
    expect(res.status).toBe(200);
    const hour = (k: number) => [hourIso(T + k * H), hourIso(T + (k + 1) * H)];
    expect(res.body.numValue).toEqual({
      type: 'Property',
      unitCode: 'CEL',
      totalCount: [
        [2, ...hour(0)],
        [1, ...hour(1)],
        [2, ...hour(2)],
      ],
      sum: [
        [42, ...hour(0)],
        [19, ...hour(1)],
        [50, ...hour(2)],
      ],
      avg: [
        [21, ...hour(0)],
        [19, ...hour(1)],
        [25, ...hour(2)],
      ],
      min: [
        [20, ...hour(0)],
        [19, ...hour(1)],
        [24, ...hour(2)],
      ],
      max: [
        [22, ...hour(0)],
        [19, ...hour(1)],
        [26, ...hour(2)],
      ],
    });
    const twoHours = await get(
      `/entities/${sensor}?${between(T, T + 3 * H)}&options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=PT2H`,
    );
    expect(twoHours.body.numValue.avg).toEqual([
      [61 / 3, hourIso(T), hourIso(T + 2 * H)],
      [25, hourIso(T + 2 * H), hourIso(T + 4 * H)],
    ]);
    const whole = await get(
      `/entities/${sensor}?${between(T, T + 3 * H)}&options=aggregatedValues&aggrMethods=max`,
    );
    expect(whole.body.numValue.max).toEqual([[26, hourIso(T), hourIso(T + 3 * H)]]);
  });

  it('aggregates whole days cut at midnight in the city’s time zone (Europe/Madrid)', async () => {
    const res = await get(
      `/entities/${sensor}?${between(T - 8 * H, T + 40 * H)}&options=aggregatedValues&aggrMethods=totalCount,max&aggrPeriodDuration=P1D`,
    );
    // Local days: 1 October 00:00 (+02:00) is 30 September 22:00 UTC.
    const day1 = Date.UTC(2026, 8, 30, 22);
    const day2 = day1 + 24 * H;
    expect(res.body.numValue.totalCount).toEqual([
      [6, hourIso(day1), hourIso(day2)],
      [1, hourIso(day2), hourIso(day2 + 24 * H)],
    ]);
    expect(res.body.numValue.max).toEqual([
      [26, hourIso(day1), hourIso(day2)],
      [30, hourIso(day2), hourIso(day2 + 24 * H)],
    ]);
  });

  it('refuses what it does not serve with BadRequestData naming the parameter', async () => {
    for (const query of [
      'timerel=during&timeAt=2026-10-01T00:00:00Z',
      'timerel=between&timeAt=2026-10-01T00:00:00Z',
      'timerel=after&timeAt=yesterday',
      'options=aggregatedValues&aggrMethods=stddev',
      'options=aggregatedValues&aggrMethods=avg&aggrPeriodDuration=PT15M',
      'options=aggregatedValues',
      'lastN=0',
    ]) {
      const res = await get(`/entities/${sensor}?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.type, query).toBe('https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    }
  });

  it('021_01 queries the temporal evolution of entities by type, with the relative humidity of dwellings', async () => {
    const res = await get(
      `/entities?type=DeviceMeasurement&id=${sensor}&${between(T, T + H)}&options=temporalValues&count=true`,
    );
    expect(res.status).toBe(200);
    expect(res.headers['ngsild-results-count']).toBe('1');
    expect(res.body[0].numValue.values).toHaveLength(2);
    const indoor = await get(
      `/entities?type=IndoorEnvironmentObserved&id=urn:ngsi-ld:IndoorEnvironmentObserved:${a.dwellingId}&${between(T, T + H)}`,
    );
    expect(indoor.body[0].temperature.map((i: { value: number }) => i.value)).toEqual([20, 22]);
  });

  it('a resident of another dwelling reads none of it', async () => {
    expect((await get(`/entities/${sensor}?${between(T, T + H)}`, resident)).status).toBe(404);
    const res = await get(`/entities?type=DeviceMeasurement&${between(T, T + H)}`, resident);
    expect(res.body.map((e: { id: string }) => e.id)).toEqual([
      `urn:ngsi-ld:DeviceMeasurement:${b.sensorId}`,
    ]);
  });
});
