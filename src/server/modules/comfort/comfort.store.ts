import { type Kysely, sql, type Transaction } from 'kysely';
import { seenWhere, type Visibility } from '../../access/visibility.ts';
import type { ComfortHourTable, Database } from '../../db/schema.ts';
import { intervalBoundaries, intervalIndex } from '../../timeseries/calendar.ts';
import type { PairingSensor } from './comfort-pairing.ts';

type Db = Kysely<Database> | Transaction<Database>;

const HOUR = 3_600_000;

/** Temperature and humidity sensors of gateways that serve a dwelling now. */
export async function listPairingSensors(db: Db): Promise<PairingSensor[]> {
  const rows = await db
    .selectFrom('sensor')
    .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
    .select([
      'sensor.id as sensorId',
      'sensor.gateway_id as gatewayId',
      'sensor.channel as channel',
      'sensor.device as device',
      'sensor.medium as medium',
      'gateway.dwelling_id as dwellingId',
    ])
    .where('sensor.medium', 'in', ['temperature', 'humidity'])
    .where('gateway.dwelling_id', 'is not', null)
    .execute();
  return rows as PairingSensor[];
}

/** A stored comfort point, with the series of its sensors and the building it is in now. */
export interface StoredPoint {
  id: number;
  temperatureSensorId: number;
  humiditySensorId: number;
  pairing: 'channel' | 'dwelling' | 'manual';
  label: string;
  needsBackfill: boolean;
  temperatureSeriesId: number | null;
  humiditySeriesId: number | null;
  /** Dwelling and building of the temperature sensor's gateway now; null when unregistered. */
  dwellingId: number | null;
  buildingId: number | null;
  /** Dwelling of the humidity sensor's gateway now. */
  humidityDwellingId: number | null;
  /** Zone its daily rollup was cut in; null until built. */
  dayZone: string | null;
}

function pointQuery(db: Db) {
  return db
    .selectFrom('comfort_point as p')
    .innerJoin('sensor as ts', 'ts.id', 'p.temperature_sensor_id')
    .innerJoin('gateway as tg', 'tg.id', 'ts.gateway_id')
    .innerJoin('sensor as hs', 'hs.id', 'p.humidity_sensor_id')
    .innerJoin('gateway as hg', 'hg.id', 'hs.gateway_id')
    .leftJoin('series as tss', 'tss.sensor_id', 'ts.id')
    .leftJoin('series as hss', 'hss.sensor_id', 'hs.id')
    .leftJoin('dwelling as d', 'd.id', 'tg.dwelling_id')
    .select([
      'p.id as id',
      'p.temperature_sensor_id as temperatureSensorId',
      'p.humidity_sensor_id as humiditySensorId',
      'p.pairing as pairing',
      'p.label as label',
      'p.needs_backfill as needsBackfill',
      'tss.id as temperatureSeriesId',
      'hss.id as humiditySeriesId',
      'tg.dwelling_id as dwellingId',
      'd.building_id as buildingId',
      'hg.dwelling_id as humidityDwellingId',
      'p.day_zone as dayZone',
    ]);
}

function toPoint(r: Omit<StoredPoint, 'needsBackfill'> & { needsBackfill: number }): StoredPoint {
  return { ...r, needsBackfill: r.needsBackfill === 1 };
}

export async function listPoints(db: Db): Promise<StoredPoint[]> {
  return (await pointQuery(db).orderBy('p.id').execute()).map(toPoint);
}

export async function findPoint(db: Db, id: number): Promise<StoredPoint | undefined> {
  const row = await pointQuery(db).where('p.id', '=', id).executeTakeFirst();
  return row && toPoint(row);
}

/** Points whose temperature or humidity sensor writes to one of `seriesIds`. */
export async function listPointsOfSeries(db: Db, seriesIds: number[]): Promise<StoredPoint[]> {
  if (seriesIds.length === 0) return [];
  const rows = await pointQuery(db)
    .where((eb) => eb.or([eb('tss.id', 'in', seriesIds), eb('hss.id', 'in', seriesIds)]))
    .execute();
  return rows.map(toPoint);
}

