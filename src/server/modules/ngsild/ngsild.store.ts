import type { Kysely } from 'kysely';
import { seenWhere, type Visibility } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';

/** SQL of the NGSI-LD entities: the registry's places, each narrowed by the caller's visibility. */

type Db = Kysely<Database>;

export async function listBuildings(db: Db, visibility: Visibility, ids?: number[]) {
  let q = db
    .selectFrom('building')
    .innerJoin('district', 'district.id', 'building.district_id')
    .select([
      'building.id',
      'building.code',
      'building.address',
      'building.latitude',
      'building.longitude',
      'building.floors',
      'building.updated_at',
      'district.city',
      'district.name as district',
    ])
    .where(seenWhere(visibility, { building: 'building.id' }));
  if (ids) q = q.where('building.id', 'in', ids.length > 0 ? ids : [-1]);
  return q.orderBy('building.id').execute();
}

export async function listDwellings(db: Db, visibility: Visibility, ids?: number[]) {
  let q = db
    .selectFrom('dwelling')
    .innerJoin('building', 'building.id', 'dwelling.building_id')
    .select([
      'dwelling.id',
      'dwelling.label',
      'dwelling.floor',
      'dwelling.area_m2',
      'dwelling.building_id',
      'dwelling.updated_at',
      'building.latitude',
      'building.longitude',
    ])
    .where(seenWhere(visibility, { dwelling: 'dwelling.id', building: 'dwelling.building_id' }));
  if (ids) q = q.where('dwelling.id', 'in', ids.length > 0 ? ids : [-1]);
  return q.orderBy('dwelling.id').execute();
}

export async function listGateways(db: Db, visibility: Visibility, ids?: number[]) {
  let q = db
    .selectFrom('gateway')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .leftJoin('building', 'building.id', 'dwelling.building_id')
    .leftJoin('weather_station', 'weather_station.gateway_id', 'gateway.id')
    .select([
      'gateway.id',
      'gateway.sn',
      'gateway.dwelling_id',
      'gateway.first_seen_at',
      'gateway.updated_at',
      'building.latitude',
      'building.longitude',
      'weather_station.id as station_id',
      'weather_station.latitude as station_latitude',
      'weather_station.longitude as station_longitude',
    ])
    .where(seenWhere(visibility, { gateway: 'gateway.id', dwelling: 'gateway.dwelling_id' }));
  if (ids) q = q.where('gateway.id', 'in', ids.length > 0 ? ids : [-1]);
  return q.orderBy('gateway.id').execute();
}

/** Sensors with their series and where they are; `by` narrows to sensors, gateways or dwellings. */
export async function listSensors(
  db: Db,
  visibility: Visibility | 'weather',
  by?: { sensorIds?: number[]; gatewayIds?: number[]; dwellingIds?: number[] },
) {
  let q = db
    .selectFrom('sensor')
    .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
    .innerJoin('series', 'series.sensor_id', 'sensor.id')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .leftJoin('building', 'building.id', 'dwelling.building_id')
    .leftJoin('weather_station', 'weather_station.gateway_id', 'gateway.id')
    .select([
      'sensor.id',
      'sensor.gateway_id',
      'sensor.medium',
      'sensor.unit',
      'sensor.label',
      'sensor.created_at',
      'series.id as series_id',
      'series.cumulative',
      'gateway.dwelling_id',
      'building.latitude',
      'building.longitude',
      'weather_station.id as station_id',
      'weather_station.latitude as station_latitude',
      'weather_station.longitude as station_longitude',
    ])
    .where('series.value_type', '=', 'number');
  // A weather station's readings are city-wide, as the station is; everything else is seen dwelling by dwelling.
  q =
    visibility === 'weather'
      ? q.where('weather_station.id', 'is not', null)
      : q.where(seenWhere(visibility, { gateway: 'gateway.id', dwelling: 'gateway.dwelling_id' }));
  const list = (ids: number[]) => (ids.length > 0 ? ids : [-1]);
  if (by?.sensorIds) q = q.where('sensor.id', 'in', list(by.sensorIds));
  if (by?.gatewayIds) q = q.where('sensor.gateway_id', 'in', list(by.gatewayIds));
  if (by?.dwellingIds) q = q.where('gateway.dwelling_id', 'in', list(by.dwellingIds));
  return q.orderBy('sensor.id').execute();
}

export type SensorRow = Awaited<ReturnType<typeof listSensors>>[number];

export async function listWeatherStations(db: Db, ids?: number[]) {
  let q = db
    .selectFrom('weather_station')
    .select(['id', 'code', 'name', 'latitude', 'longitude', 'gateway_id', 'created_at']);
  if (ids) q = q.where('id', 'in', ids.length > 0 ? ids : [-1]);
  return q.orderBy('id').execute();
}

/** The sensors whose series are these, with whether the caller sees them (for change notifications). */
export async function sensorsOfSeries(db: Db, seriesIds: number[]) {
  if (seriesIds.length === 0) return [];
  return db
    .selectFrom('series')
    .innerJoin('sensor', 'sensor.id', 'series.sensor_id')
    .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
    .leftJoin('weather_station', 'weather_station.gateway_id', 'gateway.id')
    .select([
      'series.id as series_id',
      'sensor.id as sensor_id',
      'gateway.dwelling_id',
      'weather_station.id as station_id',
    ])
    .where('series.id', 'in', seriesIds)
    .execute();
}

/** Sensors by id with the identity ingest names them by, narrowed by what the caller sees. */
export async function sensorIdentities(db: Db, visibility: Visibility, ids: number[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('sensor')
    .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
    .select(['sensor.id', 'gateway.sn', 'sensor.channel', 'sensor.device', 'sensor.medium'])
    .where('sensor.id', 'in', ids)
    .where(seenWhere(visibility, { gateway: 'gateway.id', dwelling: 'gateway.dwelling_id' }))
    .execute();
}
