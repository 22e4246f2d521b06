import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

/**
 * The 3D city: every building of the cadastre, apart from the registry's monitored buildings
 * (a city has tens of thousands, CIOP monitors a few), with its footprint, height and where the
 * height came from, and the registry building it is, found by a point or set by hand.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  await t
    .withId(db.schema.createTable('city_building'))
    .addColumn('reference', 'text', (c) => c.notNull().unique())
    .addColumn('source', 'text', (c) => c.notNull())
    // GeoJSON Polygon or MultiPolygon, WGS84 longitude and latitude.
    .addColumn('footprint', 'text', (c) => c.notNull())
    .addColumn('west', t.double, (c) => c.notNull())
    .addColumn('south', t.double, (c) => c.notNull())
    .addColumn('east', t.double, (c) => c.notNull())
    .addColumn('north', t.double, (c) => c.notNull())
    .addColumn('centroid_lon', t.double, (c) => c.notNull())
    .addColumn('centroid_lat', t.double, (c) => c.notNull())
    .addColumn('height_m', t.double)
    .addColumn('height_source', 'text', (c) => c.notNull())
    .addColumn('floors', 'integer')
    .addColumn('current_use', 'text')
    .addColumn('dwellings', 'integer')
    .addColumn('year_built', 'integer')
    .addColumn('official_area_m2', t.double)
    .addColumn('condition', 'text')
    .addColumn('address', 'text')
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('registry_building_id', 'bigint', (c) => c.references('building.id').onDelete('set null'))
    .addColumn('link_source', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('city_building_registry_idx')
    .on('city_building')
    .column('registry_building_id')
    .execute();
  await db.schema.createIndex('city_building_address_idx').on('city_building').column('address').execute();
}
