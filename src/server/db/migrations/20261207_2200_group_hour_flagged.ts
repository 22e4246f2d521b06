import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // A group's hour leaves out the member readings that failed a quality check and counts them
  // here. The rows stored so far hold every reading: forgetting the job's cursor has its next
  // run compute every group again from the members' whole history.
  await db.schema
    .alterTable('group_hour')
    .addColumn('flagged', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.deleteFrom('job_cursor').where('name', '=', 'group-rollups').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('group_hour').dropColumn('flagged').execute();
  // The rows without flagged readings would pass for rows holding every reading.
  await db.deleteFrom('job_cursor').where('name', '=', 'group-rollups').execute();
}
