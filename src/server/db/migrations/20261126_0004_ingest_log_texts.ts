import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Text readings travel in the log with their batch and reach ts_text when it is compacted.
  await db.schema.alterTable('ingest_log').addColumn('texts', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ingest_log').dropColumn('texts').execute();
}
