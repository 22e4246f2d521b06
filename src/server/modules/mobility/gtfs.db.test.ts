import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';

/** A small GTFS feed, file by file: one agency, two routes, four stops, a shape, two services. */
const FEED: Record<string, string> = {
  'agency.txt':
    'agency_id,agency_name,agency_url,agency_timezone\nTUV,TUVISA,https://tuvisa.example,Europe/Madrid\n',
  'routes.txt':
    'route_id,agency_id,route_short_name,route_long_name,route_type,route_color\n' +
    'R5,TUV,5,"Lakua – Sansomendi",3,1F5FA8\n' +
    'R9,TUV,9,Circular,3,\n',
  'stops.txt':
    'stop_id,stop_name,stop_lat,stop_lon\n' +
    'S1,Lakua,42.8650,-2.6850\n' +
    'S2,"Portal de Castilla, 1",42.8580,-2.6840\n' +
    'S3,Sansomendi,42.8600,-2.7000\n' +
    'S4,Circular 1,42.8500,-2.6700\n',
  'shapes.txt':
    'shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n' +
    'SH5,42.8650,-2.6850,1\nSH5,42.8580,-2.6840,2\nSH5,42.8600,-2.7000,3\n',
  'calendar.txt':
    'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n' +
    'WK,1,1,1,1,1,0,0,20260101,20261231\n',
  'calendar_dates.txt': 'service_id,date,exception_type\nWK,20261208,2\nHOL,20261225,1\n',
  'trips.txt':
    'route_id,service_id,trip_id,trip_headsign,direction_id,shape_id\n' +
    'R5,WK,T1,Sansomendi,0,SH5\n' +
    'R5,WK,T2,Sansomendi,0,SH5\n' +
    'R9,HOL,T3,Circular,,\n',
  'stop_times.txt':
    'trip_id,arrival_time,departure_time,stop_id,stop_sequence\n' +
    'T1,07:00:00,07:00:00,S1,1\n' +
    'T1,,,S2,2\n' +
    'T1,07:10:00,07:10:00,S3,3\n' +
    'T2,25:10:00,25:10:00,S1,1\n' +
    'T2,25:14:00,25:15:00,S2,2\n' +
    'T2,25:20:00,25:20:00,S3,3\n' +
    'T3,12:00:00,12:00:00,S4,1\n' +
    'T3,12:30:00,12:30:00,S1,2\n',
};

const zip = (files: Record<string, string | undefined>) =>
  Buffer.from(
    zipSync(
      Object.fromEntries(
        Object.entries(files).flatMap(([name, text]) => (text === undefined ? [] : [[name, strToU8(text)]])),
      ),
    ),
  );

/** The feed with one file changed (undefined: left out). */
const variant = (name: string, text: string | undefined) => zip({ ...FEED, [name]: text });
const replaceLine = (name: string, from: string, to: string) => {
  expect(FEED[name]).toContain(from);
  return variant(name, FEED[name].replace(from, to));
};

let t: TestPlatform;
let transport: Record<string, string>;
const NOW = Date.parse('2026-12-07T08:00:00Z');

const upload = (body: Buffer, headers = transport, query = '') =>
  t.app.inject({
    method: 'POST',
    url: `/api/v1/mobility/gtfs${query}`,
    headers: { ...headers, 'content-type': 'application/zip' },
    payload: body,
  });

/** The timetable as stored, to compare before and after. */
async function timetable() {
  const db = t.platform.database.db;
  return {
    lines: await db.selectFrom('mobility_line').select(['code', 'name', 'source']).orderBy('code').execute(),
    stops: await db.selectFrom('mobility_stop').select(['code', 'name']).orderBy('code').execute(),
    trips: await db
      .selectFrom('mobility_scheduled_trip')
      .select(['code', 'departure_s', 'direction'])
      .orderBy('code')
      .execute(),
    stopTimes: await db
      .selectFrom('mobility_stop_time as st')
      .innerJoin('mobility_scheduled_trip as t', 't.id', 'st.trip_id')
      .select(['t.code', 'st.seq', 'st.arrival_s', 'st.departure_s'])
      .orderBy('t.code')
      .orderBy('st.seq')
      .execute(),
    services: await db
      .selectFrom('mobility_service')
      .select(['code', 'weekdays', 'start_date'])
      .orderBy('code')
      .execute(),
    dates: await db
      .selectFrom('mobility_service_date')
      .select(['date', 'exception_type'])
      .orderBy('date')
      .execute(),
    shapes: await db.selectFrom('mobility_shape').select(['code', 'length_km']).orderBy('code').execute(),
  };
}