export async function insertPoint(
  db: Db,
  p: {
    temperatureSensorId: number;
    humiditySensorId: number;
    pairing: StoredPoint['pairing'];
    label: string;
  },
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('comfort_point')
    .values({
      temperature_sensor_id: p.temperatureSensorId,
      humidity_sensor_id: p.humiditySensorId,
      pairing: p.pairing,
      label: p.label,
      needs_backfill: 1,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Re-pairs a point: its hours are forgotten and its history is computed again. */
export async function repairPoint(
  db: Db,
  id: number,
  p: { humiditySensorId: number; pairing: StoredPoint['pairing']; label: string },
  now: number,
): Promise<void> {
  await db.deleteFrom('comfort_hour').where('point_id', '=', id).execute();
  await db.deleteFrom('comfort_day').where('point_id', '=', id).execute();
  await db
    .updateTable('comfort_point')
    .set({
      humidity_sensor_id: p.humiditySensorId,
      pairing: p.pairing,
      label: p.label,
      needs_backfill: 1,
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

export async function deletePoint(db: Db, id: number): Promise<void> {
  await db.deleteFrom('comfort_hour').where('point_id', '=', id).execute();
  await db.deleteFrom('comfort_day').where('point_id', '=', id).execute();
  await db.deleteFrom('comfort_point').where('id', '=', id).execute();
}

export async function setNeedsBackfill(db: Db, ids: number[], value: boolean): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('comfort_point')
    .set({ needs_backfill: value ? 1 : 0 })
    .where('id', 'in', ids)
    .execute();
}

/** Marks for recomputation every point whose temperature sensor is in the building now. */
export async function markBuildingForBackfill(db: Db, buildingId: number): Promise<void> {
  await db
    .updateTable('comfort_point')
    .set({ needs_backfill: 1 })
    .where('temperature_sensor_id', 'in', (eb) =>
      eb
        .selectFrom('sensor')
        .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
        .innerJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
        .select('sensor.id')
        .where('dwelling.building_id', '=', buildingId),
    )
    .execute();
}

export type ComfortHourRow = ComfortHourTable;

const HOUR_COLUMNS = [
  'tdb',
  'tr',
  'rh',
  'tdb_count',
  'rh_count',
  'season',
  'clo',
  'met',
  'v',
  'wme',
  'standard',
  'pmv',
  'ppd',
  'category',
  'status',
  'within_validity',
  'job_version',
  'computed_at',
] as const;

/** Writes hours, replacing what was stored for the same point and hour. */
export async function upsertHours(db: Db, rows: ComfortHourRow[]): Promise<void> {
  // 20 values a row: 500 rows stay under SQLite's and PostgreSQL's bound-parameter limits.
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto('comfort_hour')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) =>
        oc
          .columns(['point_id', 'hour'])
          .doUpdateSet((eb) => Object.fromEntries(HOUR_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))),
      )
      .execute();
  }
}

// ---------------------------------------------------------------- the daily rollup

/**
 * Cuts the point's stored hours within the local days that hold [from, to] (days of `zone`) into
 * its `comfort_day` rows again: an hour with a PMV adds to its day's sums and counts, a day with
 * none has no row. Called in the transaction that wrote or replaced those hours.
 */
export async function refreshDays(db: Db, pointId: number, from: number, to: number, zone: string) {
  const days = intervalBoundaries(from, to, 'day', zone);
  const dayFrom = days[0];
  const dayEnd = days[days.length - 1];
  const hours = await db
    .selectFrom('comfort_hour')
    .select(['hour', 'pmv', 'ppd', 'tdb', 'rh', 'category', 'status'])
    .where('point_id', '=', pointId)
    .where('hour', '>=', dayFrom)
    .where('hour', '<', dayEnd)
    .where('pmv', 'is not', null)
    .orderBy('hour')
    .execute();
  const rows = new Map<number, Database['comfort_day']>();
  const packed = new Map<number, number[]>();
  for (const h of hours) {
    const day = days[intervalIndex(days, Number(h.hour))];
    let r = rows.get(day);
    if (!r) {
      packed.set(day, []);
      r = {
        point_id: pointId,
        day,
        hours: 0,
        pmv_sum: 0,
        ppd_sum: 0,
        tdb_sum: 0,
        rh_sum: 0,
        cat_i: 0,
        cat_ii: 0,
        cat_iii: 0,
        green: 0,
        yellow: 0,
        red: 0,
        hourly: new Uint8Array(0),
      };
      rows.set(day, r);
    }
    packed.get(day)!.push(Number(h.hour), Number(h.pmv), Number(h.ppd), Number(h.tdb), Number(h.rh));
    r.hours++;
    r.pmv_sum += Number(h.pmv);
    r.ppd_sum += Number(h.ppd);
    r.tdb_sum += Number(h.tdb);
    r.rh_sum += Number(h.rh);
    if (h.category === 'I') r.cat_i++;
    else if (h.category === 'II') r.cat_ii++;
    else if (h.category === 'III') r.cat_iii++;
    if (h.status === 'green') r.green++;
    else if (h.status === 'yellow') r.yellow++;
    else if (h.status === 'red') r.red++;
  }
  await db
    .deleteFrom('comfort_day')
    .where('point_id', '=', pointId)
    .where('day', '>=', dayFrom)
    .where('day', '<', dayEnd)
    .execute();
  for (const [day, r] of rows) r.hourly = packHours(packed.get(day)!);
  const values = [...rows.values()];
  // 14 values a row: 1000 rows stay under both databases' bound-parameter limits.
  for (let i = 0; i < values.length; i += 1000)
    await db
      .insertInto('comfort_day')
      .values(values.slice(i, i + 1000))
      .execute();
}

/** Five numbers an hour (start, PMV, PPD, tdb, rh) as little-endian float64. */
function packHours(values: number[]): Uint8Array {
  const out = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => out.writeDoubleLE(v, i * 8));
  return out;
}

