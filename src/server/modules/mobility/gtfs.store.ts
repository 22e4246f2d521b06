import { type Insertable, type Kysely, sql, type Transaction } from 'kysely';
import type { Database, MobilitySource, MobilityStopTimeTable } from '../../db/schema.ts';
import type { GtfsFeed, GtfsRoute } from './gtfs-feed.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Rows a multi-row insert takes at once (SQLite binds at most 32,766 parameters). */
const CHUNK = 1000;

function* chunks<T>(items: readonly T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** What a feed holds, as stored (or as it would be). */
export interface GtfsCounts {
  agencies: number;
  lines: number;
  stops: number;
  shapes: number;
  services: number;
  trips: number;
  stopTimes: number;
}

export function countFeed(feed: GtfsFeed): GtfsCounts {
  const used = new Set<string>();
  let stopTimes = 0;
  for (const list of feed.stopTimes.values()) {
    stopTimes += list.length;
    for (const st of list) used.add(st.stopId);
  }
  const shapes = new Set([...feed.trips.values()].flatMap((t) => (t.shapeId ? [t.shapeId] : [])));
  return {
    agencies: feed.agencies.size,
    lines: feed.routes.length,
    stops: used.size,
    shapes: shapes.size,
    services: feed.services.size,
    trips: feed.trips.size,
    stopTimes,
  };
}

/** Great-circle distance, km (haversine, mean Earth radius 6371.0088 km). */
function km(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

const round3 = (v: number) => Math.round(v * 1000) / 1000;

/** A line's code: its short name, or its route_id when the short name is missing or not unique. */
function lineCodes(routes: readonly GtfsRoute[]): Map<string, string> {
  const names = new Map<string, number>();
  for (const r of routes) names.set(r.shortName, (names.get(r.shortName) ?? 0) + 1);
  return new Map(
    routes.map((r) => [r.id, r.shortName !== '' && names.get(r.shortName) === 1 ? r.shortName : r.id]),
  );
}

/** Deletes lines' timetables, patterns and shapes. */
async function clearLines(db: Db, lineIds: readonly number[]): Promise<void> {
  for (const part of chunks(lineIds)) {
    await db
      .deleteFrom('mobility_stop_time')
      .where('trip_id', 'in', (q) =>
        q.selectFrom('mobility_scheduled_trip').select('id').where('line_id', 'in', part),
      )
      .execute();
    await db.deleteFrom('mobility_scheduled_trip').where('line_id', 'in', part).execute();
    await db.deleteFrom('mobility_line_stop').where('line_id', 'in', part).execute();
    await db.deleteFrom('mobility_shape').where('line_id', 'in', part).execute();
  }
}

/**
 * Replaces the GTFS part of the model by a feed, in the caller's transaction: the feed's routes
 * become lines (found by code, so the vehicles, trips and KPIs that name a line keep it), with
 * their shapes, stop patterns and timetable replaced whole; lines of a previous feed that this
 * one no longer lists go with their timetable; stops and services nothing serves any more go too.
 */
export async function replaceGtfsFeed(
  db: Transaction<Database>,
  feed: GtfsFeed,
  now: number,
): Promise<GtfsCounts> {
  // --- Lines -------------------------------------------------------------------------------------
  const codes = lineCodes(feed.routes);
  const existing = new Map(
    (await db.selectFrom('mobility_line').select(['id', 'code', 'source']).execute()).map((l) => [l.code, l]),
  );
  const lineIds = new Map<string, number>();
  for (const r of feed.routes) {
    const code = codes.get(r.id) as string;
    const values = {
      name: r.longName || r.shortName,
      agency: r.agency,
      route_type: r.type,
      colour: r.colour,
      source: 'gtfs' as const,
      external_id: r.id,
      updated_at: now,
    };
    const before = existing.get(code);
    if (before) {
      await db.updateTable('mobility_line').set(values).where('id', '=', before.id).execute();
      lineIds.set(r.id, before.id);
    } else {
      const row = await db
        .insertInto('mobility_line')
        .values({ ...values, code, reference_stop_id: null })
        .returning('id')
        .executeTakeFirstOrThrow();
      lineIds.set(r.id, row.id);
    }
  }
  const kept = new Set(lineIds.values());
  const dropped = [...existing.values()]
    .filter((l) => l.source === 'gtfs' && !kept.has(l.id))
    .map((l) => l.id);
  await clearLines(db, [...kept, ...dropped]);
  for (const part of chunks(dropped)) await db.deleteFrom('mobility_line').where('id', 'in', part).execute();
  // Trip and shape codes are unique across lines: one of another line under the same code gives way.
  const tripCodes = [...feed.trips.keys()];
  for (const part of chunks(tripCodes)) {
    await db
      .deleteFrom('mobility_stop_time')
      .where('trip_id', 'in', (q) =>
        q.selectFrom('mobility_scheduled_trip').select('id').where('code', 'in', part),
      )
      .execute();
    await db.deleteFrom('mobility_scheduled_trip').where('code', 'in', part).execute();
  }
  for (const part of chunks([...feed.shapes.keys()]))
    await db.deleteFrom('mobility_shape').where('code', 'in', part).execute();

  // --- Stops -------------------------------------------------------------------------------------
  const usedStops = new Set<string>();
  for (const list of feed.stopTimes.values()) for (const st of list) usedStops.add(st.stopId);
  const stopRows = new Map(
    (await db.selectFrom('mobility_stop').select(['id', 'code']).execute()).map((s) => [s.code, s.id]),
  );
  const stopIds = new Map<string, number>();
  const newStops = [];
  for (const id of usedStops) {
    const s = feed.stops.get(id);
    if (!s) continue;
    const values = {
      name: s.name,
      latitude: s.latitude,
      longitude: s.longitude,
      source: 'gtfs' as const,
      external_id: s.id,
    };
    const before = stopRows.get(id);
    if (before !== undefined) {
      await db.updateTable('mobility_stop').set(values).where('id', '=', before).execute();
      stopIds.set(id, before);
    } else newStops.push({ ...values, code: id });
  }
  for (const part of chunks(newStops))
    for (const row of await db.insertInto('mobility_stop').values(part).returning(['id', 'code']).execute())
      stopIds.set(row.code, row.id);

  // --- Services ----------------------------------------------------------------------------------
  const serviceRows = new Map(
    (await db.selectFrom('mobility_service').select(['id', 'code']).execute()).map((s) => [s.code, s.id]),
  );
  const serviceIds = new Map<string, number>();
  for (const [code, s] of feed.services) {
    const values = { weekdays: s.weekdays, start_date: s.startDate, end_date: s.endDate };
    const before = serviceRows.get(code);
    if (before !== undefined) {
      await db.updateTable('mobility_service').set(values).where('id', '=', before).execute();
      await db.deleteFrom('mobility_service_date').where('service_id', '=', before).execute();
      serviceIds.set(code, before);
    } else {
      const row = await db
        .insertInto('mobility_service')
        .values({ ...values, code })
        .returning('id')
        .executeTakeFirstOrThrow();
      serviceIds.set(code, row.id);
    }
  }
  for (const part of chunks(feed.serviceDates))
    await db
      .insertInto('mobility_service_date')
      .values(
        part.map((d) => ({
          service_id: serviceIds.get(d.serviceId) as number,
          date: d.date,
          exception_type: d.exceptionType,
        })),
      )
      .execute();

  // --- Shapes: each on the line and direction of the first trip that follows it -------------------
  const shapeIds = new Map<string, number>();
  for (const trip of feed.trips.values()) {
    if (!trip.shapeId || shapeIds.has(trip.shapeId)) continue;
    const points = feed.shapes.get(trip.shapeId) as [number, number][];
    let length = 0;
    for (let i = 1; i < points.length; i++) length += km(points[i - 1], points[i]);
    const row = await db
      .insertInto('mobility_shape')
      .values({
        line_id: lineIds.get(trip.routeId) as number,
        direction: trip.direction,
        code: trip.shapeId,
        length_km: round3(length),
        points: JSON.stringify(points),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    shapeIds.set(trip.shapeId, row.id);
  }

  // --- Timetable ---------------------------------------------------------------------------------
  const trips = [...feed.trips.values()];
  let stopTimeCount = 0;
  for (const part of chunks(trips, 500)) {
    const inserted = await db
      .insertInto('mobility_scheduled_trip')
      .values(
        part.map((t) => ({
          code: t.id,
          line_id: lineIds.get(t.routeId) as number,
          service_id: serviceIds.get(t.serviceId) as number,
          direction: t.direction,
          shape_id: t.shapeId ? (shapeIds.get(t.shapeId) ?? null) : null,
          headsign: t.headsign,
          departure_s: (feed.stopTimes.get(t.id) ?? [])[0]?.departureS ?? 0,
        })),
      )
      .returning(['id', 'code'])
      .execute();
    const rows: Insertable<MobilityStopTimeTable>[] = inserted.flatMap((t) =>
      (feed.stopTimes.get(t.code) ?? []).map((st) => ({
        trip_id: t.id,
        seq: st.seq,
        stop_id: stopIds.get(st.stopId) as number,
        arrival_s: st.arrivalS,
        departure_s: st.departureS,
      })),
    );
    stopTimeCount += rows.length;
    for (const c of chunks(rows)) await db.insertInto('mobility_stop_time').values(c).execute();
  }

  // --- Patterns: per line and direction, the stops of its longest trip, km along -----------------
  const longest = new Map<string, string>();
  for (const t of trips) {
    const key = `${t.routeId}\u0000${t.direction}`;
    const best = longest.get(key);
    if (!best || (feed.stopTimes.get(t.id)?.length ?? 0) > (feed.stopTimes.get(best)?.length ?? 0))
      longest.set(key, t.id);
  }
  const firstStop = new Map<number, number>();
  for (const tripId of longest.values()) {
    const trip = feed.trips.get(tripId);
    if (!trip) continue;
    const lineId = lineIds.get(trip.routeId) as number;
    const list = feed.stopTimes.get(tripId) ?? [];
    let along = 0;
    const rows = list.map((st, i) => {
      const here = feed.stops.get(st.stopId);
      const before = i > 0 ? feed.stops.get(list[i - 1].stopId) : undefined;
      if (here && before) along += km([before.longitude, before.latitude], [here.longitude, here.latitude]);
      return {
        line_id: lineId,
        direction: trip.direction,
        seq: i + 1,
        stop_id: stopIds.get(st.stopId) as number,
        distance_km: round3(along),
      };
    });
    if (trip.direction === 0 || !firstStop.has(lineId)) firstStop.set(lineId, rows[0].stop_id);
    for (const c of chunks(rows)) await db.insertInto('mobility_line_stop').values(c).execute();
  }
  // The reference stop of the level of service stays where it was if the line still serves it.
  for (const lineId of kept) {
    const line = await db
      .selectFrom('mobility_line')
      .select('reference_stop_id')
      .where('id', '=', lineId)
      .executeTakeFirstOrThrow();
    const served =
      line.reference_stop_id !== null &&
      (await db
        .selectFrom('mobility_line_stop')
        .select('stop_id')
        .where('line_id', '=', lineId)
        .where('stop_id', '=', line.reference_stop_id)
        .executeTakeFirst()) !== undefined;
    if (!served)
      await db
        .updateTable('mobility_line')
        .set({ reference_stop_id: firstStop.get(lineId) ?? null })
        .where('id', '=', lineId)
        .execute();
  }

  // --- What nothing serves any more --------------------------------------------------------------
  const orphanServices = db
    .selectFrom('mobility_service')
    .select('id')
    .where('id', 'not in', (q) => q.selectFrom('mobility_scheduled_trip').select('service_id'));
  await db.deleteFrom('mobility_service_date').where('service_id', 'in', orphanServices).execute();
  await db
    .deleteFrom('mobility_service')
    .where('id', 'not in', (q) => q.selectFrom('mobility_scheduled_trip').select('service_id'))
    .execute();
  await db
    .deleteFrom('mobility_stop')
    .where('id', 'not in', (q) => q.selectFrom('mobility_line_stop').select('stop_id'))
    .where('id', 'not in', (q) => q.selectFrom('mobility_stop_time').select('stop_id'))
    .execute();
  // A line that lost its reference stop above stays without one.
  await db
    .updateTable('mobility_line')
    .set({ reference_stop_id: null })
    .where('reference_stop_id', 'is not', null)
    .where('reference_stop_id', 'not in', (q) => q.selectFrom('mobility_stop').select('id'))
    .execute();

  const counts = countFeed(feed);
  return { ...counts, stopTimes: stopTimeCount };
}

/** How many scheduled trips the timetable holds. */
export async function timetableSize(db: Db): Promise<number> {
  const row = await db
    .selectFrom('mobility_scheduled_trip')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The model's lines, stops, shapes, services and timetable, for a GTFS export. */
export async function timetableModel(db: Db) {
  const [lines, stops, shapes, services, dates, trips, stopTimes] = await Promise.all([
    db.selectFrom('mobility_line').selectAll().orderBy('id').execute(),
    db.selectFrom('mobility_stop').selectAll().orderBy('id').execute(),
    db.selectFrom('mobility_shape').selectAll().orderBy('id').execute(),
    db.selectFrom('mobility_service').selectAll().orderBy('id').execute(),
    db.selectFrom('mobility_service_date').selectAll().orderBy('service_id').orderBy('date').execute(),
    db.selectFrom('mobility_scheduled_trip').selectAll().orderBy('id').execute(),
    db.selectFrom('mobility_stop_time').selectAll().orderBy('trip_id').orderBy('seq').execute(),
  ]);
  return { lines, stops, shapes, services, dates, trips, stopTimes };
}

/** Adds vehicles known only by a code, a plate and a line; one whose code or plate is taken is left as it is. */
export async function addVehicles(
  db: Db,
  vehicles: readonly { code: string; plate: string; lineId: number | null }[],
  source: MobilitySource,
  now: number,
): Promise<void> {
  for (const part of chunks(vehicles, 500))
    await db
      .insertInto('mobility_vehicle')
      .values(
        part.map((v) => ({
          code: v.code,
          plate: v.plate,
          model: '',
          type: 'unknown',
          battery_kwh: null,
          line_id: v.lineId,
          diesel_l_per_100km: null,
          source,
          updated_at: now,
        })),
      )
      .onConflict((oc) => oc.doNothing())
      .execute();
}

/** Vehicle ids by plate and by code, and each vehicle's plate: one read of the fleet. */
export async function vehicleNames(db: Db) {
  const rows = await db.selectFrom('mobility_vehicle').select(['id', 'plate', 'code']).execute();
  const keys = new Map<string, number>();
  const plates = new Map<number, string>();
  for (const r of rows) {
    keys.set(r.code, r.id);
    keys.set(r.plate, r.id);
    plates.set(r.id, r.plate);
  }
  return { keys, plates };
}
