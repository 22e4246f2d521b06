import { type Insertable, type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type {
  Database,
  MobilityChargeTable,
  MobilityChargerStatusTable,
  MobilityChargerTable,
  MobilityLineTable,
  MobilityRejectionTable,
  MobilityTripTable,
  MobilityVehicleTable,
} from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type LineRow = Selectable<MobilityLineTable>;
export type VehicleRow = Selectable<MobilityVehicleTable>;
export type TripRow = Selectable<MobilityTripTable>;
export type ChargerRow = Selectable<MobilityChargerTable>;
export type ChargeRow = Selectable<MobilityChargeTable>;
export type StatusRow = Selectable<MobilityChargerStatusTable>;
export type NewTrip = Insertable<MobilityTripTable>;
export type NewCharge = Insertable<MobilityChargeTable>;
export type NewStatus = Insertable<MobilityChargerStatusTable>;

/** Rows a multi-row insert takes at once (SQLite binds at most 32,766 parameters). */
const CHUNK = 1000;

function* chunks<T>(items: readonly T[], size = CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

// --- Lines, stops, shapes, timetable -------------------------------------------------------------

export async function listLines(db: Db): Promise<LineRow[]> {
  return db.selectFrom('mobility_line').selectAll().orderBy('id').execute();
}

export async function findLine(db: Db, id: number): Promise<LineRow | undefined> {
  return db.selectFrom('mobility_line').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function lineCounts(db: Db) {
  const stops = await db
    .selectFrom('mobility_line_stop')
    .select(['line_id', sql<number>`count(distinct stop_id)`.as('n')])
    .groupBy('line_id')
    .execute();
  const vehicles = await db
    .selectFrom('mobility_vehicle')
    .select(['line_id', sql<number>`count(*)`.as('n')])
    .where('line_id', 'is not', null)
    .groupBy('line_id')
    .execute();
  const lengths = await db
    .selectFrom('mobility_shape')
    .select(['line_id', sql<number>`max(length_km)`.as('km')])
    .groupBy('line_id')
    .execute();
  return {
    stops: new Map(stops.map((r) => [r.line_id, Number(r.n)])),
    vehicles: new Map(vehicles.map((r) => [r.line_id as number, Number(r.n)])),
    lengths: new Map(lengths.map((r) => [r.line_id, Number(r.km)])),
  };
}

export async function shapesOf(db: Db, lineId: number) {
  return db
    .selectFrom('mobility_shape')
    .selectAll()
    .where('line_id', '=', lineId)
    .orderBy('direction')
    .execute();
}

export async function patternOf(db: Db, lineId: number) {
  return db
    .selectFrom('mobility_line_stop')
    .selectAll()
    .where('line_id', '=', lineId)
    .orderBy('direction')
    .orderBy('seq')
    .execute();
}

export async function listStops(db: Db, f: { lineId?: number; afterId?: number; limit: number }) {
  let q = db.selectFrom('mobility_stop as s').selectAll('s');
  if (f.lineId !== undefined)
    q = q.where('s.id', 'in', (sub) =>
      sub
        .selectFrom('mobility_line_stop')
        .select('stop_id')
        .where('line_id', '=', f.lineId as number),
    );
  if (f.afterId !== undefined) q = q.where('s.id', '>', f.afterId);
  return q.orderBy('s.id').limit(f.limit).execute();
}

/** Every line's scheduled trips (service, first departure), for the timetables of all lines at once. */
export async function allScheduledTrips(db: Db) {
  return db.selectFrom('mobility_scheduled_trip').select(['line_id', 'service_id', 'departure_s']).execute();
}

/** Every line's scheduled departures at its reference stop. */
export async function referenceDepartures(db: Db) {
  return db
    .selectFrom('mobility_stop_time as st')
    .innerJoin('mobility_scheduled_trip as t', 't.id', 'st.trip_id')
    .innerJoin('mobility_line as l', (join) =>
      join.onRef('l.id', '=', 't.line_id').onRef('l.reference_stop_id', '=', 'st.stop_id'),
    )
    .select(['t.line_id', 't.service_id', 'st.departure_s'])
    .execute();
}

export async function listServices(db: Db) {
  const services = await db.selectFrom('mobility_service').selectAll().execute();
  const dates = await db.selectFrom('mobility_service_date').selectAll().execute();
  return { services, dates };
}

// --- Vehicles ------------------------------------------------------------------------------------

export async function listVehicles(db: Db, f: { lineId?: number; afterId?: number; limit: number }) {
  let q = db.selectFrom('mobility_vehicle').selectAll();
  if (f.lineId !== undefined) q = q.where('line_id', '=', f.lineId);
  if (f.afterId !== undefined) q = q.where('id', '>', f.afterId);
  return q.orderBy('id').limit(f.limit).execute();
}

export async function allVehicles(db: Db): Promise<VehicleRow[]> {
  return db.selectFrom('mobility_vehicle').selectAll().orderBy('id').execute();
}

export async function findVehicle(db: Db, id: number): Promise<VehicleRow | undefined> {
  return db.selectFrom('mobility_vehicle').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Vehicle ids by plate and by code. */
export async function vehicleKeys(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom('mobility_vehicle').select(['id', 'plate', 'code']).execute();
  const out = new Map<string, number>();
  for (const r of rows) {
    out.set(r.code, r.id);
    out.set(r.plate, r.id);
  }
  return out;
}

/** Creates a vehicle known only by a code (the fleet platform named it first); returns its id. */
export async function ensureVehicle(
  db: Db,
  v: Omit<Insertable<MobilityVehicleTable>, 'updated_at'>,
  now: number,
): Promise<number> {
  await db
    .insertInto('mobility_vehicle')
    .values({ ...v, updated_at: now })
    .onConflict((oc) => oc.column('code').doNothing())
    .execute();
  const row = await db
    .selectFrom('mobility_vehicle')
    .select('id')
    .where('code', '=', v.code)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Each vehicle's latest trip (by its start): one indexed look-up per vehicle. */
export async function latestTrips(db: Db, vehicleIds: readonly number[]): Promise<Map<number, TripRow>> {
  const out = new Map<number, TripRow>();
  for (const id of vehicleIds) {
    const row = await db
      .selectFrom('mobility_trip')
      .selectAll()
      .where('vehicle_id', '=', id)
      .orderBy('start_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row) out.set(id, row);
  }
  return out;
}

/** Each vehicle's latest charge: one indexed look-up per vehicle. */
export async function latestCharges(db: Db, vehicleIds: readonly number[]): Promise<Map<number, ChargeRow>> {
  const out = new Map<number, ChargeRow>();
  for (const id of vehicleIds) {
    const row = await db
      .selectFrom('mobility_charge')
      .selectAll()
      .where('vehicle_id', '=', id)
      .orderBy('start_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row) out.set(id, row);
  }
  return out;
}

// --- Trips ---------------------------------------------------------------------------------------

export interface TripQuery {
  vehicleId?: number;
  lineId?: number;
  from?: number;
  to?: number;
  /** Resume after this (start, id), newest first. */
  after?: [number, number];
}

export async function listTrips(db: Db, f: TripQuery, limit: number) {
  let q = db
    .selectFrom('mobility_trip as t')
    .innerJoin('mobility_vehicle as v', 'v.id', 't.vehicle_id')
    .leftJoin('mobility_line as l', 'l.id', 't.line_id')
    .selectAll('t')
    .select(['v.plate', 'l.code as line_code']);
  if (f.vehicleId !== undefined) q = q.where('t.vehicle_id', '=', f.vehicleId);
  if (f.lineId !== undefined) q = q.where('t.line_id', '=', f.lineId);
  if (f.from !== undefined) q = q.where('t.start_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('t.start_at', '<', f.to);
  if (f.after) {
    const [start, id] = f.after;
    q = q.where((eb) =>
      eb.or([eb('t.start_at', '<', start), eb.and([eb('t.start_at', '=', start), eb('t.id', '<', id)])]),
    );
  }
  return q.orderBy('t.start_at', 'desc').orderBy('t.id', 'desc').limit(limit).execute();
}

/** Stores trips, a trip with a known external id replacing the stored one. */
export async function upsertTrips(db: Db, rows: NewTrip[]): Promise<void> {
  for (const part of chunks(rows))
    await db
      .insertInto('mobility_trip')
      .values(part)
      .onConflict((oc) =>
        oc.column('external_id').doUpdateSet((eb) => ({
          vehicle_id: eb.ref('excluded.vehicle_id'),
          line_id: eb.ref('excluded.line_id'),
          direction: eb.ref('excluded.direction'),
          start_at: eb.ref('excluded.start_at'),
          end_at: eb.ref('excluded.end_at'),
          day: eb.ref('excluded.day'),
          month: eb.ref('excluded.month'),
          distance_km: eb.ref('excluded.distance_km'),
          duration_s: eb.ref('excluded.duration_s'),
          avg_speed_kmh: eb.ref('excluded.avg_speed_kmh'),
          consumption_kwh: eb.ref('excluded.consumption_kwh'),
          kwh_per_km: eb.ref('excluded.kwh_per_km'),
          regenerated_kwh: eb.ref('excluded.regenerated_kwh'),
          auxiliary_kwh: eb.ref('excluded.auxiliary_kwh'),
          traction_kwh: eb.ref('excluded.traction_kwh'),
          inside_temp_c: eb.ref('excluded.inside_temp_c'),
          outside_temp_c: eb.ref('excluded.outside_temp_c'),
          diesel_co2_kg: eb.ref('excluded.diesel_co2_kg'),
          electric_co2_kg: eb.ref('excluded.electric_co2_kg'),
          received_at: eb.ref('excluded.received_at'),
        })),
      )
      .execute();
}

/** Sums of a vehicle's trips within [from, to). */
export async function tripTotals(db: Db, vehicleId: number, from: number, to: number) {
  const row = await db
    .selectFrom('mobility_trip')
    .select([
      sql<number>`count(*)`.as('trips'),
      sql<number>`coalesce(sum(distance_km), 0)`.as('km'),
      sql<number>`coalesce(sum(consumption_kwh), 0)`.as('kwh'),
      sql<number>`coalesce(sum(regenerated_kwh), 0)`.as('regen'),
    ])
    .where('vehicle_id', '=', vehicleId)
    .where('start_at', '>=', from)
    .where('start_at', '<', to)
    .executeTakeFirstOrThrow();
  return { trips: Number(row.trips), km: Number(row.km), kwh: Number(row.kwh), regen: Number(row.regen) };
}

/** Trips and charges of the last hours, for the vehicles' state: one read for the whole fleet. */
export async function recentActivity(db: Db, since: number, until: number) {
  const trips = await db
    .selectFrom('mobility_trip')
    .select(['vehicle_id', 'start_at', 'end_at'])
    .where('start_at', '>=', since)
    .where('start_at', '<=', until)
    .execute();
  const charges = await db
    .selectFrom('mobility_charge')
    .select(['vehicle_id', 'start_at', 'end_at', 'soc_start_pct', 'soc_end_pct'])
    .where('start_at', '>=', since)
    .where('start_at', '<=', until)
    .where('vehicle_id', 'is not', null)
    .execute();
  return { trips, charges };
}

// --- Chargers, status history, charges -----------------------------------------------------------

export async function listChargers(db: Db, f: { afterId?: number; limit: number }) {
  let q = db
    .selectFrom('mobility_charger as c')
    .leftJoin('mobility_vehicle as v', 'v.id', 'c.vehicle_id')
    .selectAll('c')
    .select('v.plate');
  if (f.afterId !== undefined) q = q.where('c.id', '>', f.afterId);
  return q.orderBy('c.id').limit(f.limit).execute();
}

export async function allChargers(db: Db): Promise<ChargerRow[]> {
  return db.selectFrom('mobility_charger').selectAll().orderBy('id').execute();
}

export async function findCharger(db: Db, id: number) {
  return db
    .selectFrom('mobility_charger as c')
    .leftJoin('mobility_vehicle as v', 'v.id', 'c.vehicle_id')
    .selectAll('c')
    .select('v.plate')
    .where('c.id', '=', id)
    .executeTakeFirst();
}

export async function chargerIdsByCode(db: Db): Promise<Map<string, number>> {
  const rows = await db.selectFrom('mobility_charger').select(['id', 'code']).execute();
  return new Map(rows.map((r) => [r.code, r.id]));
}

/** Inserts or updates a charger by code; returns its id and its status before. */
export async function upsertCharger(
  db: Db,
  c: Insertable<MobilityChargerTable>,
): Promise<{ id: number; before?: { status: string; status_at: number } }> {
  const before = await db
    .selectFrom('mobility_charger')
    .select(['id', 'status', 'status_at'])
    .where('code', '=', c.code)
    .executeTakeFirst();
  if (!before) {
    const row = await db.insertInto('mobility_charger').values(c).returning('id').executeTakeFirstOrThrow();
    return { id: row.id };
  }
  await db.updateTable('mobility_charger').set(c).where('id', '=', before.id).execute();
  return { id: before.id, before };
}

export async function insertStatuses(db: Db, rows: NewStatus[]): Promise<void> {
  for (const part of chunks(rows)) await db.insertInto('mobility_charger_status').values(part).execute();
}

/** A charger's status changes within [from, to), with the one in force at `from`, oldest first. */
export async function statusesWithin(db: Db, chargerIds: readonly number[], from: number, to: number) {
  if (chargerIds.length === 0) return [];
  // The status in force at `from`: one indexed look-up per charger (a correlated max() would
  // read the whole history of each).
  const before: StatusRow[] = [];
  for (const id of chargerIds) {
    const row = await db
      .selectFrom('mobility_charger_status')
      .selectAll()
      .where('charger_id', '=', id)
      .where('at', '<', from)
      .where('connector', '=', 0)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (row) before.push(row);
  }
  const within = await db
    .selectFrom('mobility_charger_status')
    .selectAll()
    .where('charger_id', 'in', chargerIds)
    .where('connector', '=', 0)
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('at')
    .orderBy('id')
    .execute();
  return [...before, ...within];
}

export async function listStatuses(
  db: Db,
  f: { chargerId: number; from?: number; to?: number; after?: [number, number] },
  limit: number,
) {
  let q = db.selectFrom('mobility_charger_status').selectAll().where('charger_id', '=', f.chargerId);
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<', f.to);
  if (f.after) {
    const [at, id] = f.after;
    q = q.where((eb) => eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('id', '<', id)])]));
  }
  return q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export interface ChargeQuery {
  vehicleId?: number;
  chargerId?: number;
  from?: number;
  to?: number;
  after?: [number, number];
}

export async function listCharges(db: Db, f: ChargeQuery, limit: number) {
  let q = db
    .selectFrom('mobility_charge as c')
    .innerJoin('mobility_charger as ch', 'ch.id', 'c.charger_id')
    .leftJoin('mobility_vehicle as v', 'v.id', 'c.vehicle_id')
    .selectAll('c')
    .select(['ch.code as charger_code', 'v.plate']);
  if (f.vehicleId !== undefined) q = q.where('c.vehicle_id', '=', f.vehicleId);
  if (f.chargerId !== undefined) q = q.where('c.charger_id', '=', f.chargerId);
  if (f.from !== undefined) q = q.where('c.start_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('c.start_at', '<', f.to);
  if (f.after) {
    const [start, id] = f.after;
    q = q.where((eb) =>
      eb.or([eb('c.start_at', '<', start), eb.and([eb('c.start_at', '=', start), eb('c.id', '<', id)])]),
    );
  }
  return q.orderBy('c.start_at', 'desc').orderBy('c.id', 'desc').limit(limit).execute();
}

/** Stores charges, a charge with a known (charger, number) replacing the stored one. */
export async function upsertCharges(db: Db, rows: NewCharge[]): Promise<void> {
  for (const part of chunks(rows))
    await db
      .insertInto('mobility_charge')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['charger_id', 'number']).doUpdateSet((eb) => ({
          vehicle_id: eb.ref('excluded.vehicle_id'),
          start_at: eb.ref('excluded.start_at'),
          end_at: eb.ref('excluded.end_at'),
          day: eb.ref('excluded.day'),
          month: eb.ref('excluded.month'),
          duration_s: eb.ref('excluded.duration_s'),
          energy_kwh: eb.ref('excluded.energy_kwh'),
          soc_start_pct: eb.ref('excluded.soc_start_pct'),
          soc_end_pct: eb.ref('excluded.soc_end_pct'),
          received_at: eb.ref('excluded.received_at'),
        })),
      )
      .execute();
}

/** Per local day of one charger (or all): charges, kWh, seconds charging. */
export async function chargeDays(db: Db, chargerId: number | undefined, from: number, to: number) {
  let q = db
    .selectFrom('mobility_charge')
    .select([
      'day',
      sql<number>`count(*)`.as('n'),
      sql<number>`coalesce(sum(energy_kwh), 0)`.as('kwh'),
      sql<number>`coalesce(sum(duration_s), 0)`.as('s'),
      sql<number>`count(duration_s)`.as('timed'),
    ])
    .where('start_at', '>=', from)
    .where('start_at', '<', to);
  if (chargerId !== undefined) q = q.where('charger_id', '=', chargerId);
  const rows = await q.groupBy('day').orderBy('day').execute();
  return rows.map((r) => ({
    day: r.day,
    charges: Number(r.n),
    kwh: Number(r.kwh),
    seconds: Number(r.s),
    timed: Number(r.timed),
  }));
}

/** Per charger within [from, to): charges and kWh. */
export async function chargesPerCharger(db: Db, from: number, to: number) {
  const rows = await db
    .selectFrom('mobility_charge')
    .select([
      'charger_id',
      sql<number>`count(*)`.as('n'),
      sql<number>`coalesce(sum(energy_kwh), 0)`.as('kwh'),
    ])
    .where('start_at', '>=', from)
    .where('start_at', '<', to)
    .groupBy('charger_id')
    .execute();
  return new Map(rows.map((r) => [r.charger_id, { charges: Number(r.n), kwh: Number(r.kwh) }]));
}

/** Charges and kWh of one vehicle within [from, to). */
export async function vehicleCharges(db: Db, vehicleId: number, from: number, to: number) {
  const row = await db
    .selectFrom('mobility_charge')
    .select([sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(energy_kwh), 0)`.as('kwh')])
    .where('vehicle_id', '=', vehicleId)
    .where('start_at', '>=', from)
    .where('start_at', '<', to)
    .executeTakeFirstOrThrow();
  return { charges: Number(row.n), kwh: Number(row.kwh) };
}

// --- The fleet adapter's state and its rejections ------------------------------------------------

export async function feedStates(db: Db) {
  return db.selectFrom('mobility_feed_state').selectAll().orderBy('feed').execute();
}

export async function feedState(db: Db, feed: string) {
  return db.selectFrom('mobility_feed_state').selectAll().where('feed', '=', feed).executeTakeFirst();
}

export async function saveFeedState(
  db: Db,
  feed: string,
  patch: {
    cursor?: string | null;
    failures: number;
    next_at: number;
    last_ok_at?: number;
    last_error: string | null;
    stored?: number;
    rejected?: number;
  },
): Promise<void> {
  const current = await feedState(db, feed);
  if (!current) {
    await db
      .insertInto('mobility_feed_state')
      .values({
        feed,
        cursor: patch.cursor ?? null,
        failures: patch.failures,
        next_at: patch.next_at,
        last_ok_at: patch.last_ok_at ?? null,
        last_error: patch.last_error,
        stored: patch.stored ?? 0,
        rejected: patch.rejected ?? 0,
      })
      .execute();
    return;
  }
  await db
    .updateTable('mobility_feed_state')
    .set({
      ...(patch.cursor !== undefined ? { cursor: patch.cursor } : {}),
      failures: patch.failures,
      next_at: patch.next_at,
      ...(patch.last_ok_at !== undefined ? { last_ok_at: patch.last_ok_at } : {}),
      last_error: patch.last_error,
      stored: current.stored + (patch.stored ?? 0),
      rejected: current.rejected + (patch.rejected ?? 0),
    })
    .where('feed', '=', feed)
    .execute();
}

export async function insertRejections(db: Db, rows: Insertable<MobilityRejectionTable>[]): Promise<void> {
  for (const part of chunks(rows)) await db.insertInto('mobility_rejection').values(part).execute();
}

export async function latestRejections(db: Db, limit: number) {
  return db.selectFrom('mobility_rejection').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

export async function countRejections(db: Db): Promise<number> {
  const row = await db
    .selectFrom('mobility_rejection')
    .select(sql<number>`count(*)`.as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
