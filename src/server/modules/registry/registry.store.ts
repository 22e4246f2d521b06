import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A gateway by serial number, created as unregistered (no dwelling) when unknown. */
export async function ensureGateway(db: Db, sn: string, seenAt: number): Promise<number> {
  await db
    .insertInto('gateway')
    .values({
      sn,
      dwelling_id: null,
      registered_at: null,
      first_seen_at: seenAt,
      notes: '',
      created_at: seenAt,
      updated_at: seenAt,
    })
    .onConflict((oc) => oc.column('sn').doNothing())
    .execute();
  const row = await db.selectFrom('gateway').select('id').where('sn', '=', sn).executeTakeFirstOrThrow();
  return row.id;
}

/** A medium by name; an unknown one joins the open list with no unit until an admin sets it. */
export async function ensureMedium(db: Db, name: string): Promise<{ unit: string; cumulative: boolean }> {
  await db
    .insertInto('medium')
    .values({ name, unit: '', cumulative: 0, description: '' })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('medium').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
  return { unit: row.unit, cumulative: row.cumulative === 1 };
}

/** A sensor by its identity on a gateway, created when unknown. */
export async function ensureSensor(
  db: Db,
  gatewayId: number,
  identity: { channel: string; device: string; medium: string; unit: string },
  createdAt: number,
): Promise<number> {
  await db
    .insertInto('sensor')
    .values({ gateway_id: gatewayId, ...identity, label: '', created_at: createdAt })
    .onConflict((oc) => oc.columns(['gateway_id', 'channel', 'device', 'medium']).doNothing())
    .execute();
  const row = await db
    .selectFrom('sensor')
    .select('id')
    .where('gateway_id', '=', gatewayId)
    .where('channel', '=', identity.channel)
    .where('device', '=', identity.device)
    .where('medium', '=', identity.medium)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Where a sensor is now: its gateway, and the dwelling, building and district it serves. */
export interface SensorPlacement {
  sensorId: number;
  seriesId: number | null;
  gatewayId: number;
  sn: string;
  channel: string;
  device: string;
  medium: string;
  unit: string;
  dwellingId: number | null;
  buildingId: number | null;
  districtId: number | null;
}

function placementQuery(db: Db) {
  return db
    .selectFrom('sensor')
    .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
    .leftJoin('series', 'series.sensor_id', 'sensor.id')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .leftJoin('building', 'building.id', 'dwelling.building_id')
    .select([
      'sensor.id as sensorId',
      'series.id as seriesId',
      'gateway.id as gatewayId',
      'gateway.sn as sn',
      'sensor.channel as channel',
      'sensor.device as device',
      'sensor.medium as medium',
      'sensor.unit as unit',
      'dwelling.id as dwellingId',
      'building.id as buildingId',
      'building.district_id as districtId',
    ]);
}

export async function findSensorPlacement(db: Db, sensorId: number): Promise<SensorPlacement | undefined> {
  return placementQuery(db).where('sensor.id', '=', sensorId).executeTakeFirst();
}

export async function findSensorPlacementByIdentity(
  db: Db,
  identity: { sn: string; channel: string; device: string; medium: string },
): Promise<SensorPlacement | undefined> {
  return placementQuery(db)
    .where('gateway.sn', '=', identity.sn.toUpperCase())
    .where('sensor.channel', '=', identity.channel)
    .where('sensor.device', '=', identity.device)
    .where('sensor.medium', '=', identity.medium)
    .executeTakeFirst();
}

/** What a group query is over. */
export type Scope =
  { dwellingId: number } | { buildingId: number } | { districtId: number } | { gatewayId: number };

/** A sensor's series and the span of time it belonged to a dwelling. */
export interface ScopedSeries {
  sensorId: number;
  seriesId: number;
  gatewayId: number;
  dwellingId: number | null;
  medium: string;
  /** Epoch ms; the sensor's readings count for the scope within [from, to). */
  from: number;
  to: number;
}

/**
 * The series of a scope, with the time each belonged to it: a gateway moved between
 * dwellings counts for each dwelling only while it served it.
 */
export async function listScopedSeries(db: Db, scope: Scope, medium?: string): Promise<ScopedSeries[]> {
  if ('gatewayId' in scope) {
    let q = db
      .selectFrom('sensor')
      .innerJoin('series', 'series.sensor_id', 'sensor.id')
      .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
      .select([
        'sensor.id as sensorId',
        'series.id as seriesId',
        'sensor.gateway_id as gatewayId',
        'gateway.dwelling_id as dwellingId',
        'sensor.medium as medium',
      ])
      .where('sensor.gateway_id', '=', scope.gatewayId);
    if (medium) q = q.where('sensor.medium', '=', medium);
    return (await q.execute()).map((r) => ({ ...r, from: -Infinity, to: Infinity }));
  }
  let q = db
    .selectFrom('gateway_assignment as a')
    .innerJoin('dwelling', 'dwelling.id', 'a.dwelling_id')
    .innerJoin('building', 'building.id', 'dwelling.building_id')
    .innerJoin('sensor', 'sensor.gateway_id', 'a.gateway_id')
    .innerJoin('series', 'series.sensor_id', 'sensor.id')
    .select([
      'sensor.id as sensorId',
      'series.id as seriesId',
      'a.gateway_id as gatewayId',
      'a.dwelling_id as dwellingId',
      'sensor.medium as medium',
      'a.valid_from as validFrom',
      'a.valid_to as validTo',
    ]);
  if ('dwellingId' in scope) q = q.where('a.dwelling_id', '=', scope.dwellingId);
  else if ('buildingId' in scope) q = q.where('dwelling.building_id', '=', scope.buildingId);
  else q = q.where('building.district_id', '=', scope.districtId);
  if (medium) q = q.where('sensor.medium', '=', medium);
  return (await q.orderBy('sensor.id').execute()).map((r) => ({
    sensorId: r.sensorId,
    seriesId: r.seriesId,
    gatewayId: r.gatewayId,
    dwellingId: r.dwellingId,
    medium: r.medium,
    from: r.validFrom,
    to: r.validTo ?? Infinity,
  }));
}

export async function findDwellingBuilding(db: Db, dwellingId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('dwelling')
    .select('building_id')
    .where('id', '=', dwellingId)
    .executeTakeFirst();
  return row?.building_id;
}

export interface NewDistrict {
  code: string;
  name: string;
  city: string;
  latitude: number | null;
  longitude: number | null;
}

export async function insertDistrict(db: Db, d: NewDistrict, now: number): Promise<number> {
  const row = await db
    .insertInto('district')
    .values({ ...d, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface NewBuilding {
  district_id: number;
  code: string;
  address: string;
  latitude: number;
  longitude: number;
  carrier1: string | null;
  area1_m2: number | null;
  carrier2: string | null;
  area2_m2: number | null;
  floors: number | null;
  /** Typed features, by feature_definition key. */
  features: Record<string, string | number | boolean>;
}

export async function insertBuilding(db: Db, b: NewBuilding, now: number): Promise<number> {
  const row = await db
    .insertInto('building')
    .values({ ...b, features: JSON.stringify(b.features), created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface NewDwelling {
  building_id: number;
  label: string;
  floor: number | null;
  area_m2: number | null;
}

export async function insertDwelling(db: Db, d: NewDwelling, now: number): Promise<number> {
  const row = await db
    .insertInto('dwelling')
    .values({ ...d, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Registers a gateway to a dwelling from `validFrom` on (epoch ms; the first registration of a
 * gateway takes its whole earlier history along), closing its previous assignment.
 */
export async function assignGateway(
  db: Db,
  gatewayId: number,
  dwellingId: number,
  validFrom: number,
  now: number,
): Promise<void> {
  await db
    .updateTable('gateway_assignment')
    .set({ valid_to: validFrom })
    .where('gateway_id', '=', gatewayId)
    .where('valid_to', 'is', null)
    .execute();
  await db
    .insertInto('gateway_assignment')
    .values({ gateway_id: gatewayId, dwelling_id: dwellingId, valid_from: validFrom, valid_to: null })
    .execute();
  await db
    .updateTable('gateway')
    .set((eb) => ({
      dwelling_id: dwellingId,
      registered_at: eb.fn.coalesce('registered_at', eb.val(now)),
      updated_at: now,
    }))
    .where('id', '=', gatewayId)
    .execute();
}

export async function insertWeatherStation(
  db: Db,
  s: {
    district_id: number;
    code: string;
    name: string;
    latitude: number | null;
    longitude: number | null;
    gateway_id: number | null;
  },
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('weather_station')
    .values({ ...s, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
