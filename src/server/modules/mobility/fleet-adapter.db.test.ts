import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { FleetAdapter } from './fleet-adapter.ts';

/**
 * A small fake of the operator's fleet platform: its three lists with exactly the fields of the
 * seed, pages of `pageSize` records behind a numeric cursor, a bearer token, and failures on
 * demand.
 */
interface FakeFleet {
  url: string;
  trips: Record<string, unknown>[];
  chargers: Record<string, unknown>[];
  charges: Record<string, unknown>[];
  /** Requests to answer 503 before answering again. */
  failNext: number;
  requests: string[];
  close(): Promise<void>;
}

async function fakeFleet(token: string, pageSize = 2): Promise<FakeFleet> {
  const fake = {
    trips: [] as Record<string, unknown>[],
    chargers: [] as Record<string, unknown>[],
    charges: [] as Record<string, unknown>[],
    failNext: 0,
    requests: [] as string[],
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fleet');
    fake.requests.push(`${url.pathname}${url.search}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: 'unauthorised' });
    if (fake.failNext > 0) {
      fake.failNext--;
      return send(503, { error: 'maintenance' });
    }
    const list =
      url.pathname === '/api/trips' ? fake.trips : url.pathname === '/api/charges' ? fake.charges : undefined;
    if (url.pathname === '/api/chargers')
      return send(200, { items: fake.chargers, cursor: null, more: false });
    if (!list) return send(404, { error: 'no such list' });
    const since = Number(url.searchParams.get('since') ?? 0);
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 100), pageSize);
    const items = list.slice(since, since + limit);
    send(200, { items, cursor: String(since + items.length), more: since + items.length < list.length });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/api`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

const T0 = Date.parse('2026-03-02T07:00:00+01:00');
const trip = (vehicle: string, minutes: number, extra: Record<string, unknown> = {}) => ({
  vehicle,
  date: new Date(T0 + minutes * 60_000).toISOString(),
  distance: '10,2',
  duration: '00:38:00',
  average_speed: 16.1,
  consumption: 14.8,
  kwh_km: 1.45,
  regeneration: 3.9,
  auxiliary_consumption: 2.6,
  traction_consumption: 16.1,
  inside_temperature: 20.5,
  outside_temperature: 3.2,
  diesel_co2: 14.9,
  electric_co2: 3.0,
  ...extra,
});

let t: TestPlatform;
let fleet: FakeFleet;
let adapter: FleetAdapter;

beforeAll(async () => {
  t = await openTestPlatform();
  fleet = await fakeFleet('fleet-secret');
  adapter = new FleetAdapter(t.platform.database.db, t.platform.mobility.ingest, {
    url: fleet.url,
    token: 'fleet-secret',
    pollIntervalMs: 60_000,
  });
});
afterAll(async () => {
  await fleet?.close();
  await t?.close();
});

describe('the fleet platform adapter', () => {
  it('reads every page once, keeps a bad record out with its reason, and stores the rest', async () => {
    fleet.chargers = [
      {
        code: 'PANT-W',
        type: 'DC',
        power: 450,
        position: '42.8437,-2.7185',
        status: 'Available',
        vehicle: null,
        soc: null,
        last_update: new Date(T0).toISOString(),
      },
      {
        code: 'PANT-E',
        type: 'dc',
        power: '450',
        position: '42.8606,-2.6248',
        status: 'Charging',
        vehicle: 'BUS-201',
        soc: 140,
        last_update: new Date(T0).toISOString(),
      },
    ];
    fleet.trips = [
      trip('BUS-201', 0),
      trip('BUS-202', 8),
      trip('BUS-203', 16, { distance: -3 }),
      trip('BUS-201', 52),
      trip('BUS-204', 60, { consumption: undefined }),
    ];
    fleet.charges = [
      {
        number: 'C-1',
        charger: 'PANT-W',
        vehicle: 'BUS-201',
        start: new Date(T0 + 39 * 60_000).toISOString(),
        end: new Date(T0 + 43 * 60_000).toISOString(),
        duration: 240,
        energy: 24.5,
        average_duration: 250,
      },
      {
        number: 'C-2',
        charger: 'PANT-W',
        vehicle: 'BUS-202',
        start: new Date(T0 + 50 * 60_000).toISOString(),
        end: new Date(T0 + 46 * 60_000).toISOString(),
        duration: 240,
        energy: 20,
        average_duration: 250,
      },
      {
        number: 'C-3',
        charger: 'PANT-X',
        vehicle: 'BUS-203',
        start: new Date(T0 + 55 * 60_000).toISOString(),
        end: new Date(T0 + 59 * 60_000).toISOString(),
        duration: 240,
        energy: 20,
        average_duration: 250,
      },
    ];
    const reports = await adapter.poll(T0 + 2 * 3_600_000);
    expect(reports.map((r) => [r.feed, r.outcome, r.pages, r.stored, r.rejected])).toEqual([
      // The charger with a state of charge of 140 % is kept out.
      ['chargers', 'ok', 1, 1, 1],
      // Five trips in pages of two: three pages; a negative distance and a missing consumption kept out.
      ['trips', 'ok', 3, 3, 2],
      // An end before the start, and an unknown charger.
      ['charges', 'ok', 2, 1, 2],
    ]);
    const db = t.platform.database.db;
    const trips = await db.selectFrom('mobility_trip').selectAll().orderBy('start_at').execute();
    expect(trips.map((r) => r.distance_km)).toEqual([10.2, 10.2, 10.2]);
    expect(trips[0]).toMatchObject({
      duration_s: 2280,
      consumption_kwh: 14.8,
      outside_temp_c: 3.2,
      source: 'fleet',
    });
    expect(trips[0].end_at - trips[0].start_at).toBe(38 * 60_000);

    const admin = await headersAs(t, { roles: ['admin'] });
    const status = (await t.app.inject({ url: '/api/v1/mobility/fleet', headers: admin })).json();
    expect(status.rejected).toBe(5);
    const reasons = status.rejections.map((r: { feed: string; field: string; reason: string }) => [
      r.feed,
      r.field,
      r.reason,
    ]);
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['chargers', 'soc', 'a state of charge is 0 to 100 % (140)'],
        ['trips', 'distance', 'negative (-3)'],
        ['trips', 'consumption', 'missing'],
        ['charges', 'end', 'before the start'],
        ['charges', 'charger', 'no charger with the code PANT-X'],
      ]),
    );
    expect(status.feeds.find((f: { feed: string }) => f.feed === 'trips')).toMatchObject({
      cursor: '5',
      failures: 0,
      stored: 3,
      rejected: 2,
    });
    // The transport operator reads the data but not the adapter's report.
    const transport = await headersAs(t, { roles: ['transport'] });
    expect((await t.app.inject({ url: '/api/v1/mobility/fleet', headers: transport })).statusCode).toBe(403);
  });

  it('backs off after a failure and resumes from its cursor, fetching nothing twice', async () => {
    fleet.trips.push(trip('BUS-205', 100), trip('BUS-206', 108));
    fleet.requests.length = 0;
    fleet.failNext = 2;
    const now = T0 + 3 * 3_600_000;
    const failed = await adapter.poll(now);
    expect(failed.map((r) => r.outcome)).toEqual(['failed', 'failed', 'ok']);
    expect(failed[0].error).toContain('503');
    const db = t.platform.database.db;
    const state = await db
      .selectFrom('mobility_feed_state')
      .selectAll()
      .where('feed', '=', 'trips')
      .executeTakeFirstOrThrow();
    expect(state).toMatchObject({ failures: 1, next_at: now + 120_000, cursor: '5' });

    // Within the back-off nothing is asked for.
    fleet.requests.length = 0;
    expect((await adapter.poll(now + 60_000)).map((r) => r.outcome)).toEqual(['skipped', 'skipped', 'ok']);
    expect(fleet.requests.filter((r) => r.startsWith('/api/trips'))).toEqual([]);

    // After it, the trips list resumes after the five records it had.
    const resumed = await adapter.poll(now + 120_000);
    expect(resumed.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok']);
    expect(fleet.requests.filter((r) => r.startsWith('/api/trips'))).toEqual([
      '/api/trips?limit=500&since=5',
    ]);
    expect(resumed[1]).toMatchObject({ stored: 2, rejected: 0 });
    expect(await db.selectFrom('mobility_trip').select('id').execute()).toHaveLength(5);
    const after = await db
      .selectFrom('mobility_feed_state')
      .selectAll()
      .where('feed', '=', 'trips')
      .executeTakeFirstOrThrow();
    expect(after).toMatchObject({ failures: 0, cursor: '7', last_error: null });
  });

  it('records a charger’s change of status in its history', async () => {
    fleet.chargers[0] = {
      ...fleet.chargers[0],
      status: 'Faulted',
      last_update: new Date(T0 + 4 * 3_600_000).toISOString(),
    };
    await adapter.poll(T0 + 5 * 3_600_000);
    const admin = await headersAs(t, { roles: ['admin'] });
    const chargers = (await t.app.inject({ url: '/api/v1/mobility/chargers', headers: admin })).json();
    const west = chargers.items.find((c: { code: string }) => c.code === 'PANT-W');
    expect(west).toMatchObject({
      status: 'Faulted',
      statusAt: T0 + 4 * 3_600_000,
      current: 'DC',
      powerKw: 450,
    });
    const history = (
      await t.app.inject({ url: `/api/v1/mobility/chargers/${west.id}/status-history`, headers: admin })
    ).json();
    expect(history.items.map((h: { status: string }) => h.status)).toEqual(['Faulted', 'Available']);
  });
});
