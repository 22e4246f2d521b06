import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  // A comfort point: a temperature sensor and the humidity sensor that goes with it. One per
  // temperature sensor; `pairing` says how it was paired (channel, dwelling, manual).
  await t
    .withId(db.schema.createTable('comfort_point'))
    .addColumn('temperature_sensor_id', 'bigint', (c) =>
      c.notNull().unique().references('sensor.id').onDelete('cascade'),
    )
    .addColumn('humidity_sensor_id', 'bigint', (c) => c.notNull().references('sensor.id').onDelete('cascade'))
    .addColumn('pairing', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
    // 1 until the comfort job has computed the point's whole history.
    .addColumn('needs_backfill', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('comfort_point_humidity_idx')
    .on('comfort_point')
    .column('humidity_sensor_id')
    .execute();

  // Hourly comfort of a point, with what it was computed from: the hour's mean temperature and
  // humidity, the assumptions, the standard and the job version.
  await db.schema
    .createTable('comfort_hour')
    .addColumn('point_id', 'bigint', (c) => c.notNull().references('comfort_point.id').onDelete('cascade'))
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('tdb', t.double, (c) => c.notNull())
    .addColumn('tr', t.double, (c) => c.notNull())
    .addColumn('rh', t.double, (c) => c.notNull())
    .addColumn('tdb_count', 'integer', (c) => c.notNull())
    .addColumn('rh_count', 'integer', (c) => c.notNull())
    .addColumn('season', 'text', (c) => c.notNull())
    .addColumn('clo', t.double, (c) => c.notNull())
    .addColumn('met', t.double, (c) => c.notNull())
    .addColumn('v', t.double, (c) => c.notNull())
    .addColumn('wme', t.double, (c) => c.notNull())
    .addColumn('standard', 'text', (c) => c.notNull())
    .addColumn('pmv', t.double)
    .addColumn('ppd', t.double)
    .addColumn('category', 'text')
    .addColumn('status', 'text')
    .addColumn('within_validity', 'integer', (c) => c.notNull())
    .addColumn('job_version', 'integer', (c) => c.notNull())
    .addColumn('computed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('comfort_hour_pk', ['point_id', 'hour'])
    .execute();

  // A building's overrides of the configured comfort assumptions; null keeps the default.
  await db.schema
    .createTable('comfort_setting')
    .addColumn('building_id', 'bigint', (c) => c.primaryKey().references('building.id').onDelete('cascade'))
    .addColumn('winter_clo', t.double)
    .addColumn('summer_clo', t.double)
    .addColumn('met', t.double)
    .addColumn('air_speed', t.double)
    .addColumn('summer_start', 'text')
    .addColumn('summer_end', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('comfort_setting').execute();
  await db.schema.dropTable('comfort_hour').execute();
  await db.schema.dropTable('comfort_point').execute();
}
