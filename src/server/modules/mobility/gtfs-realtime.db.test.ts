import http from 'node:http';
import type { AddressInfo } from 'node:net';
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { GtfsRtPoller } from './gtfs-realtime.ts';
import { GTFS_RT_JOB } from './index.ts';

const { FeedMessage } = GtfsRealtimeBindings.transit_realtime;

const NOW = Date.parse('2026-12-07T08:00:00Z');
const S = (ms: number) => Math.floor(ms / 1000);

/** A FeedMessage as an operator's system encodes it, with the official bindings. */
function feed(
  at: number,
  vehicles: { id: string; plate?: string; lat: number; lon: number; at?: number }[],
  updates: { trip: string; route?: string; vehicle?: string; delay: number; onStop?: boolean }[] = [],
): Uint8Array {
  return FeedMessage.encode(
    FeedMessage.fromObject({
      header: { gtfsRealtimeVersion: '2.0', incrementality: 0, timestamp: S(at) },
      entity: [
        ...vehicles.map((v) => ({
          id: `v-${v.id}`,
          vehicle: {
            vehicle: { id: v.id, ...(v.plate ? { licensePlate: v.plate } : {}) },
            position: { latitude: v.lat, longitude: v.lon },
            timestamp: S(v.at ?? at),
            trip: { tripId: 'T1', routeId: '2' },
          },
        })),
        ...updates.map((u, i) => ({
          id: `u-${i}`,
          tripUpdate: {
            trip: { tripId: u.trip, ...(u.route ? { routeId: u.route } : {}) },
            ...(u.vehicle ? { vehicle: { id: u.vehicle } } : {}),
            timestamp: S(at),
            ...(u.onStop
              ? { stopTimeUpdate: [{ stopSequence: 3, arrival: { delay: u.delay } }] }
              : { delay: u.delay, stopTimeUpdate: [] }),
          },
        })),
      ],
    }),
  ).finish();
}

