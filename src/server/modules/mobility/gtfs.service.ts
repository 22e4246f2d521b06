import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { HttpProblem } from '../../plugins/errors.ts';
import {
  CALENDAR_HEADER,
  formatGtfsTime,
  GtfsError,
  type GtfsFeed,
  readGtfs,
  SHAPES_HEADER,
  shapeRows,
  STOPS_HEADER,
  writeGtfs,
} from './gtfs-feed.ts';
import { countFeed, type GtfsCounts, replaceGtfsFeed, timetableModel } from './gtfs.store.ts';

/** What an import did (or, on a dry run, would do). */
export interface GtfsImportReport extends GtfsCounts {
  dryRun: boolean;
}

/** A GTFS fault as the problem the importer answers: 400, naming the file, row and column. */
export function gtfsProblem(error: GtfsError): HttpProblem {
  return new HttpProblem(400, `The GTFS feed cannot be imported: ${error.message} Nothing was changed.`, {
    file: error.file,
    row: error.row,
    column: error.column,
  });
}

/** GTFS static feeds in and out of the mobility model. */
export class GtfsService {
  constructor(private readonly db: Kysely<Database>) {}

  /** Reads a feed, refusing a malformed one with the problem naming where. */
  read(zip: Uint8Array): GtfsFeed {
    try {
      return readGtfs(zip);
    } catch (error) {
      if (error instanceof GtfsError) throw gtfsProblem(error);
      throw error;
    }
  }

  /**
   * Imports a GTFS zip: the whole feed is checked first, then the previous feed's lines, shapes,
   * patterns and timetable are replaced in one transaction, so a reader sees the old feed or the
   * new one, and a refused feed leaves the old one.
   */
  async import(zip: Uint8Array, now: number, dryRun = false): Promise<GtfsImportReport> {
    const feed = this.read(zip);
    if (dryRun) return { ...countFeed(feed), dryRun };
    const counts = await this.db.transaction().execute((trx) => replaceGtfsFeed(trx, feed, now));
    return { ...counts, dryRun };
  }

  /** The model's lines, stops, shapes, calendar and timetable as a GTFS zip. */
  async export(timezone: string): Promise<Uint8Array> {
    const m = await timetableModel(this.db);
    const lineCode = new Map(m.lines.map((l) => [l.id, l.external_id ?? l.code]));
    const stopCode = new Map(m.stops.map((s) => [s.id, s.code]));
    const serviceCode = new Map(m.services.map((s) => [s.id, s.code]));
    const shapeCode = new Map(m.shapes.map((s) => [s.id, s.code]));
    const agencies = [...new Set(m.lines.map((l) => l.agency || 'CIOP'))];
    const compact = (d: string) => d.replace(/-/g, '');
    return writeGtfs({
      'agency.txt': {
        header: ['agency_id', 'agency_name', 'agency_url', 'agency_timezone'],
        rows: agencies.map((a) => [a, a, 'https://ciop.invalid/', timezone]),
      },
      'routes.txt': {
        header: ['route_id', 'agency_id', 'route_short_name', 'route_long_name', 'route_type', 'route_color'],
        rows: m.lines.map((l) => [
          lineCode.get(l.id) as string,
          l.agency || 'CIOP',
          l.code,
          l.name,
          l.route_type,
          l.colour ? l.colour.replace('#', '') : '',
        ]),
      },
      'stops.txt': {
        header: STOPS_HEADER,
        rows: m.stops.map((s) => [s.code, s.name, s.latitude, s.longitude]),
      },
      'shapes.txt': {
        header: SHAPES_HEADER,
        rows: shapeRows(m.shapes),
      },
      'calendar.txt': {
        header: CALENDAR_HEADER,
        rows: m.services.map((s) => [
          s.code,
          ...s.weekdays.split(''),
          compact(s.start_date),
          compact(s.end_date),
        ]),
      },
      'calendar_dates.txt': {
        header: ['service_id', 'date', 'exception_type'],
        rows: m.dates.map((d) => [
          serviceCode.get(d.service_id) as string,
          compact(d.date),
          d.exception_type,
        ]),
      },
      'trips.txt': {
        header: ['route_id', 'service_id', 'trip_id', 'trip_headsign', 'direction_id', 'shape_id'],
        rows: m.trips.map((t) => [
          lineCode.get(t.line_id) as string,
          serviceCode.get(t.service_id) as string,
          t.code,
          t.headsign,
          t.direction,
          t.shape_id === null ? '' : (shapeCode.get(t.shape_id) ?? ''),
        ]),
      },
      'stop_times.txt': {
        header: ['trip_id', 'arrival_time', 'departure_time', 'stop_id', 'stop_sequence'],
        rows: (() => {
          const tripCode = new Map(m.trips.map((t) => [t.id, t.code]));
          return m.stopTimes.map((st) => [
            tripCode.get(st.trip_id) as string,
            formatGtfsTime(st.arrival_s),
            formatGtfsTime(st.departure_s),
            stopCode.get(st.stop_id) as string,
            st.seq,
          ]);
        })(),
      },
    });
  }
}
