import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

/**
 * Heat demand planning: the planning table of the district heating network's buildings (each
 * linked to a registry building or not), the planner's own columns, and the fitting runs with
 * their results (clusters, models, accuracy) kept whole as the run wrote them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await t
    .withId(db.schema.createTable('forecast_building'))
    .addColumn('building_id', 'bigint', (c) => c.unique().references('building.id').onDelete('set null'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('address', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('latitude', t.double)
    .addColumn('longitude', t.double)
    .addColumn('district_heating', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('floors', t.double)
    .addColumn('heated_area_m2', t.double)
    .addColumn('carrier', 'text')
    .addColumn('orientation', 'text')
    .addColumn('adjacent_blocks', 'integer')
    .addColumn('shadowed_facades', 'integer')
    .addColumn('retrofit', 'text')
    .addColumn('window_share', t.double)
    .addColumn('new_window_share', t.double)
    .addColumn('double_glazing_share', t.double)
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('forecast_column')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await t
    .withId(db.schema.createTable('forecast_run'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('progress', t.double, (c) => c.notNull().defaultTo(0))
    .addColumn('stage', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('started_by', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('results', 'text')
    .execute();
  await db.schema
    .createIndex('forecast_run_status_idx')
    .on('forecast_run')
    .columns(['status', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('forecast_run').execute();
  await db.schema.dropTable('forecast_column').execute();
  await db.schema.dropTable('forecast_building').execute();
}
