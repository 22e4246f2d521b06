import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hourly } from '#common/api/municipal.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { seriesKey } from '../../timeseries/series-key.ts';
import {
  DATADIS_ESTIMATED_FIELD,
  DATADIS_FIELD,
  DATADIS_MEASUREMENT,
  DatadisClient,
  DatadisError,
  storeDatadis,
} from './datadis.ts';
import { DATADIS_JOB } from './index.ts';

const CUPS = 'ES1234123456789012JY';

/**
 * A small Datadis, after its documented private API: a login that answers a token as text,
 * supplies and hourly consumption behind `Authorization: Bearer`. It can be told to answer 429
 * a number of times, and to let a token expire.
 */
class FakeDatadis {
  server!: Server;
  url = '';
  tokens = new Set<string>();
  logins = 0;
  throttle = 0;
  requests: string[] = [];

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  expireTokens(): void {
    this.tokens.clear();
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    this.requests.push(`${req.method} ${url.pathname}`);
    if (this.throttle > 0) {
      this.throttle--;
      res.writeHead(429, { 'retry-after': '0' }).end('Too many requests');
      return;
    }
    if (req.method === 'POST' && url.pathname === '/nikola-auth/tokens/login') {
      let body = '';
      for await (const chunk of req) body += chunk;
      const form = new URLSearchParams(body);
      if (form.get('username') !== '12345678Z' || form.get('password') !== 'secret') {
        res.writeHead(401).end();
        return;
      }
      const token = `token-${++this.logins}`;
      this.tokens.add(token);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(token);
      return;
    }
    const token = req.headers.authorization?.replace(/^Bearer /, '');
    if (!token || !this.tokens.has(token)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"token expired"}');
      return;
    }
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/api-private/api/get-supplies') {
      res.end(
        JSON.stringify([
          {
            address: 'CALLE ALDABE 3',
            cups: CUPS,
            postalCode: '01012',
            province: 'Álava',
            municipality: 'Vitoria-Gasteiz',
            distributor: 'I-DE',
            validDateFrom: '2020/01/01',
            validDateTo: '',
            pointType: 3,
            distributorCode: '2',
          },
        ]),
      );
      return;
    }
    if (url.pathname === '/api-private/api/get-consumption-data') {
      expect(url.searchParams.get('cups')).toBe(CUPS);
      expect(url.searchParams.get('measurementType')).toBe('0');
      res.end(
        JSON.stringify([
          { cups: CUPS, date: '2025/01/10', time: '01:00', consumptionKWh: 1.5, obtainMethod: 'Real' },
          { cups: CUPS, date: '2025/01/10', time: '02:00', consumptionKWh: 1.25, obtainMethod: 'Real' },
          { cups: CUPS, date: '2025/01/10', time: '24:00', consumptionKWh: 2, obtainMethod: 'Estimada' },
          // The day clocks go forward in Spain: 02:00 local does not exist, 23 hours.
          { cups: CUPS, date: '2025/03/30', time: '03:00', consumptionKWh: 0.75, obtainMethod: 'Real' },
        ]),
      );
      return;
    }
    res.writeHead(404).end('{}');
  }
}

let t: TestPlatform;
const datadis = new FakeDatadis();
const client = (password = 'secret') =>
  new DatadisClient({
    url: datadis.url,
    username: '12345678Z',
    password,
    zone: 'Europe/Madrid',
    backoffMs: 5,
    maxAttempts: 4,
  });

beforeAll(async () => {
  await datadis.start();
  t = await openTestPlatform();
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => datadis.server?.close(resolve));
});

