import type { Kysely } from 'kysely';

/**
 * For the registry API: indexes behind its list filters, and gateways that carry a weather
 * station count as registered (their registration date is when they were created).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('sensor_medium_idx').on('sensor').column('medium').execute();
  await db.schema
    .createIndex('weather_station_district_idx')
    .on('weather_station')
    .column('district_id')
    .execute();
  await db
    .updateTable('gateway')
    .set((eb: any) => ({ registered_at: eb.ref('created_at') }))
    .where('registered_at', 'is', null)
    .where('id', 'in', (eb: any) =>
      eb.selectFrom('weather_station').select('gateway_id').where('gateway_id', 'is not', null),
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('weather_station_district_idx').execute();
  await db.schema.dropIndex('sensor_medium_idx').execute();
}
