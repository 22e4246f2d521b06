import { type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { seenWhere, type Visibility } from '../../access/visibility.ts';

import type { PageRequest } from './registry-query.ts';

type Db = Kysely<Database> | Transaction<Database>;

// --- Sensors ----------------------------------------------------------------------------------

function selectSensors(db: Db) {
  return db
    .selectFrom('sensor')
    .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .leftJoin('series', 'series.sensor_id', 'sensor.id')
    .select([
      'sensor.id',
      'sensor.gateway_id as gatewayId',
      'gateway.sn',
      'sensor.channel',
      'sensor.device',
      'sensor.medium',
      'sensor.unit',
      'sensor.label',
      'gateway.dwelling_id as dwellingId',
      'dwelling.building_id as buildingId',
      'series.id as seriesId',
      'sensor.created_at as createdAt',
    ]);
}

const sensorSeen = (visibility: Visibility) =>
  seenWhere(visibility, {
    gateway: 'sensor.gateway_id',
    dwelling: 'gateway.dwelling_id',
    building: 'dwelling.building_id',
  });

export type SensorRow = Awaited<ReturnType<ReturnType<typeof selectSensors>['executeTakeFirstOrThrow']>>;

export interface SensorFilter {
  gatewayId?: number;
  medium?: string;
  dwellingId?: number;
  buildingId?: number;
}

export async function listSensors(
  db: Db,
  filter: SensorFilter,
  visibility: Visibility,
  page: PageRequest,
): Promise<SensorRow[]> {
  let q = selectSensors(db);
  q = q.where(sensorSeen(visibility));
  if (filter.gatewayId !== undefined) q = q.where('sensor.gateway_id', '=', filter.gatewayId);
  if (filter.medium !== undefined) q = q.where('sensor.medium', '=', filter.medium);
  if (filter.dwellingId !== undefined) q = q.where('gateway.dwelling_id', '=', filter.dwellingId);
  if (filter.buildingId !== undefined) q = q.where('dwelling.building_id', '=', filter.buildingId);
  if (page.after !== undefined) q = q.where('sensor.id', '>', page.after);
  return q.orderBy('sensor.id').limit(page.limit).execute();
}

export async function findSensor(
  db: Db,
  id: number,
  visibility: Visibility = 'all',
): Promise<SensorRow | undefined> {
  let q = selectSensors(db).where('sensor.id', '=', id);
  q = q.where(sensorSeen(visibility));
  return q.executeTakeFirst();
}

export async function findSensorByIdentity(
  db: Db,
  gatewayId: number,
  identity: { channel: string; device: string; medium: string },
): Promise<SensorRow | undefined> {
  return selectSensors(db)
    .where('sensor.gateway_id', '=', gatewayId)
    .where('sensor.channel', '=', identity.channel)
    .where('sensor.device', '=', identity.device)
    .where('sensor.medium', '=', identity.medium)
    .executeTakeFirst();
}

export async function insertSensor(
  db: Db,
  s: { gatewayId: number; channel: string; device: string; medium: string; unit: string; label: string },
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('sensor')
    .values({
      gateway_id: s.gatewayId,
      channel: s.channel,
      device: s.device,
      medium: s.medium,
      unit: s.unit,
      label: s.label,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateSensor(
  db: Db,
  id: number,
  values: { unit?: string; label?: string },
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('sensor').set(values).where('id', '=', id).execute();
}

export async function deleteSensor(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('sensor').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
