import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

/**
 * The KPI store: definitions (the catalogue), measures with their provenance, conversion
 * factors, the thermal energy records the energy calculator reads, and the platform's uptime
 * slots for its availability KPI.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await t
    .withId(db.schema.createTable('kpi_definition'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('pillar', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('lower_is_better', 'integer', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('calculator', 'text')
    .addColumn('formula', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('aggregation', 'text', (c) => c.notNull())
    .addColumn('breakdown', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('name_es', 'text', (c) => c.notNull())
    .addColumn('name_eu', 'text', (c) => c.notNull())
    .addColumn('description_en', 'text', (c) => c.notNull())
    .addColumn('description_es', 'text', (c) => c.notNull())
    .addColumn('description_eu', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // One value of one KPI for one resource (a building code, a plate, `platform`…), one part of
  // it (`breakdown`, e.g. a carrier; '' for the whole) and one period [start, end).
  await t
    .withId(db.schema.createTable('kpi_measure'))
    .addColumn('kpi_id', 'bigint', (c) => c.notNull().references('kpi_definition.id'))
    .addColumn('resource', 'text', (c) => c.notNull())
    .addColumn('breakdown', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('period_start', 'bigint', (c) => c.notNull())
    .addColumn('period_end', 'bigint', (c) => c.notNull())
    .addColumn('granularity', 'text', (c) => c.notNull())
    .addColumn('value', t.double, (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('calculator', 'text')
    .addColumn('inputs_version', 'text')
    .addColumn('source_file', 'text')
    .addColumn('source_by', 'text')
    .addColumn('inputs', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('computed_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('kpi_measure_key_uq', [
      'kpi_id',
      'period_start',
      'resource',
      'breakdown',
      'period_end',
    ])
    .execute();
  await db.schema
    .createIndex('kpi_measure_resource_idx')
    .on('kpi_measure')
    .columns(['resource', 'kpi_id'])
    .execute();

  await t
    .withId(db.schema.createTable('kpi_factor'))
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('valid_from', 'bigint')
    .addColumn('valid_to', 'bigint')
    .addColumn('renewable', t.double, (c) => c.notNull())
    .addColumn('non_renewable', t.double, (c) => c.notNull())
    .addColumn('total', t.double, (c) => c.notNull())
    .addColumn('co2', t.double, (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .execute();

  // Spain's official factors for buildings: the RITE recognised document "Factores de emisión de
  // CO2 y coeficientes de paso a energía primaria de diferentes fuentes de energía final
  // consumidas en el sector de edificios en España" (IDAE, 2014). Electricity is the mainland
  // grid's; the other carriers are national.
  const source =
    'RITE recognised document: Factores de emisión de CO2 y coeficientes de paso a energía primaria de diferentes fuentes de energía final consumidas en el sector de edificios en España (IDAE, 2014)';
  const seeded: [string, string, number, number, number, number][] = [
    ['electricity', 'ES-peninsular', 0.414, 1.954, 2.368, 0.331],
    ['natural_gas', 'ES', 0.005, 1.19, 1.195, 0.252],
    ['heating_oil', 'ES', 0.003, 1.179, 1.182, 0.311],
    ['lpg', 'ES', 0.003, 1.201, 1.204, 0.254],
    ['biomass', 'ES', 1.003, 0.034, 1.037, 0.018],
    ['pellets', 'ES', 1.028, 0.085, 1.113, 0.018],
    ['solar_thermal', 'ES', 1, 0, 1, 0],
  ];
  await db
    .insertInto('kpi_factor')
    .values(
      seeded.map(([carrier, region, renewable, nonRenewable, total, co2]) => ({
        carrier,
        region,
        valid_from: null,
        valid_to: null,
        renewable,
        non_renewable: nonRenewable,
        total,
        co2,
        source,
        updated_at: Date.UTC(2026, 10, 26),
        updated_by: 'ciop',
      })),
    )
    .execute();

  // Energy delivered to a building, as its records arrive (bills, heat meters); `month` is the
  // local calendar month (YYYYMM) holding `t`, so that the calculator sums months in SQL.
  await db.schema
    .createTable('kpi_thermal_measurement')
    .addColumn('measurement_id', 'text', (c) => c.primaryKey())
    .addColumn('building_id', 'bigint', (c) => c.notNull().references('building.id').onDelete('cascade'))
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('t', 'bigint', (c) => c.notNull())
    .addColumn('month', 'integer', (c) => c.notNull())
    .addColumn('value', t.double, (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('received_by', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('kpi_thermal_building_idx')
    .on('kpi_thermal_measurement')
    .columns(['building_id', 'month'])
    .execute();
  await db.schema
    .createIndex('kpi_thermal_month_idx')
    .on('kpi_thermal_measurement')
    .column('month')
    .execute();

  // Five-minute slots in which the platform was running (its availability KPI).
  await db.schema
    .createTable('kpi_uptime_slot')
    .addColumn('slot', 'bigint', (c) => c.primaryKey())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('kpi_uptime_slot').execute();
  await db.schema.dropTable('kpi_thermal_measurement').execute();
  await db.schema.dropTable('kpi_factor').execute();
  await db.schema.dropTable('kpi_measure').execute();
  await db.schema.dropTable('kpi_definition').execute();
}