/** Calls `each` with every hour packed in a `comfort_day` row, in time order. */
export function eachPackedHour(
  data: Uint8Array,
  each: (hour: number, pmv: number, ppd: number, tdb: number, rh: number) => void,
): void {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let at = 0; at + 40 <= data.byteLength; at += 40)
    each(
      view.getFloat64(at, true),
      view.getFloat64(at + 8, true),
      view.getFloat64(at + 16, true),
      view.getFloat64(at + 24, true),
      view.getFloat64(at + 32, true),
    );
}

/** Points whose daily rollup was not cut in `zone` (never built, or the zone changed since). */
export async function listPointsWithoutDays(db: Db, zone: string): Promise<number[]> {
  const rows = await db
    .selectFrom('comfort_point')
    .select('id')
    .where((eb) => eb.or([eb('day_zone', 'is', null), eb('day_zone', '<>', zone)]))
    .orderBy('id')
    .execute();
  return rows.map((r) => Number(r.id));
}

/** Builds a point's whole daily rollup from its hours, in the days of `zone`. */
export async function rebuildDays(db: Db, pointId: number, zone: string): Promise<void> {
  await db.deleteFrom('comfort_day').where('point_id', '=', pointId).execute();
  const span = await db
    .selectFrom('comfort_hour')
    .select((eb) => [eb.fn.min('hour').as('first'), eb.fn.max('hour').as('last')])
    .where('point_id', '=', pointId)
    .executeTakeFirst();
  if (span && span.first !== null && span.last !== null)
    await refreshDays(db, pointId, Number(span.first), Number(span.last), zone);
  await db.updateTable('comfort_point').set({ day_zone: zone }).where('id', '=', pointId).execute();
}

/** Start of the first stored block of a series (its first hour with readings), epoch ms. */
export async function firstBlockStart(db: Db, seriesId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('ts_block')
    .select((eb) => eb.fn.min('t0').as('t0'))
    .where('series_id', '=', seriesId)
    .executeTakeFirst();
  return row?.t0 === null || row?.t0 === undefined ? undefined : Number(row.t0);
}

/** The newest position of the change feed. */
export async function lastChangeId(db: Db): Promise<number> {
  const row = await db
    .selectFrom('ts_change')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirst();
  return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
}

export async function hasCursor(db: Db, name: string): Promise<boolean> {
  return (
    (await db.selectFrom('job_cursor').select('name').where('name', '=', name).executeTakeFirst()) !==
    undefined
  );
}

export async function setCursor(db: Db, name: string, position: number, now: number): Promise<void> {
  await db
    .insertInto('job_cursor')
    .values({ name, position, updated_at: now })
    .onConflict((oc) => oc.column('name').doUpdateSet({ position, updated_at: now }))
    .execute();
}

// ---------------------------------------------------------------- settings

export type SettingRow = Database['comfort_setting'];

export async function findSetting(db: Db, buildingId: number): Promise<SettingRow | undefined> {
  return db
    .selectFrom('comfort_setting')
    .selectAll()
    .where('building_id', '=', buildingId)
    .executeTakeFirst();
}

export async function listSettings(db: Db, buildingIds: number[]): Promise<SettingRow[]> {
  if (buildingIds.length === 0) return [];
  return db.selectFrom('comfort_setting').selectAll().where('building_id', 'in', buildingIds).execute();
}

export async function upsertSetting(db: Db, row: SettingRow): Promise<void> {
  const { building_id: _, ...rest } = row;
  await db
    .insertInto('comfort_setting')
    .values(row)
    .onConflict((oc) => oc.column('building_id').doUpdateSet(rest))
    .execute();
}

