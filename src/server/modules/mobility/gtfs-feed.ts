import { parse } from 'csv-parse/sync';
import { unzipSync, zipSync } from 'fflate';

/**
 * A GTFS static feed (https://gtfs.org/documentation/schedule/reference/), read from its zip and
 * checked whole: every required file and column, every reference between files, every time and
 * date. What CIOP keeps of it: agencies, routes, stops, shapes, calendar, calendar_dates, trips and
 * stop_times.
 */
export interface GtfsFeed {
  /** agency_id (or '' for a feed with one agency) → agency_name. */
  agencies: Map<string, string>;
  routes: GtfsRoute[];
  stops: Map<string, GtfsStop>;
  /** shape_id → points [longitude, latitude] in shape_pt_sequence order. */
  shapes: Map<string, [number, number][]>;
  services: Map<string, GtfsService>;
  serviceDates: { serviceId: string; date: string; exceptionType: 1 | 2 }[];
  trips: Map<string, GtfsTrip>;
  /** trip_id → its stop times in stop_sequence order. */
  stopTimes: Map<string, GtfsStopTime[]>;
}

export interface GtfsRoute {
  id: string;
  agency: string;
  shortName: string;
  longName: string;
  /** GTFS route_type (3 = bus). */
  type: number;
  /** '#RRGGBB' or null. */
  colour: string | null;
}

export interface GtfsStop {
  id: string;
  name: string;
  /** WGS 84 degrees. */
  latitude: number;
  longitude: number;
}

export interface GtfsService {
  /** Seven '1'/'0', Monday first. */
  weekdays: string;
  /** YYYY-MM-DD, inclusive. */
  startDate: string;
  endDate: string;
}

export interface GtfsTrip {
  id: string;
  routeId: string;
  serviceId: string;
  direction: number;
  shapeId: string | null;
  headsign: string;
}

export interface GtfsStopTime {
  seq: number;
  stopId: string;
  /** Seconds after the service day's start (GTFS: may pass 24 h). */
  arrivalS: number;
  departureS: number;
}

/** A feed that cannot be taken, and where: file, row (line of the file, the header being 1) and column. */
export class GtfsError extends Error {
  constructor(
    readonly file: string,
    readonly row: number | null,
    readonly column: string | null,
    readonly reason: string,
  ) {
    super(
      `${file}${row !== null ? `, row ${row}` : ''}${column !== null ? `, column ${column}` : ''}: ${reason}`,
    );
  }
}

/** The largest feed unpacked, bytes: a zip that inflates beyond it is refused before it is. */
export const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** Columns each file must have (GTFS Schedule reference, "Required" and the conditions CIOP needs). */
const REQUIRED: Record<string, readonly string[]> = {
  'agency.txt': ['agency_name', 'agency_url', 'agency_timezone'],
  'routes.txt': ['route_id', 'route_type'],
  'stops.txt': ['stop_id', 'stop_lat', 'stop_lon'],
  'trips.txt': ['route_id', 'service_id', 'trip_id'],
  'stop_times.txt': ['trip_id', 'stop_sequence', 'stop_id', 'arrival_time', 'departure_time'],
  'calendar.txt': ['service_id', ...WEEKDAYS, 'start_date', 'end_date'],
  'calendar_dates.txt': ['service_id', 'date', 'exception_type'],
  'shapes.txt': ['shape_id', 'shape_pt_lat', 'shape_pt_lon', 'shape_pt_sequence'],
};

interface Row {
  /** Line of the file where the record starts (the header is line 1). */
  line: number;
  get(column: string): string;
}

