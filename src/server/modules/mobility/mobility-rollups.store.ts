import { type Kysely, sql, type Transaction } from 'kysely';
import { OUT_OF_SERVICE } from '#common/api/mobility.ts';
import type { Database } from '../../db/schema.ts';
import { daysBetween, type LocalCalendar } from './local-calendar.ts';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * The day rollups of the mobility KPIs, recomputed from the trips, charges and status changes of
 * some local days (the days [first, last] hold): what was stored for those days is replaced, so a
 * record sent again or corrected leaves them exact. Called wherever those records are written.
 */
export async function refreshDays(
  db: Db,
  calendar: LocalCalendar,
  first: number,
  last: number,
): Promise<void> {
  // Records are found by time (indexed, a day wider each side) and kept by their local day.
  const from = calendar.startOfDay(first) - 86_400_000;
  const to = calendar.startOfDay(nextDay(last)) + 86_400_000;
  await db.deleteFrom('mobility_vehicle_day').where('day', '>=', first).where('day', '<=', last).execute();
  await sql`
    insert into mobility_vehicle_day (vehicle_id, day, trips, distance_km, consumption_kwh, regenerated_kwh)
    select vehicle_id, day, count(*), sum(distance_km), sum(consumption_kwh), coalesce(sum(regenerated_kwh), 0)
    from mobility_trip where start_at >= ${from} and start_at < ${to} and day >= ${first} and day <= ${last}
    group by vehicle_id, day`.execute(db);
  await db.deleteFrom('mobility_line_day').where('day', '>=', first).where('day', '<=', last).execute();
  await sql`
    insert into mobility_line_day (line_id, day, trips, departures, first_departure, last_departure)
    select line_id, day, count(*),
      sum(case when direction = 0 then 1 else 0 end),
      min(case when direction = 0 then start_at end),
      max(case when direction = 0 then start_at end)
    from mobility_trip
    where start_at >= ${from} and start_at < ${to} and day >= ${first} and day <= ${last} and line_id is not null
    group by line_id, day`.execute(db);
  await db.deleteFrom('mobility_charger_day').where('day', '>=', first).where('day', '<=', last).execute();
  await sql`
    insert into mobility_charger_day (charger_id, day, charges, energy_kwh, charge_s, timed, first_at)
    select charger_id, day, count(*), coalesce(sum(energy_kwh), 0), coalesce(sum(duration_s), 0),
      count(duration_s), min(start_at)
    from mobility_charge where start_at >= ${from} and start_at < ${to} and day >= ${first} and day <= ${last}
    group by charger_id, day`.execute(db);
  await refreshStatusDays(db, calendar, first, last);
}

/**
 * One charger's charge rollup of one local day, recomputed from its charges of that day: what a
 * charge opened or closed changes (a charger's own report touches no other charger's rows).
 */
export async function refreshChargerDay(
  db: Db,
  calendar: LocalCalendar,
  chargerId: number,
  day: number,
): Promise<void> {
  const from = calendar.startOfDay(day) - 86_400_000;
  const to = calendar.startOfDay(nextDay(day)) + 86_400_000;
  await db
    .deleteFrom('mobility_charger_day')
    .where('charger_id', '=', chargerId)
    .where('day', '=', day)
    .execute();
  await sql`
    insert into mobility_charger_day (charger_id, day, charges, energy_kwh, charge_s, timed, first_at)
    select charger_id, day, count(*), coalesce(sum(energy_kwh), 0), coalesce(sum(duration_s), 0),
      count(duration_s), min(start_at)
    from mobility_charge
    where charger_id = ${chargerId} and start_at >= ${from} and start_at < ${to} and day = ${day}
    group by charger_id, day`.execute(db);
}

/**
 * Each charger's known and out-of-service time of the days [first, last], from its status
 * changes and the one in force before them; a day without a change takes the status in force.
 */
