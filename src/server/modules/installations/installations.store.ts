import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** A gateway that is looked after: registered to a dwelling, or carrying a weather station. */
export interface MonitoredGateway {
  id: number;
  sn: string;
  dwellingId: number | null;
  buildingId: number | null;
  registeredAt: number;
}

/** A sensor of a monitored gateway, with its series when it has readings. */
export interface MonitoredSensor {
  id: number;
  gatewayId: number;
  channel: string;
  device: string;
  medium: string;
  unit: string;
  label: string;
  seriesId: number | null;
  createdAt: number;
}

/**
 * Registered gateways (those serving a dwelling, and weather-station gateways unless only a
 * building's are asked for), in id order.
 */
export async function listMonitoredGateways(
  db: Db,
  filter: { buildingId?: number; gatewayIds?: readonly number[] } = {},
): Promise<MonitoredGateway[]> {
  let q = db
    .selectFrom('gateway')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .select([
      'gateway.id as id',
      'gateway.sn as sn',
      'gateway.dwelling_id as dwellingId',
      'dwelling.building_id as buildingId',
      'gateway.registered_at as registeredAt',
    ])
    .where('gateway.registered_at', 'is not', null);
  if (filter.buildingId !== undefined) q = q.where('dwelling.building_id', '=', filter.buildingId);
  if (filter.gatewayIds) {
    if (filter.gatewayIds.length === 0) return [];
    q = q.where('gateway.id', 'in', filter.gatewayIds);
  }
  const rows = await q.orderBy('gateway.id').execute();
  return rows.map((r) => ({ ...r, registeredAt: r.registeredAt as number }));
}

/** The sensors of some gateways, in id order. */
export async function listSensorsOfGateways(
  db: Db,
  gatewayIds: readonly number[],
): Promise<MonitoredSensor[]> {
  const out: MonitoredSensor[] = [];
  // In slices, so that no statement carries more parameters than the databases take.
  for (let i = 0; i < gatewayIds.length; i += 5000) {
    const slice = gatewayIds.slice(i, i + 5000);
    out.push(
      ...(await db
        .selectFrom('sensor')
        .leftJoin('series', 'series.sensor_id', 'sensor.id')
        .select([
          'sensor.id as id',
          'sensor.gateway_id as gatewayId',
          'sensor.channel as channel',
          'sensor.device as device',
          'sensor.medium as medium',
          'sensor.unit as unit',
          'sensor.label as label',
          'series.id as seriesId',
          'sensor.created_at as createdAt',
        ])
        .where('sensor.gateway_id', 'in', slice)
        .orderBy('sensor.id')
        .execute()),
    );
  }
  return out;
}

export interface DwellingPlace {
  id: number;
  label: string;
  floor: number | null;
  buildingId: number;
  buildingCode: string;
  address: string;
}

/** Dwellings (of a building, or all), in id order. */
export async function listDwellingPlaces(db: Db, filter: { buildingId?: number }): Promise<DwellingPlace[]> {
  let q = db
    .selectFrom('dwelling')
    .innerJoin('building', 'building.id', 'dwelling.building_id')
    .select([
      'dwelling.id as id',
      'dwelling.label as label',
      'dwelling.floor as floor',
      'building.id as buildingId',
      'building.code as buildingCode',
      'building.address as address',
    ]);
  if (filter.buildingId !== undefined) q = q.where('dwelling.building_id', '=', filter.buildingId);
  return q.orderBy('dwelling.id').execute();
}

export async function findBuildingCode(db: Db, id: number): Promise<string | undefined> {
  const row = await db.selectFrom('building').select('code').where('id', '=', id).executeTakeFirst();
  return row?.code;
}

/** A gateway by serial number, with where it is. */
export async function findGatewayPlace(db: Db, sn: string) {
  return db
    .selectFrom('gateway')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .leftJoin('building', 'building.id', 'dwelling.building_id')
    .leftJoin('weather_station', 'weather_station.gateway_id', 'gateway.id')
    .select([
      'gateway.id as id',
      'gateway.sn as sn',
      'gateway.registered_at as registeredAt',
      'gateway.first_seen_at as firstSeenAt',
      'dwelling.id as dwellingId',
      'dwelling.label as dwellingLabel',
      'building.id as buildingId',
      'building.code as buildingCode',
      'building.address as address',
      'weather_station.code as weatherStation',
    ])
    .where('gateway.sn', '=', sn.toUpperCase())
    .executeTakeFirst();
}

/** Readings stored in the series blocks of each series (those still in the ingest log aside). */
export async function countStoredReadings(
  db: Db,
  seriesIds: readonly number[],
): Promise<Map<number, number>> {
  if (seriesIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('ts_block')
    .select((eb) => ['series_id', eb.fn.sum<number>('n').as('n')])
    .where('series_id', 'in', seriesIds)
    .groupBy('series_id')
    .execute();
  return new Map(rows.map((r) => [Number(r.series_id), Number(r.n)]));
}

/** Start of the first stored block of each series (at or before its first reading), epoch ms; series without blocks are left out. */
export async function firstStoredReadings(
  db: Db,
  seriesIds: readonly number[],
): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let i = 0; i < seriesIds.length; i += 500) {
    const rows = await db
      .selectFrom('ts_block')
      .select((eb) => ['series_id', eb.fn.min('t0').as('t0')])
      .where('series_id', 'in', seriesIds.slice(i, i + 500))
      .groupBy('series_id')
      .execute();
    for (const r of rows) if (r.t0 !== null) out.set(Number(r.series_id), Number(r.t0));
  }
  return out;
}

/** Sensors of a scope with their place, for labelling the heatmap. */
export async function describeSensors(db: Db, sensorIds: readonly number[]) {
  if (sensorIds.length === 0) return [];
  return db
    .selectFrom('sensor')
    .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
    .select([
      'sensor.id as id',
      'gateway.sn as sn',
      'sensor.channel as channel',
      'sensor.device as device',
      'sensor.medium as medium',
      'sensor.unit as unit',
      'sensor.created_at as createdAt',
    ])
    .where('sensor.id', 'in', sensorIds)
    .execute();
}

export async function dwellingLabels(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('dwelling').select(['id', 'label']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, r.label]));
}

/** People who may be assigned incidents: active installers and admins. */
export async function listAssignees(db: Db) {
  return db
    .selectFrom('app_user')
    .innerJoin('user_role', 'user_role.user_id', 'app_user.id')
    .select(['app_user.id as id', 'app_user.name as name', 'app_user.email as email'])
    .where('app_user.active', '=', 1)
    .where('user_role.role', 'in', ['installer', 'admin'])
    .distinct()
    .orderBy('app_user.name')
    .orderBy('app_user.id')
    .limit(1000)
    .execute();
}