/** A file's records, with its header checked for the required columns. */
function table(files: Map<string, Uint8Array>, name: string, required: boolean): Row[] | undefined {
  const bytes = files.get(name);
  if (!bytes) {
    if (required) throw new GtfsError(name, null, null, 'the file is missing from the feed.');
    return undefined;
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(Buffer.from(bytes), {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const e = error as { lines?: number; message: string };
    throw new GtfsError(name, e.lines ?? null, null, `the file is not valid CSV (${e.message}).`);
  }
  if (records.length === 0) throw new GtfsError(name, 1, null, 'the file has no header row.');
  const header = records[0].record.map((h) => h.trim());
  const index = new Map(header.map((h, i) => [h, i]));
  for (const column of REQUIRED[name] ?? [])
    if (!index.has(column)) throw new GtfsError(name, 1, column, 'the required column is missing.');
  return records.slice(1).map(({ record, info }) => ({
    line: info.lines,
    get: (column: string) => {
      const i = index.get(column);
      return i === undefined ? '' : (record[i] ?? '').trim();
    },
  }));
}

function required(file: string, row: Row, column: string): string {
  const value = row.get(column);
  if (value === '') throw new GtfsError(file, row.line, column, 'a value is required.');
  return value;
}

function number(file: string, row: Row, column: string, min: number, max: number): number {
  const text = required(file, row, column);
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max)
    throw new GtfsError(file, row.line, column, `"${text}" is not a number from ${min} to ${max}.`);
  return value;
}

function integer(file: string, row: Row, column: string, min: number, max: number): number {
  const value = number(file, row, column, min, max);
  if (!Number.isInteger(value))
    throw new GtfsError(file, row.line, column, `"${row.get(column)}" is not a whole number.`);
  return value;
}

/** GTFS time HH:MM:SS (hours may pass 24 for trips past midnight) → seconds; '' → undefined. */
export function parseGtfsTime(text: string): number | undefined {
  const m = /^(\d{1,3}):(\d{2}):(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [h, min, s] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (min > 59 || s > 59) return undefined;
  return h * 3600 + min * 60 + s;
}

function time(file: string, row: Row, column: string): number | null {
  const text = row.get(column);
  if (text === '') return null;
  const s = parseGtfsTime(text);
  if (s === undefined)
    throw new GtfsError(
      file,
      row.line,
      column,
      `"${text}" is not a time HH:MM:SS (hours may pass 24; minutes and seconds below 60).`,
    );
  return s;
}

/** GTFS date YYYYMMDD → YYYY-MM-DD. */
function date(file: string, row: Row, column: string): string {
  const text = required(file, row, column);
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
  const iso = m ? `${m[1]}-${m[2]}-${m[3]}` : '';
  if (
    !m ||
    Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) ||
    new Date(`${iso}T00:00:00Z`).getUTCDate() !== Number(m[3])
  )
    throw new GtfsError(file, row.line, column, `"${text}" is not a date YYYYMMDD.`);
  return iso;
}

function reference(
  file: string,
  row: Row,
  column: string,
  known: { has(k: string): boolean },
  target: string,
) {
  const value = required(file, row, column);
  if (!known.has(value))
    throw new GtfsError(file, row.line, column, `"${value}" is not a ${column} of ${target}.`);
  return value;
}

/** The files of a zip, found at its root or in its one folder. */
function unpack(zip: Uint8Array): Map<string, Uint8Array> {
  let total = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      filter: (f) => {
        total += f.originalSize;
        if (total > MAX_UNPACKED_BYTES)
          throw new GtfsError(
            '(zip)',
            null,
            null,
            `the feed unpacks to more than ${MAX_UNPACKED_BYTES} bytes.`,
          );
        return f.name.endsWith('.txt');
      },
    });
  } catch (error) {
    if (error instanceof GtfsError) throw error;
    throw new GtfsError(
      '(zip)',
      null,
      null,
      `the file is not a readable zip archive (${(error as Error).message}).`,
    );
  }
  const files = new Map<string, Uint8Array>();
  for (const [path, bytes] of Object.entries(entries)) {
    const name = path.split('/').pop() as string;
    if (!files.has(name)) files.set(name, bytes);
  }
  return files;
}

