import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Quality incidents share the incident table: kind `quality`, the check that failed here, and
  // `device_key` `quality:<check>:sensor:<id>`, so that one per sensor and check is open.
  await db.schema.alterTable('incident').addColumn('quality_check', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('incident').dropColumn('quality_check').execute();
}
