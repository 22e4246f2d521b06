import { type Kysely, sql, type SqlBool, type Transaction, type Updateable } from 'kysely';
import type { BuildingTable, Database } from '../../db/schema.ts';
import { seenWhere, type Visibility } from '../../access/visibility.ts';

import { likeEscaped, type PageRequest } from './registry-query.ts';

type Db = Kysely<Database> | Transaction<Database>;

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

// --- Buildings --------------------------------------------------------------------------------

function selectBuildings(db: Db) {
  return db
    .selectFrom('building')
    .select([
      'building.id',
      'building.district_id as districtId',
      'building.code',
      'building.address',
      'building.latitude',
      'building.longitude',
      'building.carrier1',
      'building.area1_m2 as area1M2',
      'building.carrier2',
      'building.area2_m2 as area2M2',
      'building.floors',
      'building.features',
      'building.created_at as createdAt',
      'building.updated_at as updatedAt',
    ]);
}

export type BuildingRow = Awaited<ReturnType<ReturnType<typeof selectBuildings>['executeTakeFirstOrThrow']>>;

export interface BuildingFilter {
  districtId?: number;
  codePrefix?: string;
  carrier?: string;
  /** Text anywhere in the address, case-insensitive. */
  addressText?: string;
}

export async function listBuildings(
  db: Db,
  filter: BuildingFilter,
  visibility: Visibility,
  page: PageRequest,
): Promise<BuildingRow[]> {
  let q = selectBuildings(db);
  q = q.where(seenWhere(visibility, { building: 'building.id' }));
  if (filter.districtId !== undefined) q = q.where('building.district_id', '=', filter.districtId);
  if (filter.codePrefix !== undefined) {
    // substr, not LIKE: the same case-sensitive meaning on SQLite and PostgreSQL.
    const prefix = filter.codePrefix;
    q = q.where(sql<SqlBool>`substr(building.code, 1, ${prefix.length}) = ${prefix}`);
  }
  if (filter.carrier !== undefined) {
    const carrier = filter.carrier;
    q = q.where((eb) =>
      eb.or([eb('building.carrier1', '=', carrier), eb('building.carrier2', '=', carrier)]),
    );
  }
  if (filter.addressText !== undefined) {
    const pattern = `%${likeEscaped(filter.addressText.toLowerCase())}%`;
    q = q.where(sql<SqlBool>`lower(building.address) like ${pattern} escape '\\'`);
  }
  if (page.after !== undefined) q = q.where('building.id', '>', page.after);
  return q.orderBy('building.id').limit(page.limit).execute();
}

export async function findBuilding(
  db: Db,
  id: number,
  visibility: Visibility = 'all',
): Promise<BuildingRow | undefined> {
  let q = selectBuildings(db).where('building.id', '=', id);
  q = q.where(seenWhere(visibility, { building: 'building.id' }));
  return q.executeTakeFirst();
}

export async function findBuildingByCode(db: Db, code: string): Promise<BuildingRow | undefined> {
  return selectBuildings(db).where('building.code', '=', code).executeTakeFirst();
}

export async function findBuildingsByCodes(db: Db, codes: readonly string[]): Promise<BuildingRow[]> {
  const out: BuildingRow[] = [];
  for (let i = 0; i < codes.length; i += 500)
    out.push(
      ...(await selectBuildings(db)
        .where('building.code', 'in', codes.slice(i, i + 500))
        .execute()),
    );
  return out;
}

export async function updateBuilding(db: Db, id: number, values: Updateable<BuildingTable>): Promise<void> {
  await db.updateTable('building').set(values).where('id', '=', id).execute();
}

export async function countDwellingsOfBuilding(db: Db, buildingId: number): Promise<number> {
  const r = await db
    .selectFrom('dwelling')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('building_id', '=', buildingId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function deleteBuilding(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('building').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Buildings whose features name `key`: how many, and the code of one. */
export async function buildingsWithFeature(
  db: Db,
  key: string,
): Promise<{ count: number; example?: string }> {
  // Features are JSON text written by JSON.stringify: a key appears as `"key":` right after
  // `{` or `,`, which inside a JSON string value can only appear escaped (`\"`).
  const k = likeEscaped(key);
  const first = `{"${k}":%`;
  const later = `%,"${k}":%`;
  const where = sql<SqlBool>`(building.features like ${first} escape '\\' or building.features like ${later} escape '\\')`;
  const r = await db
    .selectFrom('building')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('building.code').as('example')])
    .where(where)
    .executeTakeFirstOrThrow();
  return { count: Number(r.n), ...(r.example ? { example: r.example } : {}) };
}