/** Reads and checks a GTFS zip; throws a GtfsError naming the first fault's file, row and column. */
export function readGtfs(zip: Uint8Array): GtfsFeed {
  const files = unpack(zip);

  const agencyRows = table(files, 'agency.txt', true) as Row[];
  if (agencyRows.length === 0) throw new GtfsError('agency.txt', null, null, 'the feed names no agency.');
  const agencies = new Map<string, string>();
  for (const r of agencyRows) agencies.set(r.get('agency_id'), required('agency.txt', r, 'agency_name'));

  const routes: GtfsRoute[] = [];
  const routeIds = new Set<string>();
  for (const r of table(files, 'routes.txt', true) as Row[]) {
    const id = required('routes.txt', r, 'route_id');
    if (routeIds.has(id)) throw new GtfsError('routes.txt', r.line, 'route_id', `"${id}" is listed twice.`);
    routeIds.add(id);
    const agencyId = r.get('agency_id');
    if (agencyId !== '' && !agencies.has(agencyId))
      throw new GtfsError(
        'routes.txt',
        r.line,
        'agency_id',
        `"${agencyId}" is not an agency_id of agency.txt.`,
      );
    if (agencyId === '' && agencies.size > 1)
      throw new GtfsError(
        'routes.txt',
        r.line,
        'agency_id',
        'a value is required when agency.txt lists several agencies.',
      );
    const shortName = r.get('route_short_name');
    const longName = r.get('route_long_name');
    if (shortName === '' && longName === '')
      throw new GtfsError(
        'routes.txt',
        r.line,
        'route_short_name',
        'a route needs a route_short_name or a route_long_name.',
      );
    const colour = r.get('route_color');
    if (colour !== '' && !/^[0-9a-fA-F]{6}$/.test(colour))
      throw new GtfsError('routes.txt', r.line, 'route_color', `"${colour}" is not a colour RRGGBB.`);
    routes.push({
      id,
      agency: agencyId === '' ? ([...agencies.values()][0] as string) : (agencies.get(agencyId) as string),
      shortName,
      longName,
      type: integer('routes.txt', r, 'route_type', 0, 1702),
      colour: colour === '' ? null : `#${colour.toLowerCase()}`,
    });
  }

  const stops = new Map<string, GtfsStop>();
  for (const r of table(files, 'stops.txt', true) as Row[]) {
    const id = required('stops.txt', r, 'stop_id');
    if (stops.has(id)) throw new GtfsError('stops.txt', r.line, 'stop_id', `"${id}" is listed twice.`);
    stops.set(id, {
      id,
      name: r.get('stop_name'),
      latitude: number('stops.txt', r, 'stop_lat', -90, 90),
      longitude: number('stops.txt', r, 'stop_lon', -180, 180),
    });
  }

  const shapePoints = new Map<string, { seq: number; point: [number, number] }[]>();
  for (const r of table(files, 'shapes.txt', false) ?? []) {
    const id = required('shapes.txt', r, 'shape_id');
    const point: [number, number] = [
      number('shapes.txt', r, 'shape_pt_lon', -180, 180),
      number('shapes.txt', r, 'shape_pt_lat', -90, 90),
    ];
    const seq = integer('shapes.txt', r, 'shape_pt_sequence', 0, Number.MAX_SAFE_INTEGER);
    const list = shapePoints.get(id) ?? [];
    list.push({ seq, point });
    shapePoints.set(id, list);
  }
  const shapes = new Map(
    [...shapePoints].map(([id, pts]) => [id, pts.sort((a, b) => a.seq - b.seq).map((p) => p.point)]),
  );

  const calendar = table(files, 'calendar.txt', false);
  const calendarDates = table(files, 'calendar_dates.txt', false);
  if (!calendar && !calendarDates)
    throw new GtfsError(
      'calendar.txt',
      null,
      null,
      'the feed has neither calendar.txt nor calendar_dates.txt.',
    );
  const services = new Map<string, GtfsService>();
  for (const r of calendar ?? []) {
    const id = required('calendar.txt', r, 'service_id');
    if (services.has(id))
      throw new GtfsError('calendar.txt', r.line, 'service_id', `"${id}" is listed twice.`);
    const weekdays = WEEKDAYS.map((d) => String(integer('calendar.txt', r, d, 0, 1))).join('');
    const startDate = date('calendar.txt', r, 'start_date');
    const endDate = date('calendar.txt', r, 'end_date');
    if (endDate < startDate)
      throw new GtfsError(
        'calendar.txt',
        r.line,
        'end_date',
        `the end ${endDate} is before the start ${startDate}.`,
      );
    services.set(id, { weekdays, startDate, endDate });
  }
  const serviceDates: GtfsFeed['serviceDates'] = [];
  const seenDates = new Set<string>();
  for (const r of calendarDates ?? []) {
    const serviceId = required('calendar_dates.txt', r, 'service_id');
    const day = date('calendar_dates.txt', r, 'date');
    const exceptionType = integer('calendar_dates.txt', r, 'exception_type', 1, 2) as 1 | 2;
    const key = `${serviceId}\u0000${day}`;
    if (seenDates.has(key))
      throw new GtfsError('calendar_dates.txt', r.line, 'date', `service "${serviceId}" lists ${day} twice.`);
    seenDates.add(key);
    serviceDates.push({ serviceId, date: day, exceptionType });
  }
  // A service known only by its dates runs on no weekday, between its first and last date.
  for (const d of serviceDates) {
    const s = services.get(d.serviceId);
    if (!s) services.set(d.serviceId, { weekdays: '0000000', startDate: d.date, endDate: d.date });
    else if (s.weekdays === '0000000' && !calendar?.length) {
      if (d.date < s.startDate) s.startDate = d.date;
      if (d.date > s.endDate) s.endDate = d.date;
    }
  }

  const trips = new Map<string, GtfsTrip>();
  for (const r of table(files, 'trips.txt', true) as Row[]) {
    const id = required('trips.txt', r, 'trip_id');
    if (trips.has(id)) throw new GtfsError('trips.txt', r.line, 'trip_id', `"${id}" is listed twice.`);
    const routeId = reference('trips.txt', r, 'route_id', routeIds, 'routes.txt');
    const serviceId = reference('trips.txt', r, 'service_id', services, 'calendar.txt or calendar_dates.txt');
    const shapeId =
      r.get('shape_id') === '' ? null : reference('trips.txt', r, 'shape_id', shapes, 'shapes.txt');
    trips.set(id, {
      id,
      routeId,
      serviceId,
      direction: r.get('direction_id') === '' ? 0 : integer('trips.txt', r, 'direction_id', 0, 1),
      shapeId,
      headsign: r.get('trip_headsign'),
    });
  }

  const stopTimes = new Map<string, (GtfsStopTime & { line: number; timed: boolean })[]>();
  for (const r of table(files, 'stop_times.txt', true) as Row[]) {
    const tripId = reference('stop_times.txt', r, 'trip_id', trips, 'trips.txt');
    const stopId = reference('stop_times.txt', r, 'stop_id', stops, 'stops.txt');
    const seq = integer('stop_times.txt', r, 'stop_sequence', 0, Number.MAX_SAFE_INTEGER);
    const arrival = time('stop_times.txt', r, 'arrival_time');
    const departure = time('stop_times.txt', r, 'departure_time');
    if (arrival !== null && departure !== null && departure < arrival)
      throw new GtfsError('stop_times.txt', r.line, 'departure_time', 'the departure is before the arrival.');
    const list = stopTimes.get(tripId) ?? [];
    list.push({
      seq,
      stopId,
      arrivalS: arrival ?? departure ?? 0,
      departureS: departure ?? arrival ?? 0,
      line: r.line,
      timed: arrival !== null || departure !== null,
    });
    stopTimes.set(tripId, list);
  }
  for (const trip of trips.values())
    if (!stopTimes.has(trip.id))
      throw new GtfsError('trips.txt', null, 'trip_id', `trip "${trip.id}" has no stop_times.`);
  for (const [tripId, list] of stopTimes) {
    list.sort((a, b) => a.seq - b.seq);
    for (let i = 1; i < list.length; i++)
      if (list[i].seq === list[i - 1].seq)
        throw new GtfsError(
          'stop_times.txt',
          list[i].line,
          'stop_sequence',
          `trip "${tripId}" has stop_sequence ${list[i].seq} twice.`,
        );
    for (const end of [list[0], list[list.length - 1]])
      if (!end.timed)
        throw new GtfsError(
          'stop_times.txt',
          end.line,
          'arrival_time',
          `the first and last stop of trip "${tripId}" need their times.`,
        );
    interpolate(list);
    for (let i = 1; i < list.length; i++)
      if (list[i].arrivalS < list[i - 1].departureS)
        throw new GtfsError(
          'stop_times.txt',
          list[i].line,
          'arrival_time',
          `trip "${tripId}" arrives here before it left the stop before.`,
        );
  }

  return {
    agencies,
    routes,
    stops,
    shapes,
    services,
    serviceDates,
    trips,
    stopTimes: new Map(
      [...stopTimes].map(([id, list]) => [
        id,
        list.map(({ seq, stopId, arrivalS, departureS }) => ({ seq, stopId, arrivalS, departureS })),
      ]),
    ),
  };
}

