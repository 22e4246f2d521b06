import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // Which hours of which series a compaction changed, in order, so that derived data (comfort,
  // KPIs) is recomputed for exactly those hours, late data included.
  await t
    .withId(db.schema.createTable('ts_change'))
    .addColumn('series_id', 'bigint', (c) => c.notNull())
    .addColumn('hour_from', 'bigint', (c) => c.notNull())
    .addColumn('hour_to', 'bigint', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .execute();

  // How far each consumer of ts_change has read.
  await db.schema
    .createTable('job_cursor')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('position', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_cursor').execute();
  await db.schema.dropTable('ts_change').execute();
}
