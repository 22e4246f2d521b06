import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // Readings whose newest time stays this far behind their arrival come from a clock running
  // behind; null turns the check off. Two hours by default, as the documented defaults say.
  await db.schema
    .alterTable('quality_setting')
    .addColumn('max_past_s', t.double, (c) => c.defaultTo(7200))
    .execute();
  // Series whose readings have arrived far behind their time, run after run: once it has lasted
  // long enough their readings are flagged `behind`; the row goes when they catch up.
  await db.schema
    .createTable('quality_lag')
    .addColumn('series_id', 'bigint', (c) => c.primaryKey().references('series.id').onDelete('cascade'))
    // When the first run that found it behind checked it, and the last one.
    .addColumn('since', 'bigint', (c) => c.notNull())
    .addColumn('last_at', 'bigint', (c) => c.notNull())
    .addColumn('runs', 'integer', (c) => c.notNull())
    // The earliest reading time those runs reported: flagged from there once confirmed.
    .addColumn('t_from', 'bigint', (c) => c.notNull())
    .addColumn('confirmed', 'integer', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('quality_lag').execute();
  await db.schema.alterTable('quality_setting').dropColumn('max_past_s').execute();
}