export async function refreshStatusDays(
  db: Db,
  calendar: LocalCalendar,
  first: number,
  last: number,
  chargerIds?: readonly number[],
): Promise<void> {
  const from = calendar.startOfDay(first);
  const to = calendar.startOfDay(nextDay(last));
  const ids = chargerIds ?? (await db.selectFrom('mobility_charger').select('id').execute()).map((r) => r.id);
  if (ids.length === 0) return;
  const days = daysBetween(first, last).map((day) => ({ day, start: calendar.startOfDay(day) }));
  const out = OUT_OF_SERVICE as readonly string[];
  const rows: {
    charger_id: number;
    day: number;
    known_ms: number;
    out_ms: number;
    changes: number;
    last_status: string;
  }[] = [];
  for (const id of ids) {
    const before = await db
      .selectFrom('mobility_charger_status')
      .select(['at', 'status'])
      .where('charger_id', '=', id)
      .where('connector', '=', 0)
      .where('at', '<', from)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    const changes = await db
      .selectFrom('mobility_charger_status')
      .select(['at', 'status'])
      .where('charger_id', '=', id)
      .where('connector', '=', 0)
      .where('at', '>=', from)
      .where('at', '<', to)
      .orderBy('at')
      .orderBy('id')
      .execute();
    let status: string | undefined = before?.status;
    let i = 0;
    for (let d = 0; d < days.length; d++) {
      const start = days[d].start;
      const end = d + 1 < days.length ? days[d + 1].start : to;
      let known = 0;
      let outMs = 0;
      let n = 0;
      let at = start;
      while (i < changes.length && changes[i].at < end) {
        if (status !== undefined) {
          known += changes[i].at - at;
          if (out.includes(status)) outMs += changes[i].at - at;
        }
        status = changes[i].status;
        at = changes[i].at;
        i++;
        n++;
      }
      if (status === undefined) continue;
      known += end - at;
      if (out.includes(status)) outMs += end - at;
      rows.push({
        charger_id: id,
        day: days[d].day,
        known_ms: known,
        out_ms: outMs,
        changes: n,
        last_status: status,
      });
    }
  }
  let q = db.deleteFrom('mobility_charger_status_day').where('day', '>=', first).where('day', '<=', last);
  if (chargerIds) q = q.where('charger_id', 'in', chargerIds);
  await q.execute();
  for (let i = 0; i < rows.length; i += 1000)
    await db
      .insertInto('mobility_charger_status_day')
      .values(rows.slice(i, i + 1000))
      .execute();
}

/** The day after a day YYYYMMDD. */
export function nextDay(day: number): number {
  const d = new Date(Date.UTC(Math.floor(day / 10_000), (Math.floor(day / 100) % 100) - 1, (day % 100) + 1));
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** The day before a day YYYYMMDD. */
export function previousDay(day: number): number {
  const d = new Date(Date.UTC(Math.floor(day / 10_000), (Math.floor(day / 100) % 100) - 1, (day % 100) - 1));
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** A vehicle's trips, km and kWh over the days [first, last]. */
export async function vehicleTotals(db: Db, vehicleId: number, first: number, last: number) {
  const row = await db
    .selectFrom('mobility_vehicle_day')
    .select([
      sql<number>`coalesce(sum(trips), 0)`.as('trips'),
      sql<number>`coalesce(sum(distance_km), 0)`.as('km'),
      sql<number>`coalesce(sum(consumption_kwh), 0)`.as('kwh'),
      sql<number>`coalesce(sum(regenerated_kwh), 0)`.as('regen'),
    ])
    .where('vehicle_id', '=', vehicleId)
    .where('day', '>=', first)
    .where('day', '<=', last)
    .executeTakeFirstOrThrow();
  return { trips: Number(row.trips), km: Number(row.km), kwh: Number(row.kwh), regen: Number(row.regen) };
}

export async function vehicleDays(db: Db, first: number, last: number) {
  return db
    .selectFrom('mobility_vehicle_day')
    .selectAll()
    .where('day', '>=', first)
    .where('day', '<=', last)
    .execute();
}

export async function lineDays(db: Db, first: number, last: number) {
  return db
    .selectFrom('mobility_line_day')
    .selectAll()
    .where('day', '>=', first)
    .where('day', '<=', last)
    .execute();
}

export async function chargerDays(db: Db, first: number, last: number) {
  return db
    .selectFrom('mobility_charger_day')
    .selectAll()
    .where('day', '>=', first)
    .where('day', '<=', last)
    .execute();
}

export async function statusDays(db: Db, first: number, last: number) {
  return db
    .selectFrom('mobility_charger_status_day')
    .selectAll()
    .where('day', '>=', first)
    .where('day', '<=', last)
    .orderBy('charger_id')
    .orderBy('day')
    .execute();
}

/** Each charger's status at the end of its latest day before `day`. */
export async function statusBefore(db: Db, day: number): Promise<Map<number, string>> {
  const rows = await db
    .selectFrom('mobility_charger_status_day as s')
    .select(['s.charger_id', 's.last_status'])
    .where('s.day', '=', (sub) =>
      sub
        .selectFrom('mobility_charger_status_day as u')
        .select((eb) => eb.fn.max('u.day').as('m'))
        .whereRef('u.charger_id', '=', 's.charger_id')
        .where('u.day', '<', day),
    )
    .execute();
  return new Map(rows.map((r) => [r.charger_id, r.last_status]));
}
