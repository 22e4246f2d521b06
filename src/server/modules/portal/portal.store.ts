import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

type Db = Kysely<Database>;

export async function listDistricts(db: Db) {
  return db.selectFrom('district').select(['id', 'code', 'name', 'city']).orderBy('id').execute();
}

/** Every building with the carriers that heat it and the area each serves. */
export async function listBuildings(db: Db) {
  return db
    .selectFrom('building')
    .select(['id', 'code', 'address', 'carrier1', 'area1_m2', 'carrier2', 'area2_m2'])
    .orderBy('id')
    .execute();
}

export async function listDwellings(db: Db) {
  return db.selectFrom('dwelling').select(['id', 'building_id', 'area_m2']).execute();
}
