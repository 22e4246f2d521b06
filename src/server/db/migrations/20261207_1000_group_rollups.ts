import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const { double } = columnTypes(db);
  // Per building, district or organisation, medium and hour: the sum and count of the member
  // sensors' hourly means (hourly consumption for cumulative meters), their lowest and highest,
  // and how many distinct dwellings they come from. Sums and counts merge exactly across hours
  // and across buildings, so a district is the sum of its buildings' rows.
  await db.schema
    .createTable('group_hour')
    .addColumn('level', 'varchar(12)', (c) => c.notNull())
    .addColumn('group_id', 'bigint', (c) => c.notNull())
    .addColumn('medium', 'varchar(100)', (c) => c.notNull())
    .addColumn('hour', 'bigint', (c) => c.notNull())
    .addColumn('sum', double, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('min', double, (c) => c.notNull())
    .addColumn('max', double, (c) => c.notNull())
    .addColumn('dwellings', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_hour_pk', ['level', 'group_id', 'medium', 'hour'])
    .execute();
  // The gateway assignments (with the building of their dwelling) the building rows were last
  // computed with: a difference from the registry names the spans to compute again.
  await db.schema
    .createTable('group_rollup_span')
    .addColumn('gateway_id', 'bigint', (c) => c.notNull())
    .addColumn('dwelling_id', 'bigint', (c) => c.notNull())
    .addColumn('building_id', 'bigint', (c) => c.notNull())
    .addColumn('valid_from', 'bigint', (c) => c.notNull())
    .addColumn('valid_to', 'bigint')
    .execute();
  // The districts and organisations each building counted for when their rows were last computed.
  await db.schema
    .createTable('group_rollup_link')
    .addColumn('building_id', 'bigint', (c) => c.notNull())
    .addColumn('level', 'varchar(12)', (c) => c.notNull())
    .addColumn('group_id', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('group_rollup_link_pk', ['building_id', 'level', 'group_id'])
    .execute();
  // The sensors that served each group of one medium, and when: a sensor that served it over one
  // stretch of time counts in a row shared by every sensor with the same stretch (`sensor_id`
  // null); one that served it over several stretches has a row for each, with its id.
  await db.schema
    .createTable('group_member')
    .addColumn('level', 'varchar(12)', (c) => c.notNull())
    .addColumn('group_id', 'bigint', (c) => c.notNull())
    .addColumn('medium', 'varchar(100)', (c) => c.notNull())
    .addColumn('valid_from', 'bigint', (c) => c.notNull())
    .addColumn('valid_to', 'bigint')
    .addColumn('sensor_id', 'bigint')
    .addColumn('sensors', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('group_member_group_idx')
    .on('group_member')
    .columns(['level', 'group_id', 'medium'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('group_member').execute();
  await db.schema.dropTable('group_rollup_link').execute();
  await db.schema.dropTable('group_rollup_span').execute();
  await db.schema.dropTable('group_hour').execute();
}