// ---------------------------------------------------------------- reads, scoped in the query

/** Rows of a dwelling's points and hours (`d`, `b`, the temperature sensor `s`) that the caller sees. */
const pointSeen = (visibility: Visibility) =>
  seenWhere(visibility, { dwelling: 'd.id', building: 'b.id', gateway: 's.gateway_id' });

/** The comfort hours of a group of dwellings, each counted for the dwelling its gateway served then. */
function placedHours(db: Db) {
  return db
    .selectFrom('comfort_hour as ch')
    .innerJoin('comfort_point as p', 'p.id', 'ch.point_id')
    .innerJoin('sensor as s', 's.id', 'p.temperature_sensor_id')
    .innerJoin('gateway_assignment as a', (join) =>
      join
        .onRef('a.gateway_id', '=', 's.gateway_id')
        .onRef('a.valid_from', '<=', 'ch.hour')
        .on((eb) => eb.or([eb('a.valid_to', 'is', null), eb('a.valid_to', '>', eb.ref('ch.hour'))])),
    )
    .innerJoin('dwelling as d', 'd.id', 'a.dwelling_id')
    .innerJoin('building as b', 'b.id', 'd.building_id');
}

/** The points that served a dwelling within [from, to], with their labels. */
export async function listDwellingPoints(
  db: Db,
  dwellingId: number,
  from: number,
  to: number,
  visibility: Visibility,
): Promise<
  {
    id: number;
    temperatureSensorId: number;
    humiditySensorId: number;
    pairing: StoredPoint['pairing'];
    label: string;
  }[]
> {
  const rows = await db
    .selectFrom('comfort_point as p')
    .innerJoin('sensor as s', 's.id', 'p.temperature_sensor_id')
    .innerJoin('gateway_assignment as a', 'a.gateway_id', 's.gateway_id')
    .innerJoin('dwelling as d', 'd.id', 'a.dwelling_id')
    .innerJoin('building as b', 'b.id', 'd.building_id')
    .select([
      'p.id as id',
      'p.temperature_sensor_id as temperatureSensorId',
      'p.humidity_sensor_id as humiditySensorId',
      'p.pairing as pairing',
      'p.label as label',
    ])
    .where('d.id', '=', dwellingId)
    .where('a.valid_from', '<=', to)
    .where((eb) => eb.or([eb('a.valid_to', 'is', null), eb('a.valid_to', '>', from)]))
    .where(pointSeen(visibility))
    .orderBy('p.id')
    .execute();
  const seen = new Set<number>();
  return rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
}

/** A point's stored hour, as the dwelling view reads it. */
export interface PointHour {
  pointId: number;
  hour: number;
  pmv: number | null;
  ppd: number | null;
  category: 'I' | 'II' | 'III' | null;
  status: 'green' | 'yellow' | 'red' | null;
}

/** Hours of the points of one dwelling within [from, to], while they served it. */
export async function listDwellingHours(
  db: Db,
  dwellingId: number,
  from: number,
  to: number,
  visibility: Visibility,
): Promise<PointHour[]> {
  return placedHours(db)
    .select([
      'ch.point_id as pointId',
      'ch.hour as hour',
      'ch.pmv as pmv',
      'ch.ppd as ppd',
      'ch.category as category',
      'ch.status as status',
    ])
    .where('d.id', '=', dwellingId)
    .where('ch.hour', '>=', from)
    .where('ch.hour', '<=', to)
    .where(pointSeen(visibility))
    .orderBy('ch.point_id')
    .orderBy('ch.hour')
    .execute();
}

/** Per hour, over the point-hours of a building or district: count, sums and counts per class. */
export interface HourAggregate {
  hour: number;
  hours: number;
  pmvSum: number;
  ppdSum: number;
  catI: number;
  catII: number;
  catIII: number;
  green: number;
  yellow: number;
  red: number;
}

export type GroupScope = { buildingId: number } | { districtId: number };

/**
 * Where the comfort points of a building or district were, and when: naming them lets the
 * database read `comfort_hour` along its (point, hour) key instead of scanning it. Undefined when
 * there are too many to name (beyond a few thousand the list costs more than it saves).
 */
