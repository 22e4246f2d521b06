import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

/**
 * The daily comfort rollup: per comfort point and local day (cut at midnight in the city's time
 * zone), the sums and counts of its hours with a PMV, so that day intervals and long building
 * ranges read a row a day instead of 24. `comfort_point.day_zone` is the zone a point's days were
 * cut in; null until the comfort job has built them (it does so for every existing point on its
 * next run, and again when the configured zone changes), and readers take the hours until then.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('comfort_day')
    .addColumn('point_id', 'bigint', (c) => c.notNull().references('comfort_point.id').onDelete('cascade'))
    // Local midnight that starts the day, epoch ms.
    .addColumn('day', 'bigint', (c) => c.notNull())
    .addColumn('hours', 'integer', (c) => c.notNull())
    .addColumn('pmv_sum', t.double, (c) => c.notNull())
    .addColumn('ppd_sum', t.double, (c) => c.notNull())
    .addColumn('tdb_sum', t.double, (c) => c.notNull())
    .addColumn('rh_sum', t.double, (c) => c.notNull())
    .addColumn('cat_i', 'integer', (c) => c.notNull())
    .addColumn('cat_ii', 'integer', (c) => c.notNull())
    .addColumn('cat_iii', 'integer', (c) => c.notNull())
    .addColumn('green', 'integer', (c) => c.notNull())
    .addColumn('yellow', 'integer', (c) => c.notNull())
    .addColumn('red', 'integer', (c) => c.notNull())
    // The day's hours with a PMV, packed: per hour five float64 (little-endian) — its start (epoch
    // ms), PMV, PPD, air temperature, humidity — so that an hour-by-hour heat strip reads a row a
    // day too.
    .addColumn('hourly', t.blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('comfort_day_pk', ['point_id', 'day'])
    .execute();
  // The sums alone, for the day intervals and long building ranges: read from the index, the
  // packed hours are not touched.
  await db.schema
    .createIndex('comfort_day_sums_idx')
    .on('comfort_day')
    .columns([
      'point_id',
      'day',
      'hours',
      'pmv_sum',
      'ppd_sum',
      'tdb_sum',
      'rh_sum',
      'cat_i',
      'cat_ii',
      'cat_iii',
      'green',
      'yellow',
      'red',
    ])
    .execute();
  await db.schema.alterTable('comfort_point').addColumn('day_zone', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('comfort_point').dropColumn('day_zone').execute();
  await db.schema.dropIndex('comfort_day_sums_idx').execute();
  await db.schema.dropTable('comfort_day').execute();
}