beforeAll(async () => {
  t = await openTestPlatform();
  t.platform.clock.now = () => NOW;
  transport = await headersAs(t, { roles: ['transport'] });
});
afterAll(async () => t?.close());

describe('the GTFS import', () => {
  it('takes a feed: routes become lines with their shapes, patterns and timetable', async () => {
    const res = await upload(zip(FEED));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      dryRun: false,
      agencies: 1,
      lines: 2,
      stops: 4,
      shapes: 1,
      services: 2,
      trips: 3,
      stopTimes: 8,
    });
    const stored = await timetable();
    expect(stored.lines).toEqual([
      { code: '5', name: 'Lakua – Sansomendi', source: 'gtfs' },
      { code: '9', name: 'Circular', source: 'gtfs' },
    ]);
    expect(stored.trips).toEqual([
      { code: 'T1', departure_s: 7 * 3600, direction: 0 },
      // Past midnight as GTFS writes it: 25:10:00.
      { code: 'T2', departure_s: 25 * 3600 + 600, direction: 0 },
      { code: 'T3', departure_s: 12 * 3600, direction: 0 },
    ]);
    // The stop without times (not a timepoint) gets one halfway.
    expect(stored.stopTimes.filter((s) => s.code === 'T1').map((s) => s.arrival_s)).toEqual([
      25_200, 25_500, 25_800,
    ]);
    // A service known only by its dates, and a date a service does not run.
    expect(stored.services).toEqual([
      { code: 'HOL', weekdays: '0000000', start_date: '2026-12-25' },
      { code: 'WK', weekdays: '1111100', start_date: '2026-01-01' },
    ]);
    expect(stored.dates).toEqual([
      { date: '2026-12-08', exception_type: 2 },
      { date: '2026-12-25', exception_type: 1 },
    ]);
    expect(stored.shapes[0].code).toBe('SH5');
    expect(stored.shapes[0].length_km).toBeGreaterThan(1.5);

    const lines = (await t.app.inject({ url: '/api/v1/mobility/lines', headers: transport })).json()
      .items as { id: number; code: string; colour: string | null }[];
    const five = lines.find((l) => l.code === '5') as { id: number };
    const detail = (
      await t.app.inject({ url: `/api/v1/mobility/lines/${five.id}`, headers: transport })
    ).json();
    expect(detail.shapes).toHaveLength(1);
    expect(detail.shapes[0].points[0]).toEqual([-2.685, 42.865]);
    expect(detail.pattern.map((p: { seq: number }) => p.seq)).toEqual([1, 2, 3]);
  });

  const broken: [string, Buffer, { file: string; row: number | null; column: string | null }, RegExp][] = [
    [
      'a missing required file',
      variant('stop_times.txt', undefined),
      { file: 'stop_times.txt', row: null, column: null },
      /missing/,
    ],
    [
      'a missing required column',
      variant('stops.txt', FEED['stops.txt'].replace('stop_lat', 'latitude')),
      { file: 'stops.txt', row: 1, column: 'stop_lat' },
      /required column/,
    ],
    [
      'a stop time of an unknown stop',
      replaceLine('stop_times.txt', 'T1,07:10:00,07:10:00,S3,3', 'T1,07:10:00,07:10:00,S7,3'),
      { file: 'stop_times.txt', row: 4, column: 'stop_id' },
      /"S7" is not a stop_id of stops\.txt/,
    ],
    [
      'a trip of an unknown route',
      replaceLine('trips.txt', 'R9,HOL,T3', 'R8,HOL,T3'),
      { file: 'trips.txt', row: 4, column: 'route_id' },
      /"R8"/,
    ],
    [
      'a trip of an unknown service',
      replaceLine('trips.txt', 'R5,WK,T2', 'R5,SAT,T2'),
      { file: 'trips.txt', row: 3, column: 'service_id' },
      /"SAT"/,
    ],
    [
      'a time with 61 minutes',
      replaceLine('stop_times.txt', 'T2,25:14:00,25:15:00', 'T2,25:61:00,25:61:00'),
      { file: 'stop_times.txt', row: 6, column: 'arrival_time' },
      /"25:61:00" is not a time/,
    ],
    [
      'a time with 60 seconds',
      replaceLine('stop_times.txt', 'T3,12:30:00,12:30:00', 'T3,12:30:00,12:30:60'),
      { file: 'stop_times.txt', row: 9, column: 'departure_time' },
      /"12:30:60"/,
    ],
    [
      'an impossible date',
      replaceLine('calendar.txt', '20261231', '20260231'),
      { file: 'calendar.txt', row: 2, column: 'end_date' },
      /"20260231" is not a date/,
    ],
    [
      'a latitude out of range',
      replaceLine('stops.txt', 'S4,Circular 1,42.8500', 'S4,Circular 1,142.8500'),
      { file: 'stops.txt', row: 5, column: 'stop_lat' },
      /142\.85/,
    ],
    [
      'neither calendar.txt nor calendar_dates.txt',
      zip({ ...FEED, 'calendar.txt': undefined, 'calendar_dates.txt': undefined }),
      { file: 'calendar.txt', row: null, column: null },
      /neither/,
    ],
    [
      'a file that is not a zip',
      Buffer.from('route_id,route_type\n1,3\n'),
      { file: '(zip)', row: null, column: null },
      /not a readable zip/,
    ],
  ];

  it.each(broken)(
    'refuses %s, naming the file, row and column, and keeps the previous feed',
    async (_l, body, where, detail) => {
      const before = await timetable();
      const res = await upload(body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = res.json();
      expect(problem).toMatchObject(where);
      expect(problem.detail).toMatch(detail);
      expect(problem.detail).toContain(where.file);
      expect(await timetable()).toEqual(before);
    },
  );

  it('checks only, on a dry run', async () => {
    const before = await timetable();
    const res = await upload(
      replaceLine('routes.txt', 'R9,TUV,9,Circular', 'R9,TUV,9,Ring'),
      transport,
      '?dryRun=true',
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ dryRun: true, lines: 2, trips: 3 });
    expect(await timetable()).toEqual(before);
  });

  it('replaces the previous feed whole on a re-import; what the new one no longer lists goes', async () => {
    const next = zip({
      ...FEED,
      'routes.txt':
        'route_id,agency_id,route_short_name,route_long_name,route_type\nR5,TUV,5,Lakua – Sansomendi (new),3\n',
      'trips.txt':
        'route_id,service_id,trip_id,trip_headsign,direction_id,shape_id\nR5,WK,T10,Sansomendi,1,SH5\n',
      'stop_times.txt':
        'trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT10,08:00:00,08:00:00,S3,1\nT10,08:12:00,08:12:00,S1,2\n',
      'calendar_dates.txt': undefined,
    });
    const lineId = (
      await t.platform.database.db
        .selectFrom('mobility_line')
        .select('id')
        .where('code', '=', '5')
        .executeTakeFirstOrThrow()
    ).id;
    const res = await upload(next);
    expect(res.statusCode, res.body).toBe(200);
    const stored = await timetable();
    expect(stored.lines).toEqual([{ code: '5', name: 'Lakua – Sansomendi (new)', source: 'gtfs' }]);
    expect(stored.trips).toEqual([{ code: 'T10', departure_s: 8 * 3600, direction: 1 }]);
    expect(stored.stops.map((s) => s.code)).toEqual(['S1', 'S3']);
    expect(stored.services.map((s) => s.code)).toEqual(['WK']);
    expect(stored.dates).toEqual([]);
    // The line kept its id, so what names it (vehicles, trips run, KPIs) still does.
    const same = await t.platform.database.db
      .selectFrom('mobility_line')
      .select('id')
      .where('code', '=', '5')
      .executeTakeFirstOrThrow();
    expect(same.id).toBe(lineId);
  });

  it('exports the timetable as a GTFS feed that imports back to the same timetable', async () => {
    expect((await upload(zip(FEED))).statusCode).toBe(200);
    const before = await timetable();
    const res = await t.app.inject({ url: '/api/v1/mobility/gtfs', headers: transport });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    const files = unzipSync(res.rawPayload);
    expect(Object.keys(files).sort()).toEqual([
      'agency.txt',
      'calendar.txt',
      'calendar_dates.txt',
      'routes.txt',
      'shapes.txt',
      'stop_times.txt',
      'stops.txt',
      'trips.txt',
    ]);
    expect(new TextDecoder().decode(files['stop_times.txt'])).toContain('T2,25:10:00,25:10:00,S1,1');
    const again = await upload(res.rawPayload);
    expect(again.statusCode, again.body).toBe(200);
    expect(await timetable()).toEqual(before);
  });

  it('is refused to a resident and to a read-only machine token', async () => {
    for (const who of [{ roles: ['resident' as const] }, { scopes: ['read' as const] }]) {
      const res = await upload(zip(FEED), await headersAs(t, who));
      expect(res.statusCode, res.body).toBe(403);
    }
  });
});
