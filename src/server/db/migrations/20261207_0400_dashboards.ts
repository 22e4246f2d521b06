import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

/**
 * The ESCO dashboards: dashboards an organisation builds, each save kept as a version; the
 * anomalies the anomaly job finds per building and week; and each organisation's thresholds.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  // A dashboard of an organisation (null: made by an administrator outside any organisation);
  // `definition` is its JSON (panels, variables), `version` the number of its last save.
  await t
    .withId(db.schema.createTable('dashboard'))
    .addColumn('organisation_id', 'bigint', (c) => c.references('organisation.id').onDelete('cascade'))
    .addColumn('owner_id', 'bigint', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('dashboard_organisation_idx')
    .on('dashboard')
    .column('organisation_id')
    .execute();

  // Every save of a dashboard, as it was saved.
  await db.schema
    .createTable('dashboard_version')
    .addColumn('dashboard_id', 'bigint', (c) => c.notNull().references('dashboard.id').onDelete('cascade'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('saved_by', 'bigint', (c) => c.notNull())
    .addColumn('saved_by_name', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('dashboard_version_pk', ['dashboard_id', 'version'])
    .execute();

  // What needs a look in a building: one row per kind, dwelling (or sensor) and local week.
  await t
    .withId(db.schema.createTable('anomaly'))
    .addColumn('building_id', 'bigint', (c) => c.notNull().references('building.id').onDelete('cascade'))
    .addColumn('dwelling_id', 'bigint')
    .addColumn('sensor_id', 'bigint')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('week', 'bigint', (c) => c.notNull())
    .addColumn('period_from', 'bigint', (c) => c.notNull())
    .addColumn('period_to', 'bigint', (c) => c.notNull())
    .addColumn('figures', 'text', (c) => c.notNull())
    .addColumn('computed_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('anomaly_building_week_idx')
    .on('anomaly')
    .columns(['building_id', 'week'])
    .execute();

  // The dashboards read a building's comfort hours point by point over long ranges: an index that
  // holds what they read spares a lookup of the table for each of those hours.
  await db.schema
    .createIndex('comfort_hour_reading_idx')
    .on('comfort_hour')
    .columns(['point_id', 'hour', 'pmv', 'ppd', 'tdb', 'rh', 'category', 'status'])
    .execute();

  // An organisation's anomaly thresholds (JSON); absent: the defaults.
  await db.schema
    .createTable('anomaly_setting')
    .addColumn('organisation_id', 'bigint', (c) =>
      c.primaryKey().references('organisation.id').onDelete('cascade'),
    )
    .addColumn('thresholds', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('anomaly_setting').execute();
  await db.schema.dropIndex('comfort_hour_reading_idx').execute();
  await db.schema.dropTable('anomaly').execute();
  await db.schema.dropTable('dashboard_version').execute();
  await db.schema.dropTable('dashboard').execute();
}
