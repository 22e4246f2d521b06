import type { Kysely } from 'kysely';
import { DAY_MS } from '#common/time.ts';
import type { Database } from '../../db/schema.ts';
import { DEMO_FLEET, RUN_MIN, SERVICES } from './fleet-simulation.ts';
import {
  CALENDAR_HEADER,
  formatGtfsTime,
  SHAPES_HEADER,
  shapeRows,
  STOPS_HEADER,
  writeGtfs,
} from './gtfs-feed.ts';
import { LocalCalendar } from './local-calendar.ts';

/**
 * The demo's line 2 as a GTFS static feed: its stops and shapes as the model holds them, and the
 * timetable the demo runs (a bus every 8 minutes on weekdays, every 10 at weekends, 38 minutes
 * end to end), valid from 90 days before `now` to a year after. Undefined when line 2 is not there.
 */
export async function demoGtfsFeed(
  db: Kysely<Database>,
  zone: string,
  now: number,
): Promise<Uint8Array | undefined> {
  const line = await db.selectFrom('mobility_line').selectAll().where('code', '=', '2').executeTakeFirst();
  if (!line) return undefined;
  const pattern = await db
    .selectFrom('mobility_line_stop as ls')
    .innerJoin('mobility_stop as s', 's.id', 'ls.stop_id')
    .select(['ls.direction', 'ls.seq', 's.code', 's.name', 's.latitude', 's.longitude'])
    .where('ls.line_id', '=', line.id)
    .orderBy('ls.direction')
    .orderBy('ls.seq')
    .execute();
  if (pattern.length === 0) return undefined;
  const shapes = await db.selectFrom('mobility_shape').selectAll().where('line_id', '=', line.id).execute();
  const calendar = new LocalCalendar(zone);
  const compact = (t: number) => String(calendar.day(t));
  const start = compact(now - 90 * DAY_MS);
  const end = compact(now + 366 * DAY_MS);
  const directions = [0, 1].filter((d) => pattern.some((p) => p.direction === d));
  const trips: (string | number)[][] = [];
  const stopTimes: (string | number)[][] = [];
  for (const s of SERVICES) {
    const cycleS = DEMO_FLEET.busesPerLine * s.headwayMin * 60;
    for (const direction of directions) {
      const stops = pattern.filter((p) => p.direction === direction);
      const shape = shapes.find((x) => x.direction === direction);
      for (let t = s.firstS, i = 0; t <= s.lastS; t += s.headwayMin * 60, i++) {
        const tripId = `2-${s.code}-${direction}-${i}`;
        const departure = t + (direction === 1 ? cycleS / 2 : 0);
        trips.push([
          '2',
          `gtfs-${s.code}`,
          tripId,
          direction === 0 ? 'Salburua' : 'Zabalgana',
          direction,
          shape?.code ?? '',
        ]);
        stops.forEach((p, seq) => {
          const at = departure + Math.round((RUN_MIN * 60 * seq) / Math.max(1, stops.length - 1));
          stopTimes.push([
            tripId,
            formatGtfsTime(at),
            formatGtfsTime(at + (seq === 0 ? 0 : 20)),
            p.code,
            seq + 1,
          ]);
        });
      }
    }
  }
  const used = new Map(pattern.map((p) => [p.code, p]));
  return writeGtfs({
    'agency.txt': {
      header: ['agency_id', 'agency_name', 'agency_url', 'agency_timezone'],
      rows: [['TUVISA', line.agency || 'TUVISA', 'https://www.vitoria-gasteiz.org/tuvisa', zone]],
    },
    'routes.txt': {
      header: ['route_id', 'agency_id', 'route_short_name', 'route_long_name', 'route_type', 'route_color'],
      rows: [['2', 'TUVISA', '2', line.name, 3, (line.colour ?? '#0a7d3b').replace('#', '')]],
    },
    'stops.txt': {
      header: STOPS_HEADER,
      rows: [...used.values()].map((p) => [p.code, p.name, p.latitude, p.longitude]),
    },
    'shapes.txt': {
      header: SHAPES_HEADER,
      rows: shapeRows(shapes),
    },
    'calendar.txt': {
      header: CALENDAR_HEADER,
      rows: SERVICES.map((s) => [`gtfs-${s.code}`, ...s.weekdays.split(''), start, end]),
    },
    'trips.txt': {
      header: ['route_id', 'service_id', 'trip_id', 'trip_headsign', 'direction_id', 'shape_id'],
      rows: trips,
    },
    'stop_times.txt': {
      header: ['trip_id', 'arrival_time', 'departure_time', 'stop_id', 'stop_sequence'],
      rows: stopTimes,
    },
  });
}
