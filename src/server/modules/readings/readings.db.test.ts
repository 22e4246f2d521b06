import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOO_FEW_DWELLINGS } from '#common/api/access.ts';
import { createCity, PLACE_READING, type TestCity } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { GROUP_ROLLUP_JOB } from './group-rollup.service.ts';

const H = 3_600_000;
const SN = 'DA7E000000000001';

describe('reading queries', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform();
  });
  afterAll(async () => {
    await t.close();
  });

  const write = async (lines: string[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=ms',
      headers: { authorization: `Token ${t.platform.ingestToken}` },
      body: lines.join('\n'),
    });
    expect(res.statusCode).toBe(204);
  };
  const get = async (url: string) => {
    const res = await t.app.inject({ method: 'GET', url, headers: t.readerHeaders });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const sensor = (medium: string) => `sn=${SN}&channel=1&device=1&medium=${medium}`;

  it('cuts days in the city time zone: the DST days have 23 and 25 hours and their sums are the sums of their hours', async () => {
    for (const [y, m, d] of [
      [2026, 2, 29],
      [2026, 9, 25],
    ]) {
      const from = Date.UTC(y, m, d - 1, 12);
      const lines: string[] = [];
      for (let h = 0; h < 48; h++)
        lines.push(
          `forwarder_data,SN=${SN},channel=1,device=1,medium=power value=${100 + h} ${from + h * H}`,
        );
      await write(lines);
      const localMidnight = (
        await get(
          `/api/v1/readings/aggregate?${sensor('power')}&from=${Date.UTC(y, m, d, 12)}&to=${Date.UTC(y, m, d, 12)}&interval=day`,
        )
      ).buckets[0];
      const hours = (localMidnight.end - localMidnight.start) / H;
      expect(hours).toBe(m === 2 ? 23 : 25);
      const hourly = await get(
        `/api/v1/readings/aggregate?${sensor('power')}&from=${localMidnight.start}&to=${localMidnight.end - 1}&interval=hour`,
      );
      expect(hourly.buckets).toHaveLength(hours);
      const sumOfHours = hourly.buckets.reduce((s: number, b: { sum: number | null }) => s + (b.sum ?? 0), 0);
      expect(localMidnight.sum).toBe(sumOfHours);
      expect(localMidnight.count).toBe(hours);
    }
  });

  it('turns a cumulative meter into consumption and does not count a reset', async () => {
    const from = Date.UTC(2026, 5, 1, 0);
    const values = [1000, 1001, 1003, 1006, 2, 4, 7];
    await write(
      values.map(
        (v, i) => `forwarder_data,SN=${SN},channel=1,device=1,medium=energy value=${v} ${from + i * H}`,
      ),
    );
    const agg = await get(
      `/api/v1/readings/aggregate?${sensor('energy')}&from=${from}&to=${from + 7 * H - 1}&interval=hour`,
    );
    expect(agg.cumulative).toBe(true);
    expect(agg.buckets.map((b: { consumption: number }) => b.consumption)).toEqual([0, 1, 2, 3, 0, 2, 3]);
    const day = await get(
      `/api/v1/readings/aggregate?${sensor('energy')}&from=${from}&to=${from + 7 * H - 1}&interval=day`,
    );
    expect(
      day.buckets.reduce((s: number, b: { consumption: number | null }) => s + (b.consumption ?? 0), 0),
    ).toBe(11);
    await t.platform.engine.flush();
    const series = t.platform.catalog.get(`forwarder_data,SN=${SN},channel=1,device=1,medium=energy value`)!;
    const drops = await t.platform.engine.io.counterDrops([series.id], from, from + 7 * H, 10);
    expect(drops).toMatchObject([{ t: from + 4 * H, previousValue: 1006, value: 2 }]);
  });

  it('pages raw readings without losing or repeating one', async () => {
    const from = Date.UTC(2026, 6, 1);
    await write(
      Array.from(
        { length: 250 },
        (_, i) =>
          `forwarder_data,SN=${SN},channel=1,device=1,medium=co2 value=${400 + i} ${from + i * 60_000}`,
      ),
    );
    const seen: number[] = [];
    let cursor: number | undefined = from;
    while (cursor !== undefined) {
      const page: { points: { v: number }[]; next?: number } = await get(
        `/api/v1/readings?${sensor('co2')}&from=${cursor}&to=${from + 10 * H}&limit=100`,
      );
      seen.push(...page.points.map((p) => p.v));
      cursor = page.next;
    }
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => 400 + i));
  });

  it('refuses unbounded or malformed queries with a clear reason', async () => {
    const tooMany = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings/aggregate?${sensor('co2')}&from=0&to=${Date.UTC(2026, 0, 1)}&interval=hour`,
      headers: t.readerHeaders,
    });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().detail).toContain('20000');
    const noSensor = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings?from=0&to=1`,
      headers: t.readerHeaders,
    });
    expect(noSensor.statusCode).toBe(400);
    const bigPage = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings?${sensor('co2')}&from=0&to=1&limit=1000000`,
      headers: t.readerHeaders,
    });
    expect(bigPage.statusCode).toBe(400);
    expect(bigPage.json().errors[0].where).toContain('limit');
  });
});

describe('what residents and ESCOs read of buildings and districts', () => {
  let t: TestPlatform;
  let city: TestCity;
  let resident: Record<string, string>;
  let esco: Record<string, string>;
  let outsider: Record<string, string>;
  const from = Date.now() - 24 * H;
  const to = Date.now() + H;
  beforeAll(async () => {
    t = await openTestPlatform(); // CIOP_PRIVACY_MIN_DWELLINGS: its default, 5
    city = await createCity(t);
    resident = await headersAs(t, { roles: ['resident'], dwellingIds: [city.a.dwellingId] });
    esco = await headersAs(t, { roles: ['esco'], buildingIds: [city.a.buildingId] });
    outsider = await headersAs(t, { roles: ['resident'], dwellingIds: [city.b.dwellingId] });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (query: string, headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: `/api/v1/readings/${query}`, headers });
  const sensorsOf = (body: { sensors: { sensorId: number }[] }) => body.sensors.map((s) => s.sensorId).sort();
  const group = (scope: string) => `group?${scope}&medium=temperature&from=${from}&to=${to}&interval=day`;

  it('latest and coverage name only what the caller sees: a district is narrowed to their own sensors', async () => {
    const { a, neighbours, small } = city;
    for (const query of [
      `latest?district=${a.districtId}`,
      `latest?building=${a.buildingId}`,
      `coverage?district=${a.districtId}&from=${from}&to=${to}`,
    ]) {
      const res = await call(query, resident);
      expect(res.statusCode, res.body).toBe(200);
      expect(sensorsOf(res.json()), query).toEqual([a.sensorId]);
    }
    const ofEsco = await call(`latest?district=${a.districtId}`, esco);
    expect(sensorsOf(ofEsco.json())).toEqual([a, ...neighbours].map((p) => p.sensorId).sort());
    expect(small.length).toBeGreaterThan(0); // in the district, not in the ESCO's building

    const outside = await call(`latest?district=${a.districtId}`, outsider);
    expect(outside.json()).toEqual({ sensors: [], gateways: [] });
    for (const [query, named, headers] of [
      [`latest?building=${a.buildingId}`, `building ${a.buildingId}`, outsider],
      [`latest?dwelling=${a.dwellingId}`, `dwelling ${a.dwellingId}`, outsider],
      [`coverage?gateway=${a.gatewayId}&from=${from}&to=${to}`, `gateway ${a.gatewayId}`, outsider],
      [`latest?building=${small[0].buildingId}`, `building ${small[0].buildingId}`, esco],
    ] as const) {
      const res = await call(query, headers);
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().detail).toContain(named);
    }
    const ownGateway = await call(`latest?gateway=${a.gatewayId}`, resident);
    expect(sensorsOf(ownGateway.json())).toEqual([a.sensorId]);
  });

  it('means over a building or district they see part of only over enough dwellings', async () => {
    // Computed from the members before the group rollups first run, read from them after.
    await checkMeans();
    await t.platform.scheduler.run(GROUP_ROLLUP_JOB);
    await checkMeans();
  });

  async function checkMeans() {
    const { a, small } = city;
    // Building A1: 3 dwellings with readings, under the 5 needed; district A: 5.
    const building = await call(group(`building=${a.buildingId}`), resident);
    expect(building.statusCode, building.body).toBe(403);
    expect(building.json()).toMatchObject({ type: TOO_FEW_DWELLINGS, dwellings: 3, minDwellings: 5 });
    expect(building.json().detail).toContain('CIOP_PRIVACY_MIN_DWELLINGS');
    for (const headers of [resident, esco]) {
      const district = await call(group(`district=${a.districtId}`), headers);
      expect(district.statusCode, district.body).toBe(200);
      expect(district.json().members).toBe(5);
      expect(
        district.json().buckets.some((b: { mean: number | null }) => b.mean === PLACE_READING.celsius),
      ).toBe(true);
    }
    // The ESCO sees every dwelling of its building: no minimum.
    const own = await call(group(`building=${a.buildingId}`), esco);
    expect(own.statusCode, own.body).toBe(200);
    expect(own.json().members).toBe(3);
    // Nothing in it: refused, however many dwellings.
    for (const [query, headers] of [
      [group(`district=${a.districtId}`), outsider],
      [group(`building=${small[0].buildingId}`), resident],
    ] as const) {
      const res = await call(query, headers);
      expect(res.statusCode, res.body).toBe(403);
      expect(res.json().type).not.toBe(TOO_FEW_DWELLINGS);
    }
  }
});
