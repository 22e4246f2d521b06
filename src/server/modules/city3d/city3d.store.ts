import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { CityBuildingTable, Database } from '../../db/schema.ts';

export type CityBuildingRow = Selectable<CityBuildingTable>;
export type NewCityBuilding = Insertable<CityBuildingTable>;

/** Rows a statement carries: 22 columns × 400 stays under SQLite's 32,766 parameters. */
const BATCH = 400;

/** References among `references` that are stored. */
export async function knownReferences(
  db: Kysely<Database>,
  references: readonly string[],
): Promise<Set<string>> {
  const known = new Set<string>();
  for (let i = 0; i < references.length; i += 2000) {
    const rows = await db
      .selectFrom('city_building')
      .select('reference')
      .where('reference', 'in', references.slice(i, i + 2000))
      .execute();
    for (const r of rows) known.add(r.reference);
  }
  return known;
}

/**
 * Stores buildings, replacing those whose reference is known. What is not the cadastre's is
 * kept: imported attributes, and a link set by hand.
 */
export async function upsertBuildings(db: Kysely<Database>, rows: readonly NewCityBuilding[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += BATCH) {
      await trx
        .insertInto('city_building')
        .values(rows.slice(i, i + BATCH))
        .onConflict((oc) =>
          oc.column('reference').doUpdateSet({
            source: sql`excluded.source`,
            footprint: sql`excluded.footprint`,
            west: sql`excluded.west`,
            south: sql`excluded.south`,
            east: sql`excluded.east`,
            north: sql`excluded.north`,
            centroid_lon: sql`excluded.centroid_lon`,
            centroid_lat: sql`excluded.centroid_lat`,
            height_m: sql`excluded.height_m`,
            height_source: sql`excluded.height_source`,
            floors: sql`excluded.floors`,
            current_use: sql`excluded.current_use`,
            dwellings: sql`excluded.dwellings`,
            year_built: sql`excluded.year_built`,
            official_area_m2: sql`excluded.official_area_m2`,
            condition: sql`excluded.condition`,
            address: sql`coalesce(excluded.address, city_building.address)`,
            registry_building_id: sql`case when city_building.link_source = 'manual' then city_building.registry_building_id else excluded.registry_building_id end`,
            link_source: sql`case when city_building.link_source = 'manual' then city_building.link_source else excluded.link_source end`,
            updated_at: sql`excluded.updated_at`,
          }),
        )
        .execute();
    }
  });
}

export async function findBuilding(
  db: Kysely<Database>,
  reference: string,
): Promise<CityBuildingRow | undefined> {
  return db.selectFrom('city_building').selectAll().where('reference', '=', reference).executeTakeFirst();
}

/** Every building, in id order, for the tiles. */
export async function allBuildings(db: Kysely<Database>): Promise<CityBuildingRow[]> {
  return db.selectFrom('city_building').selectAll().orderBy('id').execute();
}

/** A stamp that changes whenever buildings are imported, replaced or given attributes. */
export async function stamp(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom('city_building')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('updated_at').as('at')])
    .executeTakeFirstOrThrow();
  return `${Number(row.n)}:${Number(row.at ?? 0)}`;
}

export async function countBuildings(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('city_building')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Buildings whose reference or address contains `text` (case-insensitive), up to `limit`. */
export async function searchBuildings(
  db: Kysely<Database>,
  text: string,
  limit: number,
): Promise<Pick<CityBuildingRow, 'reference' | 'address' | 'centroid_lon' | 'centroid_lat'>[]> {
  const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .selectFrom('city_building')
    .select(['reference', 'address', 'centroid_lon', 'centroid_lat'])
    .where((eb) =>
      eb.or([
        eb(sql`lower(reference)`, 'like', sql`${like} escape '\\'`),
        eb(sql`lower(coalesce(address, ''))`, 'like', sql`${like} escape '\\'`),
      ]),
    )
    .orderBy('reference')
    .limit(limit)
    .execute();
}

/** Sets imported attributes of buildings by reference (merged into those they have). */
export async function setAttributes(
  db: Kysely<Database>,
  updates: readonly { reference: string; attributes: Record<string, number | string | null> }[],
  now: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const u of updates) {
      const row = await trx
        .selectFrom('city_building')
        .select('attributes')
        .where('reference', '=', u.reference)
        .executeTakeFirst();
      if (!row) continue;
      const merged: Record<string, unknown> = { ...(JSON.parse(row.attributes) as Record<string, unknown>) };
      for (const [k, v] of Object.entries(u.attributes)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      await trx
        .updateTable('city_building')
        .set({ attributes: JSON.stringify(merged), updated_at: now })
        .where('reference', '=', u.reference)
        .execute();
    }
  });
}

export async function setLink(
  db: Kysely<Database>,
  reference: string,
  registryBuildingId: number | null,
  now: number,
): Promise<void> {
  await db
    .updateTable('city_building')
    .set({ registry_building_id: registryBuildingId, link_source: 'manual', updated_at: now })
    .where('reference', '=', reference)
    .execute();
}

/** Sets the links found by point of buildings not linked by hand. */
export async function setPointLinks(
  db: Kysely<Database>,
  links: readonly { id: number; registryBuildingId: number | null }[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const l of links)
      await trx
        .updateTable('city_building')
        .set({
          registry_building_id: l.registryBuildingId,
          link_source: l.registryBuildingId === null ? null : 'point',
        })
        .where('id', '=', l.id)
        .where((eb) => eb.or([eb('link_source', 'is', null), eb('link_source', '!=', 'manual')]))
        .execute();
  });
}

/** The registry's buildings, as points. */
export async function registryPoints(
  db: Kysely<Database>,
): Promise<{ id: number; code: string; latitude: number; longitude: number }[]> {
  return db.selectFrom('building').select(['id', 'code', 'latitude', 'longitude']).execute();
}

export async function registryCode(db: Kysely<Database>, id: number): Promise<string | undefined> {
  return (await db.selectFrom('building').select('code').where('id', '=', id).executeTakeFirst())?.code;
}

export async function registryIdOf(db: Kysely<Database>, code: string): Promise<number | undefined> {
  return (await db.selectFrom('building').select('id').where('code', '=', code).executeTakeFirst())?.id;
}

/** City buildings linked to a registry building, with its code. */
export async function linkedBuildings(
  db: Kysely<Database>,
): Promise<{ id: number; reference: string; code: string }[]> {
  return db
    .selectFrom('city_building as c')
    .innerJoin('building as b', 'b.id', 'c.registry_building_id')
    .select(['c.id', 'c.reference', 'b.code'])
    .orderBy('c.id')
    .execute();
}

/** A stamp of the registry's buildings (count and last change): the links by point follow it. */
export async function registryStamp(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom('building')
    .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('updated_at').as('at')])
    .executeTakeFirstOrThrow();
  return `${Number(row.n)}:${Number(row.at ?? 0)}`;
}
