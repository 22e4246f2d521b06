import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

/**
 * Municipal energy: the city's areas and sub-groups, its facilities and their meters (CUPS or an
 * internal code), the consumption records as they arrive (invoices, readings, Datadis, entered
 * by hand), the month each record's period is split into, the carbon factors per carrier and
 * year, and an optional boundary for the districts' maps.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await db.schema.alterTable('district').addColumn('boundary', 'text').execute();

  // An area (ámbito) when parent_id is null; a sub-group of its parent otherwise.
  await t
    .withId(db.schema.createTable('municipal_area'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'bigint', (c) => c.references('municipal_area.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await t
    .withId(db.schema.createTable('municipal_facility'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('area_id', 'bigint', (c) => c.notNull().references('municipal_area.id'))
    .addColumn('district_id', 'bigint', (c) => c.references('district.id'))
    .addColumn('building_id', 'bigint', (c) => c.references('building.id'))
    .addColumn('latitude', t.double)
    .addColumn('longitude', t.double)
    .addColumn('area_m2', t.double)
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // `code` is the CUPS of a grid supply (kind 'cups') or the city's own code (kind 'internal').
  await t
    .withId(db.schema.createTable('municipal_meter'))
    .addColumn('facility_id', 'bigint', (c) => c.notNull().references('municipal_facility.id'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('unit', 'text', (c) => c.notNull())
    .addColumn('supplier', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tariff', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('contracted_kw', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // A record as it arrived: one invoice, reading or manual entry over [period_start, period_end]
  // (calendar dates, both included). A record of the same meter, source and start replaces it.
  await t
    .withId(db.schema.createTable('municipal_record'))
    .addColumn('meter_id', 'bigint', (c) => c.notNull().references('municipal_meter.id'))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('period_start', 'text', (c) => c.notNull())
    .addColumn('period_end', 'text', (c) => c.notNull())
    .addColumn('quantity', t.double, (c) => c.notNull())
    .addColumn('cost_eur', t.double)
    .addColumn('periods', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('max_kw', t.double)
    .addColumn('supplier', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('tariff', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('file', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('municipal_record_key_uq', ['meter_id', 'source', 'period_start'])
    .execute();

  // What each meter consumed in each calendar month (YYYYMM), from the source that wins there,
  // with the places it belongs to copied in so that a summary reads one table.
  await db.schema
    .createTable('municipal_month')
    .addColumn('meter_id', 'bigint', (c) => c.notNull())
    .addColumn('month', 'integer', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('quantity', t.double, (c) => c.notNull())
    .addColumn('cost_eur', t.double)
    .addColumn('max_kw', t.double)
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('supplier', 'text', (c) => c.notNull())
    .addColumn('facility_id', 'bigint', (c) => c.notNull())
    .addColumn('area_id', 'bigint', (c) => c.notNull())
    .addColumn('group_id', 'bigint', (c) => c.notNull())
    .addColumn('district_id', 'bigint')
    .addPrimaryKeyConstraint('municipal_month_pk', ['meter_id', 'month'])
    .execute();
  // Covering indexes, one a level: a summary reads one of them in the order of its GROUP BY
  // (the node, its children, carrier, supplier, month, source), without touching the table.
  const figures = ['carrier', 'supplier', 'month', 'source', 'quantity', 'cost_eur', 'max_kw'];
  const levels: [string, string[]][] = [
    ['city', ['district_id']],
    ['district', ['district_id', 'area_id']],
    ['area', ['area_id', 'group_id']],
    ['group', ['group_id', 'facility_id']],
    ['facility', ['facility_id', 'meter_id']],
  ];
  for (const [name, columns] of levels)
    await db.schema
      .createIndex(`municipal_month_${name}_idx`)
      .on('municipal_month')
      .columns([...columns, ...figures])
      .execute();

  // kg CO2 per unit of a carrier in a year; supplier '' is the location-based factor.
  await t
    .withId(db.schema.createTable('municipal_carbon_factor'))
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('scope', 'integer', (c) => c.notNull())
    .addColumn('kg_per_unit', t.double, (c) => c.notNull())
    .addColumn('supplier', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addUniqueConstraint('municipal_carbon_factor_uq', ['carrier', 'year', 'supplier'])
    .execute();
}