async function placementsOfGroup(db: Db, scope: GroupScope) {
  let q = db
    .selectFrom('comfort_point as p')
    .innerJoin('sensor as s', 's.id', 'p.temperature_sensor_id')
    .innerJoin('gateway_assignment as a', 'a.gateway_id', 's.gateway_id')
    .innerJoin('dwelling as d', 'd.id', 'a.dwelling_id')
    .innerJoin('building as b', 'b.id', 'd.building_id')
    .select([
      'p.id as pointId',
      'd.id as dwellingId',
      'a.valid_from as validFrom',
      'a.valid_to as validTo',
      'p.day_zone as dayZone',
    ]);
  q =
    'buildingId' in scope
      ? q.where('b.id', '=', scope.buildingId)
      : q.where('b.district_id', '=', scope.districtId);
  const rows = (await q.execute()).map((r) => ({
    pointId: Number(r.pointId),
    dwellingId: Number(r.dwellingId),
    validFrom: Number(r.validFrom),
    validTo: r.validTo === null ? Infinity : Number(r.validTo),
    dayZone: r.dayZone,
  }));
  return rows.length <= 5000 ? rows : undefined;
}

/**
 * The points of a scope split in two: those that stayed in it through [from, to] (their hours are
 * read without placing each one) and those that moved in or out (each hour placed).
 */
async function splitPoints(db: Db, scope: GroupScope, from: number, to: number) {
  const placements = await placementsOfGroup(db, scope);
  if (!placements) return undefined;
  const whole = new Map<number, number>();
  const partial = new Set<number>();
  const zones = new Map<number, string | null>();
  for (const p of placements) {
    zones.set(p.pointId, p.dayZone);
    if (p.validTo <= from || p.validFrom > to) continue;
    if (p.validFrom <= from && p.validTo > to) whole.set(p.pointId, p.dwellingId);
    else partial.add(p.pointId);
  }
  for (const id of partial) whole.delete(id);
  return { whole, partial: [...partial], zones };
}

const classCount = (column: 'ch.category' | 'ch.status', value: string) =>
  sql<number>`sum(case when ${sql.ref(column)} = ${value} then 1 else 0 end)`;

/**
 * Sums of the point-hours with a PMV in a whole building or district, per hour, within [from, to]
 * (whether the caller may read a mean of it is the visibility policy's `checkMeanCoverage`).
 */
export async function aggregateGroupHours(
  db: Db,
  scope: GroupScope,
  from: number,
  to: number,
  /** When [from, to] is whole local days of this zone: days are read from the daily rollup. */
  dayZone?: string,
): Promise<HourAggregate[]> {
  const split = await splitPoints(db, scope, from, to);
  const parts: HourAggregate[][] = [];
  if (split && dayZone !== undefined) {
    // Points that stayed in the scope and whose days are cut in that zone: a row a day each,
    // summed per day (the day's aggregate stands at its first instant).
    const zoned = [...split.whole.keys()].filter((id) => split.zones.get(id) === dayZone);
    for (const id of zoned) split.whole.delete(id);
    if (zoned.length > 0) {
      const rows = await db
        .selectFrom('comfort_day as cd')
        .select((eb) => [
          'cd.day as hour',
          eb.fn.sum<number>('cd.hours').as('hours'),
          eb.fn.sum<number>('cd.pmv_sum').as('pmvSum'),
          eb.fn.sum<number>('cd.ppd_sum').as('ppdSum'),
          eb.fn.sum<number>('cd.cat_i').as('catI'),
          eb.fn.sum<number>('cd.cat_ii').as('catII'),
          eb.fn.sum<number>('cd.cat_iii').as('catIII'),
          eb.fn.sum<number>('cd.green').as('green'),
          eb.fn.sum<number>('cd.yellow').as('yellow'),
          eb.fn.sum<number>('cd.red').as('red'),
        ])
        .where('cd.point_id', 'in', zoned)
        .where('cd.day', '>=', from)
        .where('cd.day', '<=', to)
        .groupBy('cd.day')
        .execute();
      parts.push(rows.map(toAggregate));
    }
  }
  if (split && split.whole.size > 0) {
    const rows = await db
      .selectFrom('comfort_hour as ch')
      .select((eb) => [
        'ch.hour as hour',
        eb.fn.countAll<number>().as('hours'),
        eb.fn.sum<number>('ch.pmv').as('pmvSum'),
        eb.fn.sum<number>('ch.ppd').as('ppdSum'),
        classCount('ch.category', 'I').as('catI'),
        classCount('ch.category', 'II').as('catII'),
        classCount('ch.category', 'III').as('catIII'),
        classCount('ch.status', 'green').as('green'),
        classCount('ch.status', 'yellow').as('yellow'),
        classCount('ch.status', 'red').as('red'),
      ])
      .where('ch.point_id', 'in', [...split.whole.keys()])
      .where('ch.hour', '>=', from)
      .where('ch.hour', '<=', to)
      .where('ch.pmv', 'is not', null)
      .groupBy('ch.hour')
      .execute();
    parts.push(rows.map(toAggregate));
  }
  if (!split || split.partial.length > 0) {
    let q = placedHours(db)
      .select((eb) => [
        'ch.hour as hour',
        eb.fn.countAll<number>().as('hours'),
        eb.fn.sum<number>('ch.pmv').as('pmvSum'),
        eb.fn.sum<number>('ch.ppd').as('ppdSum'),
        classCount('ch.category', 'I').as('catI'),
        classCount('ch.category', 'II').as('catII'),
        classCount('ch.category', 'III').as('catIII'),
        classCount('ch.status', 'green').as('green'),
        classCount('ch.status', 'yellow').as('yellow'),
        classCount('ch.status', 'red').as('red'),
      ])
      .where((eb) => (split ? eb('ch.point_id', 'in', split.partial) : eb.lit(true)))
      .where('ch.hour', '>=', from)
      .where('ch.hour', '<=', to)
      .where('ch.pmv', 'is not', null);
    q =
      'buildingId' in scope
        ? q.where('b.id', '=', scope.buildingId)
        : q.where('b.district_id', '=', scope.districtId);
    parts.push((await q.groupBy('ch.hour').execute()).map(toAggregate));
  }
  if (parts.length === 0) return [];
  if (parts.length === 1) return parts[0].sort((x, y) => x.hour - y.hour);
  const byHour = new Map<number, HourAggregate>();
  for (const h of parts.flat()) {
    const known = byHour.get(h.hour);
    if (!known) byHour.set(h.hour, { ...h });
    else
      for (const k of [
        'hours',
        'pmvSum',
        'ppdSum',
        'catI',
        'catII',
        'catIII',
        'green',
        'yellow',
        'red',
      ] as const)
        known[k] += h[k];
  }
  return [...byHour.values()].sort((x, y) => x.hour - y.hour);
}

