import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // The power the dwelling's supply contract allows, W; null when not known. The quality checks
  // of its power readings take it as their upper bound.
  await db.schema.alterTable('dwelling').addColumn('contracted_power_w', 'integer').execute();
  // The upper bounds a power series' readings were last checked with, as JSON
  // `[[valid from, valid to or null, bound W], …]`; a series whose bounds now differ is checked again.
  await db.schema
    .createTable('quality_series_bound')
    .addColumn('series_id', 'bigint', (c) => c.primaryKey().references('series.id').onDelete('cascade'))
    .addColumn('bounds', 'text', (c) => c.notNull())
    .addColumn('checked_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('quality_series_bound').execute();
  await db.schema.alterTable('dwelling').dropColumn('contracted_power_w').execute();
}
