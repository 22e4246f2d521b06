import { type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Database, DistrictTable } from '../../db/schema.ts';

import type { PageRequest } from './registry-query.ts';

type Db = Kysely<Database> | Transaction<Database>;

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

// --- Districts --------------------------------------------------------------------------------

function selectDistricts(db: Db) {
  return db
    .selectFrom('district')
    .select(['id', 'code', 'name', 'city', 'latitude', 'longitude', 'created_at as createdAt']);
}

export type DistrictRow = Awaited<ReturnType<ReturnType<typeof selectDistricts>['executeTakeFirstOrThrow']>>;

export async function listDistricts(db: Db, page: PageRequest): Promise<DistrictRow[]> {
  let q = selectDistricts(db);
  if (page.after !== undefined) q = q.where('id', '>', page.after);
  return q.orderBy('id').limit(page.limit).execute();
}

export async function findDistrict(db: Db, id: number): Promise<DistrictRow | undefined> {
  return selectDistricts(db).where('id', '=', id).executeTakeFirst();
}

export async function findDistrictByCode(db: Db, code: string): Promise<DistrictRow | undefined> {
  return selectDistricts(db).where('code', '=', code).executeTakeFirst();
}

/** Every district, for matching a spreadsheet's District column (cities have a handful). */
export async function listAllDistricts(db: Db, max: number): Promise<DistrictRow[]> {
  return selectDistricts(db).orderBy('id').limit(max).execute();
}

export async function updateDistrict(db: Db, id: number, values: Updateable<DistrictTable>): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('district').set(values).where('id', '=', id).execute();
}

export async function countDistrictChildren(
  db: Db,
  id: number,
): Promise<{ buildings: number; weatherStations: number }> {
  const b = await db
    .selectFrom('building')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('district_id', '=', id)
    .executeTakeFirstOrThrow();
  const w = await db
    .selectFrom('weather_station')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('district_id', '=', id)
    .executeTakeFirstOrThrow();
  return { buildings: Number(b.n), weatherStations: Number(w.n) };
}

export async function deleteDistrict(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('district').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
