import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // An admin's rules for a medium; without a row the documented defaults apply.
  await db.schema
    .createTable('quality_setting')
    .addColumn('medium', 'text', (c) => c.primaryKey())
    .addColumn('min_value', t.double)
    .addColumn('max_value', t.double)
    .addColumn('max_step', t.double)
    .addColumn('stuck_hours', t.double)
    .addColumn('resolution', t.double, (c) => c.notNull())
    .addColumn('never_decreasing', 'integer', (c) => c.notNull())
    .addColumn('reset_below', t.double)
    .addColumn('max_future_s', t.double)
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    // Set when the medium's readings were checked again after the change; null while due.
    .addColumn('rechecked_at', 'bigint')
    .execute();
  // Readings of a series that failed a check, a run of consecutive readings a row; the readings
  // themselves are kept as sent.
  await t
    .withId(db.schema.createTable('quality_flag'))
    .addColumn('series_id', 'bigint', (c) => c.notNull().references('series.id').onDelete('cascade'))
    .addColumn('check', 'text', (c) => c.notNull())
    .addColumn('t_from', 'bigint', (c) => c.notNull())
    .addColumn('t_to', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('value', t.double, (c) => c.notNull())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('quality_flag_series')
    .on('quality_flag')
    .columns(['series_id', 't_from'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('quality_flag').execute();
  await db.schema.dropTable('quality_setting').execute();
}
