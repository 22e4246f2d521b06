import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row a scheduled run of a job, claimed by the first replica to insert it: the others see
  // the row and skip that run, so each runs exactly once however many replicas there are.
  await db.schema
    .createTable('job_run')
    .addColumn('job', 'varchar(100)', (c) => c.notNull())
    .addColumn('slot', 'bigint', (c) => c.notNull())
    .addColumn('replica', 'varchar(200)', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('outcome', 'varchar(10)')
    .addPrimaryKeyConstraint('job_run_pk', ['job', 'slot'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_run').execute();
}