function toAggregate(r: Record<keyof HourAggregate, unknown>): HourAggregate {
  return {
    hour: Number(r.hour),
    hours: Number(r.hours),
    pmvSum: Number(r.pmvSum),
    ppdSum: Number(r.ppdSum),
    catI: Number(r.catI),
    catII: Number(r.catII),
    catIII: Number(r.catIII),
    green: Number(r.green),
    yellow: Number(r.yellow),
    red: Number(r.red),
  };
}

/** How many points and dwellings of a building or district have comfort hours within [from, to]. */
export async function countGroupMembers(
  db: Db,
  scope: GroupScope,
  from: number,
  to: number,
): Promise<{ points: number; dwellings: number }> {
  const split = await splitPoints(db, scope, from, to);
  const points = new Set<number>();
  const dwellings = new Set<number>();
  if (split)
    for (const [pointId, dwellingId] of split.whole) {
      const any = await db
        .selectFrom('comfort_hour')
        .select('hour')
        .where('point_id', '=', pointId)
        .where('hour', '>=', from)
        .where('hour', '<=', to)
        .where('pmv', 'is not', null)
        .limit(1)
        .executeTakeFirst();
      if (!any) continue;
      points.add(pointId);
      dwellings.add(dwellingId);
    }
  if (!split || split.partial.length > 0) {
    let q = placedHours(db)
      .select(['ch.point_id as pointId', 'd.id as dwellingId'])
      .distinct()
      .where((eb) => (split ? eb('ch.point_id', 'in', split.partial) : eb.lit(true)))
      .where('ch.hour', '>=', from)
      .where('ch.hour', '<=', to)
      .where('ch.pmv', 'is not', null);
    q =
      'buildingId' in scope
        ? q.where('b.id', '=', scope.buildingId)
        : q.where('b.district_id', '=', scope.districtId);
    for (const r of await q.execute()) {
      points.add(Number(r.pointId));
      dwellings.add(Number(r.dwellingId));
    }
  }
  return { points: points.size, dwellings: dwellings.size };
}

/** One dwelling's comfort over one group of hours (see {@link listBuildingDwellingGroups}). */
export interface DwellingHourGroup {
  dwellingId: number;
  /** First hour of the group, epoch ms. */
  hour: number;
  hours: number;
  pmvSum: number;
  ppdSum: number;
  tdbSum: number;
  rhSum: number;
}

