import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  // A series is one measurement + tag set + field key, as InfluxDB names it; the forwarder's
  // own shape maps to a sensor.
  await t
    .withId(db.schema.createTable('series'))
    .addColumn('key', 'text', (c) => c.notNull().unique())
    .addColumn('measurement', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('value_type', 'text', (c) => c.notNull())
    .addColumn('cumulative', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sensor_id', 'bigint', (c) => c.unique().references('sensor.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  // Compressed blocks of one series' readings over whole hours, with their hourly rollups.
  await db.schema
    .createTable('ts_block')
    .addColumn('series_id', 'bigint', (c) => c.notNull())
    .addColumn('t0', 'bigint', (c) => c.notNull())
    .addColumn('t1', 'bigint', (c) => c.notNull())
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('last_v', t.double)
    .addColumn('data', t.blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('ts_block_pk', ['series_id', 't0'])
    .execute();

  await db.schema
    .createTable('ts_text')
    .addColumn('series_id', 'bigint', (c) => c.notNull())
    .addColumn('t', 'bigint', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('ts_text_pk', ['series_id', 't'])
    .execute();

  // Drops of cumulative meters (resets, replacements), for technicians to see.
  await db.schema
    .createTable('ts_counter_event')
    .addColumn('series_id', 'bigint', (c) => c.notNull())
    .addColumn('t', 'bigint', (c) => c.notNull())
    .addColumn('previous_t', 'bigint', (c) => c.notNull())
    .addColumn('previous_value', t.double, (c) => c.notNull())
    .addColumn('value', t.double, (c) => c.notNull())
    .addPrimaryKeyConstraint('ts_counter_event_pk', ['series_id', 't'])
    .execute();

  // Durable, append-only log of acknowledged batches, compacted into ts_block in the background.
  await t
    .withId(db.schema.createTable('ingest_log'))
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('payload', t.blob, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['ingest_log', 'ts_counter_event', 'ts_text', 'ts_block', 'series']) {
    await db.schema.dropTable(table).execute();
  }
}
