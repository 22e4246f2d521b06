import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('medium')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('cumulative', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .execute();

  await db
    .insertInto('medium')
    .values([
      { name: 'temperature', unit: '°C', cumulative: 0, description: 'Air temperature' },
      { name: 'humidity', unit: '%RH', cumulative: 0, description: 'Relative humidity' },
      { name: 'co2', unit: 'ppm', cumulative: 0, description: 'CO2 concentration' },
      { name: 'power', unit: 'W', cumulative: 0, description: 'Active power' },
      { name: 'energy', unit: 'kWh', cumulative: 1, description: 'Energy meter counting since installation' },
    ])
    .execute();

  await db.schema
    .createTable('feature_definition')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('unit', 'text')
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .execute();

  await db
    .insertInto('feature_definition')
    .values([
      {
        key: 'orientation',
        type: 'text',
        unit: null,
        description: 'Main façade orientation (N, NE, E, SE, S, SW, W, NW)',
      },
      { key: 'adjacent_blocks', type: 'number', unit: null, description: 'Number of adjacent blocks' },
      {
        key: 'shadowed_facades',
        type: 'number',
        unit: null,
        description: 'Number of façades shadowed by neighbours',
      },
      { key: 'retrofit_status', type: 'text', unit: null, description: 'none, planned, in_progress or done' },
      { key: 'retrofit_date', type: 'date', unit: null, description: 'Date the retrofit was finished' },
      { key: 'window_share', type: 'number', unit: '%', description: 'Share of the façade that is window' },
      { key: 'year_built', type: 'number', unit: null, description: 'Year of construction' },
    ])
    .execute();

  await t
    .withId(db.schema.createTable('district'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('city', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('latitude', t.double)
    .addColumn('longitude', t.double)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await t
    .withId(db.schema.createTable('building'))
    .addColumn('district_id', 'bigint', (c) => c.notNull().references('district.id').onDelete('restrict'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('latitude', t.double, (c) => c.notNull())
    .addColumn('longitude', t.double, (c) => c.notNull())
    .addColumn('carrier1', 'text')
    .addColumn('area1_m2', t.double)
    .addColumn('carrier2', 'text')
    .addColumn('area2_m2', t.double)
    .addColumn('floors', 'integer')
    .addColumn('features', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('building_district_idx').on('building').column('district_id').execute();

  await t
    .withId(db.schema.createTable('dwelling'))
    .addColumn('building_id', 'bigint', (c) => c.notNull().references('building.id').onDelete('restrict'))
    .addColumn('label', 'text', (c) => c.notNull())
    .addColumn('floor', 'integer')
    .addColumn('area_m2', t.double)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('dwelling_building_label_uq', ['building_id', 'label'])
    .execute();

  await t
    .withId(db.schema.createTable('gateway'))
    .addColumn('sn', 'text', (c) => c.notNull().unique())
    .addColumn('dwelling_id', 'bigint', (c) => c.references('dwelling.id').onDelete('set null'))
    .addColumn('registered_at', 'bigint')
    .addColumn('first_seen_at', 'bigint')
    .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('gateway_dwelling_idx').on('gateway').column('dwelling_id').execute();

  // Which dwelling a gateway served when: readings belong to the dwelling of their time.
  await t
    .withId(db.schema.createTable('gateway_assignment'))
    .addColumn('gateway_id', 'bigint', (c) => c.notNull().references('gateway.id').onDelete('cascade'))
    .addColumn('dwelling_id', 'bigint', (c) => c.notNull().references('dwelling.id').onDelete('cascade'))
    .addColumn('valid_from', 'bigint', (c) => c.notNull())
    .addColumn('valid_to', 'bigint')
    .execute();
  await db.schema
    .createIndex('gateway_assignment_gateway_idx')
    .on('gateway_assignment')
    .columns(['gateway_id', 'valid_from'])
    .execute();
  await db.schema
    .createIndex('gateway_assignment_dwelling_idx')
    .on('gateway_assignment')
    .column('dwelling_id')
    .execute();

  await t
    .withId(db.schema.createTable('sensor'))
    .addColumn('gateway_id', 'bigint', (c) => c.notNull().references('gateway.id').onDelete('cascade'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('device', 'text', (c) => c.notNull())
    .addColumn('medium', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('label', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('sensor_identity_uq', ['gateway_id', 'channel', 'device', 'medium'])
    .execute();

  await t
    .withId(db.schema.createTable('weather_station'))
    .addColumn('district_id', 'bigint', (c) => c.notNull().references('district.id').onDelete('cascade'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('latitude', t.double)
    .addColumn('longitude', t.double)
    .addColumn('gateway_id', 'bigint', (c) => c.unique().references('gateway.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('instance_setting')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'instance_setting',
    'weather_station',
    'sensor',
    'gateway_assignment',
    'gateway',
    'dwelling',
    'building',
    'district',
    'feature_definition',
    'medium',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