/**
 * Every seen dwelling's comfort in a building within [from, to], in one query over
 * `comfort_hour`: per dwelling and hour (`groupMs` = 1 h), or per dwelling and group of hours
 * that never straddles a local midnight (`groupMs` = 1 day, shifted by `offsetMs`, the zone's
 * smallest offset in the range, and split `splitMs` before its end, where the zone's larger
 * offset puts the next local day; 0 when the range has one offset). The caller folds the groups
 * into local days by their first hour.
 */
export async function listBuildingDwellingGroups(
  db: Db,
  buildingId: number,
  from: number,
  to: number,
  visibility: Visibility,
  group: {
    groupMs: number;
    offsetMs: number;
    splitMs: number;
    /**
     * Local days of this zone: points that stayed in one dwelling read the range's whole days
     * from the daily rollup (a day-long group must then be a local day of this zone).
     */
    dayZone?: string;
  },
  /** Takes each group as it is read instead of a list of them (no object a group). */
  sink?: (
    dwellingId: number,
    hour: number,
    hours: number,
    pmvSum: number,
    ppdSum: number,
    tdbSum: number,
    rhSum: number,
  ) => void,
): Promise<DwellingHourGroup[]> {
  // Where each point of the building was, and when (a gateway may have served several dwellings).
  const placements = await db
    .selectFrom('comfort_point as p')
    .innerJoin('sensor as s', 's.id', 'p.temperature_sensor_id')
    .innerJoin('gateway_assignment as a', 'a.gateway_id', 's.gateway_id')
    .innerJoin('dwelling as d', 'd.id', 'a.dwelling_id')
    .innerJoin('building as b', 'b.id', 'd.building_id')
    .select([
      'p.id as pointId',
      'd.id as dwellingId',
      'a.valid_from as validFrom',
      'a.valid_to as validTo',
      'p.day_zone as dayZone',
    ])
    .where('b.id', '=', buildingId)
    .where('a.valid_from', '<=', to)
    .where((eb) => eb.or([eb('a.valid_to', 'is', null), eb('a.valid_to', '>', from)]))
    .where(pointSeen(visibility))
    .execute();
  if (placements.length === 0) return [];
  // A point that stayed in one dwelling through the range is placed once, not hour by hour.
  const byPoint = new Map<number, { dwellingId: number; validFrom: number; validTo: number }[]>();
  for (const p of placements) {
    const list = byPoint.get(Number(p.pointId)) ?? [];
    list.push({
      dwellingId: Number(p.dwellingId),
      validFrom: Number(p.validFrom),
      validTo: p.validTo === null ? Infinity : Number(p.validTo),
    });
    byPoint.set(Number(p.pointId), list);
  }
  const stayed = new Map<number, number>();
  for (const [pointId, list] of byPoint)
    if (list.length === 1 && list[0].validFrom <= from && list[0].validTo > to)
      stayed.set(pointId, list[0].dwellingId);
  // Points that stayed in one dwelling and whose days are cut in the asked zone: a row a day.
  const dayPoints =
    group.dayZone === undefined
      ? []
      : [...stayed.keys()].filter((id) =>
          placements.some((p) => Number(p.pointId) === id && p.dayZone === group.dayZone),
        );
  const daySet = new Set(dayPoints);
  const hourPoints = [...byPoint.keys()].filter((id) => !daySet.has(id));
  const shifted = sql<number>`(${sql.ref('ch.hour')} + ${sql.lit(group.offsetMs)})`;
  const key = sql<number>`${shifted} / ${sql.lit(group.groupMs)}`;
  // A literal in GROUP BY is a column position in SQLite: the split is left out when there is none.
  const keys =
    group.splitMs > 0
      ? [
          key,
          sql<number>`case when ${shifted} % ${sql.lit(group.groupMs)} >= ${sql.lit(group.groupMs - group.splitMs)} then 1 else 0 end`,
        ]
      : [key];
  const hourly = group.groupMs === HOUR && group.offsetMs === 0;
  type Row = {
    pointId: unknown;
    hour: unknown;
    hours: unknown;
    pmvSum: unknown;
    ppdSum: unknown;
    tdbSum: unknown;
    rhSum: unknown;
  };
  // Grouped per point in the database, along the (point, hour) key; placed afterwards by the
  // group's first hour (a group never straddles a local midnight, and gateways move rarely). Hour
  // by hour each row is its own group: no grouping at all.
  const readHours = async (pointIds: number[], a: number, b: number): Promise<Row[]> => {
    if (pointIds.length === 0 || a > b) return [];
    const base = db
      .selectFrom('comfort_hour as ch')
      .where('ch.point_id', 'in', pointIds)
      .where('ch.hour', '>=', a)
      .where('ch.hour', '<=', b)
      .where('ch.pmv', 'is not', null);
    return hourly
      ? base
          .select([
            'ch.point_id as pointId',
            'ch.hour as hour',
            sql<number>`1`.as('hours'),
            'ch.pmv as pmvSum',
            'ch.ppd as ppdSum',
            'ch.tdb as tdbSum',
            'ch.rh as rhSum',
          ])
          .execute()
      : base
          .select((eb) => [
            'ch.point_id as pointId',
            eb.fn.min('ch.hour').as('hour'),
            eb.fn.countAll<number>().as('hours'),
            eb.fn.sum<number>('ch.pmv').as('pmvSum'),
            eb.fn.sum<number>('ch.ppd').as('ppdSum'),
            eb.fn.sum<number>('ch.tdb').as('tdbSum'),
            eb.fn.sum<number>('ch.rh').as('rhSum'),
          ])
          .groupBy(['ch.point_id', ...keys])
          .execute();
  };
  const rows: Row[] = await readHours(hourPoints, from, to);
  const direct: DwellingHourGroup[] = [];
  if (dayPoints.length > 0) {
    // The whole local days of the range from the daily rollup, the partial days at its ends
    // from the hours.
    const days = intervalBoundaries(from, to, 'day', group.dayZone!);
    const first = days.findIndex((d) => d >= from);
    let last = days.length - 1;
    while (last > 0 && days[last] - 1 > to) last--;
    if (first < 0 || first >= last) rows.push(...(await readHours(dayPoints, from, to)));
    else {
      const fullFrom = days[first];
      const fullEnd = days[last];
      rows.push(...(await readHours(dayPoints, from, fullFrom - 1)));
      rows.push(...(await readHours(dayPoints, fullEnd, to)));
      const stored = db
        .selectFrom('comfort_day as cd')
        .where('cd.point_id', 'in', dayPoints)
        .where('cd.day', '>=', fullFrom)
        .where('cd.day', '<', fullEnd);
      if (hourly)
        for (const d of await stored.select(['cd.point_id as pointId', 'cd.hourly as hourly']).execute()) {
          // These points stayed in one dwelling: placed as they are read.
          const dwellingId = stayed.get(Number(d.pointId))!;
          eachPackedHour(d.hourly, (hour, pmvSum, ppdSum, tdbSum, rhSum) =>
            sink
              ? sink(dwellingId, hour, 1, pmvSum, ppdSum, tdbSum, rhSum)
              : direct.push({ dwellingId, hour, hours: 1, pmvSum, ppdSum, tdbSum, rhSum }),
          );
        }
      else
        rows.push(
          ...(await stored
            .select([
              'cd.point_id as pointId',
              'cd.day as hour',
              'cd.hours as hours',
              'cd.pmv_sum as pmvSum',
              'cd.ppd_sum as ppdSum',
              'cd.tdb_sum as tdbSum',
              'cd.rh_sum as rhSum',
            ])
            .execute()),
        );
    }
  }
  const out: DwellingHourGroup[] = [];
  for (const r of rows) {
    const hour = Number(r.hour);
    const pointId = Number(r.pointId);
    const dwellingId =
      stayed.get(pointId) ??
      byPoint.get(pointId)?.find((p) => p.validFrom <= hour && p.validTo > hour)?.dwellingId;
    if (dwellingId === undefined) continue;
    if (sink)
      sink(
        dwellingId,
        hour,
        Number(r.hours),
        Number(r.pmvSum),
        Number(r.ppdSum),
        Number(r.tdbSum),
        Number(r.rhSum),
      );
    else
      out.push({
        dwellingId,
        hour,
        hours: Number(r.hours),
        pmvSum: Number(r.pmvSum),
        ppdSum: Number(r.ppdSum),
        tdbSum: Number(r.tdbSum),
        rhSum: Number(r.rhSum),
      });
  }
  return direct.length === 0 ? out : out.concat(direct);
}

/** The dwellings of a building that the caller sees, in floor and label order. */
export async function listSeenDwellings(
  db: Db,
  buildingId: number,
  visibility: Visibility,
): Promise<{ dwellingId: number; label: string; floor: number | null }[]> {
  return db
    .selectFrom('dwelling as d')
    .innerJoin('building as b', 'b.id', 'd.building_id')
    .select(['d.id as dwellingId', 'd.label as label', 'd.floor as floor'])
    .where('b.id', '=', buildingId)
    .where(seenWhere(visibility, { dwelling: 'd.id', building: 'b.id' }))
    .orderBy('d.floor')
    .orderBy('d.label')
    .execute();
}