describe('the Datadis adapter, against a local Datadis', () => {
  it('logs in, lists the supplies, and waits out a 429 before trying again', async () => {
    const c = client();
    datadis.throttle = 2;
    const supplies = await c.supplies();
    expect(supplies).toEqual([
      expect.objectContaining({ cups: CUPS, distributorCode: '2', pointType: 3, distributor: 'I-DE' }),
    ]);
    expect(datadis.requests.filter((r) => r.startsWith('POST')).length).toBeGreaterThanOrEqual(1);
  });

  it('gives up with a clear error when 429s do not end', async () => {
    const c = client();
    await c.login();
    datadis.throttle = 10;
    await expect(c.supplies()).rejects.toThrow(/429/);
    datadis.throttle = 0;
  });

  it('logs in again when its token expired, and cuts hour-ending local times into UTC hours', async () => {
    const c = client();
    await c.login();
    const loginsBefore = datadis.logins;
    datadis.expireTokens();
    const readings = await c.consumption(
      { cups: CUPS, distributorCode: '2', pointType: 3 },
      '2025/01',
      '2025/03',
    );
    expect(datadis.logins).toBe(loginsBefore + 1);
    expect(readings).toEqual([
      // 01:00 on 10 January in Madrid (UTC+1) ends the hour 00:00–01:00 local: 23:00 UTC the day before.
      { t: Date.UTC(2025, 0, 9, 23), kWh: 1.5, estimated: false },
      { t: Date.UTC(2025, 0, 10, 0), kWh: 1.25, estimated: false },
      { t: Date.UTC(2025, 0, 10, 22), kWh: 2, estimated: true },
      // 03:00 on 30 March ends the third hour since midnight (UTC+1 until 01:00 UTC): 01:00 UTC is 03:00 CEST.
      { t: Date.UTC(2025, 2, 30, 1), kWh: 0.75, estimated: false },
    ]);
  });

  it('says so when the credentials are refused', async () => {
    await expect(client('wrong').supplies()).rejects.toThrow(DatadisError);
  });

  it('stores the readings as series of the time-series store, with the estimated ones flagged', async () => {
    const readings = await client().consumption(
      { cups: CUPS, distributorCode: '2', pointType: 3 },
      '2025/01',
      '2025/03',
    );
    expect(await storeDatadis(t.platform.engine, t.platform.catalog, CUPS, readings, Date.now())).toBe(4);
    const kWh = t.platform.catalog.get(seriesKey(DATADIS_MEASUREMENT, [['cups', CUPS]], DATADIS_FIELD));
    const flag = t.platform.catalog.get(
      seriesKey(DATADIS_MEASUREMENT, [['cups', CUPS]], DATADIS_ESTIMATED_FIELD),
    );
    expect(kWh && flag).toBeTruthy();
    const from = Date.UTC(2025, 0, 1);
    const to = Date.UTC(2025, 3, 1);
    const values = await t.platform.engine.readPoints(kWh?.id as number, from, to);
    expect(Array.from(values.values)).toEqual([1.5, 1.25, 2, 0.75]);
    const flags = await t.platform.engine.readPoints(flag?.id as number, from, to);
    expect(Array.from(flags.values)).toEqual([0, 0, 1, 0]);
    // Days are cut from the hourly rollups like every other series: 10 January (local) holds all three.
    const hours = await t.platform.engine.readHours(
      kWh?.id as number,
      Date.UTC(2025, 0, 9, 23),
      Date.UTC(2025, 0, 10, 23),
    );
    expect(hours.reduce((a, h) => a + h.sum, 0)).toBeCloseTo(4.75, 9);
  });
});

describe('the daily Datadis job, and the hours on the meter page', () => {
  it('reads the registered supplies when a Datadis user is configured, and the meter answers its hours', async () => {
    const p = await openTestPlatform({
      datadisUrl: datadis.url,
      datadisUsername: '12345678Z',
      datadisPassword: 'secret',
    });
    try {
      const tech = await headersAs(p, { roles: ['municipal'] });
      const post = async (url: string, payload: object) => {
        const res = await p.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: tech, payload });
        expect(res.statusCode, res.body).toBe(201);
        return res.json();
      };
      const area = await post('/municipal/areas', { code: 'DD-A', name: 'Schools' });
      const facility = await post('/municipal/facilities', { code: 'DD-F', name: 'School', areaId: area.id });
      const meter = await post('/municipal/meters', {
        facilityId: facility.id,
        cups: CUPS,
        carrier: 'electricity',
      });
      const other = await post('/municipal/meters', {
        facilityId: facility.id,
        code: 'DD-WATER',
        carrier: 'water',
      });

      expect(await p.platform.scheduler.run(DATADIS_JOB, Date.UTC(2025, 3, 2, 6, 10))).toBe(true);
      const consumption = datadis.requests.filter((r) => r.endsWith('get-consumption-data'));
      expect(consumption.length).toBeGreaterThanOrEqual(1);

      const hours = await p.app.inject({
        url: `/api/v1/municipal/meters/${meter.id}/hourly?from=2025-01-10&to=2025-01-10`,
        headers: tech,
      });
      expect(hours.statusCode, hours.body).toBe(200);
      expect((hours.json() as Hourly).points).toEqual([
        { t: Date.UTC(2025, 0, 9, 23), kWh: 1.5, estimated: false },
        { t: Date.UTC(2025, 0, 10, 0), kWh: 1.25, estimated: false },
        { t: Date.UTC(2025, 0, 10, 22), kWh: 2, estimated: true },
      ]);
      const none = await p.app.inject({ url: `/api/v1/municipal/meters/${other.id}/hourly`, headers: tech });
      expect(none.json()).toMatchObject({ cups: 'DD-WATER', points: [] });
      const bad = await p.app.inject({
        url: `/api/v1/municipal/meters/${meter.id}/hourly?from=2025-01-10&to=2025-06-10`,
        headers: tech,
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().detail).toContain('to:');
    } finally {
      await p.close();
    }
  });

  it('is not scheduled without a Datadis user', () => {
    expect(t.platform.config.datadisUsername).toBeUndefined();
    expect(t.platform.scheduler.jobNames).not.toContain(DATADIS_JOB);
  });
});
