import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // One row a compaction, its changed hours packed (series id, first hour, last hour), instead
  // of one row a series: a bulk load touches thousands of series in every compaction.
  await db.schema.dropTable('ts_change').execute();
  await t
    .withId(db.schema.createTable('ts_change'))
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .addColumn('changes', t.blob, (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  await db.schema.dropTable('ts_change').execute();
  await t
    .withId(db.schema.createTable('ts_change'))
    .addColumn('series_id', 'bigint', (c) => c.notNull())
    .addColumn('hour_from', 'bigint', (c) => c.notNull())
    .addColumn('hour_to', 'bigint', (c) => c.notNull())
    .addColumn('changed_at', 'bigint', (c) => c.notNull())
    .execute();
}
