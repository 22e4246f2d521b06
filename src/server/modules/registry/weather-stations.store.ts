import { type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Database, WeatherStationTable } from '../../db/schema.ts';

import { markGatewayRegistered } from './gateways.store.ts';
import type { PageRequest } from './registry-query.ts';

type Db = Kysely<Database> | Transaction<Database>;

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
  if (s.gateway_id !== null) await markGatewayRegistered(db, s.gateway_id, now);
  return row.id;
}

/** `text` made safe inside a LIKE pattern whose escape character is a backslash. */
// --- Weather stations -------------------------------------------------------------------------

function selectWeatherStations(db: Db) {
  return db
    .selectFrom('weather_station')
    .select([
      'id',
      'district_id as districtId',
      'code',
      'name',
      'latitude',
      'longitude',
      'gateway_id as gatewayId',
      'created_at as createdAt',
    ]);
}

export type WeatherStationRow = Awaited<
  ReturnType<ReturnType<typeof selectWeatherStations>['executeTakeFirstOrThrow']>
>;

export async function listWeatherStations(
  db: Db,
  filter: { districtId?: number },
  page: PageRequest,
): Promise<WeatherStationRow[]> {
  let q = selectWeatherStations(db);
  if (filter.districtId !== undefined) q = q.where('district_id', '=', filter.districtId);
  if (page.after !== undefined) q = q.where('id', '>', page.after);
  return q.orderBy('id').limit(page.limit).execute();
}

export async function findWeatherStation(db: Db, id: number): Promise<WeatherStationRow | undefined> {
  return selectWeatherStations(db).where('id', '=', id).executeTakeFirst();
}

export async function findWeatherStationByCode(db: Db, code: string): Promise<WeatherStationRow | undefined> {
  return selectWeatherStations(db).where('code', '=', code).executeTakeFirst();
}

export async function updateWeatherStation(
  db: Db,
  id: number,
  values: Updateable<WeatherStationTable>,
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('weather_station').set(values).where('id', '=', id).execute();
}

export async function deleteWeatherStation(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('weather_station').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