/** Stops without times (not timepoints) get times evenly between the timed stops around them. */
function interpolate(list: { arrivalS: number; departureS: number; timed: boolean }[]): void {
  let last = 0;
  for (let i = 1; i < list.length; i++) {
    if (!list[i].timed) continue;
    const gap = i - last;
    for (let k = last + 1; k < i; k++) {
      const at = Math.round(
        list[last].departureS + ((list[i].arrivalS - list[last].departureS) * (k - last)) / gap,
      );
      list[k].arrivalS = at;
      list[k].departureS = at;
    }
    last = i;
  }
}

/** A CSV field as GTFS writes it: quoted when it holds a comma, quote or line break. */
const field = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** GTFS time of seconds after the service day's start: HH:MM:SS, hours past 24 kept. */
/** The columns CIOP writes of `stops.txt`, `shapes.txt` and `calendar.txt`. */
export const STOPS_HEADER = ['stop_id', 'stop_name', 'stop_lat', 'stop_lon'];
export const SHAPES_HEADER = ['shape_id', 'shape_pt_lat', 'shape_pt_lon', 'shape_pt_sequence'];
export const CALENDAR_HEADER = ['service_id', ...WEEKDAYS, 'start_date', 'end_date'];

/** The rows of `shapes.txt` for shapes stored as JSON `[lon, lat]` points. */
export function shapeRows(shapes: readonly { code: string; points: string }[]): (string | number)[][] {
  return shapes.flatMap((s) =>
    (JSON.parse(s.points) as [number, number][]).map(([lon, lat], i) => [s.code, lat, lon, i + 1]),
  );
}

export function formatGtfsTime(s: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(s / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
}

/** A GTFS zip of files given as header and rows. */
export function writeGtfs(
  files: Record<string, { header: readonly string[]; rows: (string | number | null)[][] }>,
): Uint8Array {
  const out: Record<string, Uint8Array> = {};
  for (const [name, { header, rows }] of Object.entries(files))
    out[name] = new TextEncoder().encode(
      [header.join(','), ...rows.map((r) => r.map(field).join(','))].join('\r\n') + '\r\n',
    );
  return zipSync(out);
}