/** A small fake of an operator's GTFS-Realtime server: two feeds, answered as set, failures on demand. */
async function fakeFeeds() {
  const fake = {
    vehicles: new Uint8Array() as Uint8Array,
    tripUpdates: new Uint8Array() as Uint8Array,
    failNext: 0,
    requests: 0,
  };
  const server = http.createServer((req, res) => {
    fake.requests++;
    if (fake.failNext > 0) {
      fake.failNext--;
      res.writeHead(503).end('maintenance');
      return;
    }
    const body =
      req.url === '/vehicles.pb'
        ? fake.vehicles
        : req.url === '/trip-updates.pb'
          ? fake.tripUpdates
          : undefined;
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

let t: TestPlatform;
let machine: Record<string, string>;
let transport: Record<string, string>;
let fake: Awaited<ReturnType<typeof fakeFeeds>>;

beforeAll(async () => {
  t = await openTestPlatform();
  t.platform.clock.now = () => NOW;
  machine = await headersAs(t, { scopes: ['ingest:write'] });
  transport = await headersAs(t, { roles: ['transport'] });
  fake = await fakeFeeds();
  // A bus the model knows by its code, and a line with a trip whose delay names only the trip.
  await t.platform.mobility.gtfs.import(
    await (async () => {
      const { strToU8, zipSync } = await import('fflate');
      return zipSync({
        'agency.txt': strToU8(
          'agency_name,agency_url,agency_timezone\nTUVISA,https://t.example,Europe/Madrid\n',
        ),
        'routes.txt': strToU8('route_id,route_short_name,route_type\nR2,2,3\n'),
        'stops.txt': strToU8('stop_id,stop_name,stop_lat,stop_lon\nS1,A,42.85,-2.67\nS2,B,42.86,-2.68\n'),
        'calendar_dates.txt': strToU8('service_id,date,exception_type\nD,20261207,1\n'),
        'trips.txt': strToU8('route_id,service_id,trip_id\nR2,D,T1\n'),
        'stop_times.txt': strToU8(
          'trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,08:00:00,08:00:00,S1,1\nT1,08:10:00,08:10:00,S2,2\n',
        ),
      });
    })(),
    NOW,
  );
  await t.platform.database.db
    .insertInto('mobility_vehicle')
    .values({
      code: 'BUS-201',
      plate: '2001-LBB',
      model: 'Irizar ie tram',
      type: 'articulated',
      battery_kwh: 300,
      line_id: null,
      diesel_l_per_100km: null,
      source: 'demo',
      updated_at: NOW,
    })
    .execute();
});
afterAll(async () => {
  await fake?.close();
  await t?.close();
});

/** Each bus's position as the bus app's map reads it. */
async function mapPositions() {
  const res = await t.app.inject({ url: '/api/v1/mobility/vehicles', headers: transport });
  expect(res.statusCode, res.body).toBe(200);
  return Object.fromEntries(
    (res.json().items as { plate: string; position: unknown }[]).map((v) => [v.plate, v.position]),
  );
}

const push = (body: Uint8Array | string, headers = machine, type = 'application/x-protobuf') =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/mobility/gtfs-rt',
    headers: { ...headers, 'content-type': type },
    payload: typeof body === 'string' ? body : Buffer.from(body),
  });

describe('GTFS-Realtime', () => {
  it('takes a pushed FeedMessage: positions reach the map, delays become series', async () => {
    const at = NOW - 30_000;
    const res = await push(
      feed(
        at,
        [
          { id: 'BUS-201', lat: 42.8512345, lon: -2.6723456 },
          { id: 'BUS-999', plate: '9999-XYZ', lat: 42.86, lon: -2.68, at: at - 5_000 },
        ],
        [
          { trip: 'T1', route: '2', vehicle: 'BUS-201', delay: 95 },
          { trip: 'T1', delay: -30, onStop: true },
        ],
      ),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ positions: 2, delays: 2, skipped: 0, newVehicles: 1, feedAt: at });
    const positions = await mapPositions();
    expect(positions['2001-LBB']).toEqual({ at, latitude: 42.85123, longitude: -2.67235 });
    expect(positions['9999-XYZ']).toMatchObject({ at: at - 5_000 });
    // The bus it did not know is added, on the line of the trip it runs.
    const added = await t.app.inject({ url: '/api/v1/mobility/vehicles', headers: transport });
    expect(added.json().items).toContainEqual(
      expect.objectContaining({ code: 'BUS-999', plate: '9999-XYZ', line: '2' }),
    );
    const { realtime } = t.platform.mobility;
    expect(await realtime.latestDelay('2', '2001-LBB')).toEqual({ at, delayS: 95 });
    // A TripUpdate naming only its trip is on the line the timetable gives the trip.
    expect(await realtime.latestDelay('2')).toEqual({ at, delayS: -30 });
  });

  it('refuses a body that is not a FeedMessage, a JSON body and a caller without the right', async () => {
    const garbage = await push('\u00ff\u00ff\u00ff\u00ff not protobuf');
    expect(garbage.statusCode, garbage.body).toBe(400);
    expect(garbage.json().detail).toMatch(/not a GTFS-Realtime FeedMessage/);
    const json = await push('{"entity": []}', machine, 'application/json');
    expect(json.statusCode, json.body).toBe(415);
    const reader = await push(feed(NOW, []), await headersAs(t, { scopes: ['read'] }));
    expect(reader.statusCode, reader.body).toBe(403);
    const anonymous = await push(feed(NOW, []), {});
    expect(anonymous.statusCode, anonymous.body).toBe(401);
  });

  it('polls VehiclePositions and TripUpdates feeds; an unchanged feed is not stored again; a failure backs off', async () => {
    const poller = new GtfsRtPoller(t.platform.database.db, t.platform.mobility.realtime, {
      vehiclesUrl: `${fake.url}/vehicles.pb`,
      tripUpdatesUrl: `${fake.url}/trip-updates.pb`,
      pollIntervalMs: 10_000,
    });
    const at = NOW + 10_000;
    fake.vehicles = feed(at, [{ id: 'BUS-201', lat: 42.855, lon: -2.675 }]);
    fake.tripUpdates = feed(at, [], [{ trip: 'T1', route: '2', vehicle: 'BUS-201', delay: 120 }]);
    const first = await poller.poll(at);
    expect(first).toEqual({
      'gtfs-rt:vehicles': { positions: 1, delays: 0, skipped: 0, newVehicles: 0, feedAt: at },
      'gtfs-rt:trip-updates': { positions: 0, delays: 1, skipped: 0, newVehicles: 0, feedAt: at },
    });
    expect((await mapPositions())['2001-LBB']).toEqual({ at, latitude: 42.855, longitude: -2.675 });
    expect(await t.platform.mobility.realtime.latestDelay('2', '2001-LBB')).toEqual({ at, delayS: 120 });

    expect(await poller.poll(at + 10_000)).toEqual({
      'gtfs-rt:vehicles': 'unchanged',
      'gtfs-rt:trip-updates': 'unchanged',
    });

    fake.failNext = 1;
    const failed = await poller.poll(at + 20_000);
    expect(failed['gtfs-rt:vehicles']).toEqual({ error: expect.stringMatching(/503/) });
    // The vehicles feed waits (10 s doubled) before the next try; the other goes on.
    const later = await poller.poll(at + 30_000);
    expect(later['gtfs-rt:vehicles']).toBe('skipped');
    fake.vehicles = feed(at + 40_000, [{ id: 'BUS-201', lat: 42.856, lon: -2.676 }]);
    const again = await poller.poll(at + 40_000);
    expect(again['gtfs-rt:vehicles']).toMatchObject({ positions: 1 });
    const status = await t.app.inject({
      url: '/api/v1/mobility/fleet',
      headers: await headersAs(t, { roles: ['admin'] }),
    });
    expect(status.json().feeds).toContainEqual(
      expect.objectContaining({ feed: 'gtfs-rt:vehicles', failures: 0, lastError: null, stored: 2 }),
    );
  });

  it('is a scheduled job when a feed URL is set, and not otherwise', async () => {
    expect(t.platform.scheduler.jobNames).not.toContain(GTFS_RT_JOB);
    const p = await openTestPlatform({
      gtfsRtVehiclesUrl: `${fake.url}/vehicles.pb`,
      gtfsRtPollIntervalS: 5,
    });
    try {
      expect(p.platform.scheduler.jobNames).toContain(GTFS_RT_JOB);
      const at = Date.now();
      fake.vehicles = feed(at, [{ id: 'BUS-7', plate: '7777-BBB', lat: 42.85, lon: -2.67 }]);
      expect(await p.platform.scheduler.runScheduled(GTFS_RT_JOB, 1, at)).toBe(true);
      const latest = await p.platform.mobility.positions.latest(['7777-BBB']);
      expect(latest.get('7777-BBB')).toEqual({ at: S(at) * 1000, latitude: 42.85, longitude: -2.67 });
    } finally {
      await p.close();
    }
  });
});
