import {
  type Insertable,
  type Kysely,
  type Selectable,
  type SelectQueryBuilder,
  type Transaction,
  type Updateable,
  sql,
} from 'kysely';
import type {
  Database,
  KpiDefinitionTable,
  KpiFactorTable,
  KpiMeasureTable,
  KpiThermalMeasurementTable,
} from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type DefinitionRow = Selectable<KpiDefinitionTable>;
export type MeasureRow = Selectable<KpiMeasureTable>;
export type NewMeasure = Insertable<KpiMeasureTable>;
export type FactorRow = Selectable<KpiFactorTable>;
export type ThermalRow = Selectable<KpiThermalMeasurementTable>;

/** Rows per multi-row statement: well under both engines' limits on bound parameters. */
const CHUNK = 500;

/** Adds `value` to the list of `key` in a map of lists. */
export function groupInto<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function chunked<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

// --- Definitions ---------------------------------------------------------------------------------

/** Adds the definitions whose code is not there yet; existing ones (perhaps edited) stay. */
export async function insertMissingDefinitions(
  db: Db,
  rows: Insertable<KpiDefinitionTable>[],
): Promise<void> {
  for (const part of chunked(rows, 50))
    await db
      .insertInto('kpi_definition')
      .values(part)
      .onConflict((oc) => oc.column('code').doNothing())
      .execute();
}

export async function listAllDefinitions(db: Db): Promise<DefinitionRow[]> {
  return db.selectFrom('kpi_definition').selectAll().orderBy('id').execute();
}

export async function insertDefinition(db: Db, row: Insertable<KpiDefinitionTable>): Promise<void> {
  await db.insertInto('kpi_definition').values(row).execute();
}

export async function updateDefinition(
  db: Db,
  id: number,
  patch: Updateable<KpiDefinitionTable>,
): Promise<void> {
  await db.updateTable('kpi_definition').set(patch).where('id', '=', id).execute();
}

// --- Measures ------------------------------------------------------------------------------------

export interface MeasureQuery {
  kpiIds?: readonly number[];
  resources?: readonly string[];
  breakdown?: string;
  granularity?: KpiMeasureTable['granularity'];
  /** Periods ending after this. */
  from?: number;
  /** Periods starting before this. */
  to?: number;
}

function filtered<O>(
  query: SelectQueryBuilder<Database, 'kpi_measure', O>,
  f: MeasureQuery,
): SelectQueryBuilder<Database, 'kpi_measure', O> {
  let q = query;
  if (f.kpiIds) q = q.where('kpi_id', 'in', f.kpiIds.length > 0 ? f.kpiIds : [-1]);
  if (f.resources) q = q.where('resource', 'in', f.resources.length > 0 ? f.resources : ['']);
  if (f.breakdown !== undefined) q = q.where('breakdown', '=', f.breakdown);
  if (f.granularity !== undefined) q = q.where('granularity', '=', f.granularity);
  if (f.from !== undefined) q = q.where('period_end', '>', f.from);
  if (f.to !== undefined) q = q.where('period_start', '<', f.to);
  return q;
}

/** A page of measures, by id. */
export async function listMeasures(
  db: Db,
  f: MeasureQuery,
  page: { after?: number; limit: number },
): Promise<MeasureRow[]> {
  let q = filtered(db.selectFrom('kpi_measure').selectAll(), f);
  if (page.after !== undefined) q = q.where('id', '>', page.after);
  return q.orderBy('id').limit(page.limit).execute();
}

export async function findMeasure(db: Db, id: number): Promise<MeasureRow | undefined> {
  return db.selectFrom('kpi_measure').selectAll().where('id', '=', id).executeTakeFirst();
}

/** How many measures match, per KPI. */
export async function countMeasuresByKpi(db: Db, f: MeasureQuery = {}): Promise<Map<number, number>> {
  const rows = await filtered(
    db.selectFrom('kpi_measure').select(['kpi_id', (eb) => eb.fn.countAll<number>().as('n')]),
    f,
  )
    .groupBy('kpi_id')
    .execute();
  return new Map(rows.map((r) => [r.kpi_id, Number(r.n)]));
}

export async function countMeasures(db: Db, f: MeasureQuery): Promise<number> {
  const row = await filtered(
    db.selectFrom('kpi_measure').select((eb) => eb.fn.countAll<number>().as('n')),
    f,
  ).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Sum or mean of the measures of one KPI, per period and breakdown. */
export async function totalMeasures(db: Db, f: MeasureQuery, aggregation: 'sum' | 'mean') {
  const rows = await filtered(
    db
      .selectFrom('kpi_measure')
      .select([
        'period_start',
        'period_end',
        'breakdown',
        (eb) => (aggregation === 'sum' ? eb.fn.sum<number>('value') : eb.fn.avg<number>('value')).as('value'),
        (eb) => eb.fn.countAll<number>().as('n'),
      ]),
    f,
  )
    .groupBy(['period_start', 'period_end', 'breakdown'])
    .orderBy('period_start')
    .orderBy('period_end')
    .orderBy('breakdown')
    .execute();
  return rows.map((r) => ({ ...r, value: Number(r.value), n: Number(r.n) }));
}

/** The latest period of a KPI's wholes (breakdown ''), and the sum or mean of its values. */
export async function latestTotal(
  db: Db,
  kpiId: number,
  aggregation: 'sum' | 'mean',
  granularity?: KpiMeasureTable['granularity'],
) {
  let q = db
    .selectFrom('kpi_measure')
    .select(['period_start', 'period_end'])
    .where('kpi_id', '=', kpiId)
    .where('breakdown', '=', '');
  if (granularity) q = q.where('granularity', '=', granularity);
  const latest = await q.orderBy('period_start', 'desc').orderBy('period_end', 'desc').executeTakeFirst();
  if (!latest) return undefined;
  const [total] = await totalMeasures(
    db,
    { kpiIds: [kpiId], breakdown: '', from: latest.period_start, to: latest.period_start + 1 },
    aggregation,
  ).then((rows) => rows.filter((r) => r.period_end === latest.period_end));
  return total;
}

/** Values of the stored measures with the keys of `rows`, by key (`kpi|resource|breakdown|start|end`). */
export async function existingMeasureValues(
  db: Db,
  rows: readonly Pick<NewMeasure, 'kpi_id' | 'resource' | 'breakdown' | 'period_start' | 'period_end'>[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const resources = [...new Set(rows.map((r) => r.resource))];
  const kpiIds = [...new Set(rows.map((r) => r.kpi_id))];
  for (const part of chunked(resources)) {
    const found = await db
      .selectFrom('kpi_measure')
      .select(['kpi_id', 'resource', 'breakdown', 'period_start', 'period_end', 'value'])
      .where('resource', 'in', part)
      .where('kpi_id', 'in', kpiIds)
      .execute();
    for (const r of found) out.set(measureKey(r), r.value);
  }
  return out;
}

export const measureKey = (r: {
  kpi_id: number;
  resource: string;
  breakdown?: string;
  period_start: number;
  period_end: number;
}) => `${r.kpi_id}|${r.resource}|${r.breakdown ?? ''}|${r.period_start}|${r.period_end}`;

/** Writes measures, replacing those with the same key. */
export async function upsertMeasures(db: Db, rows: NewMeasure[]): Promise<void> {
  for (const part of chunked(rows))
    await db
      .insertInto('kpi_measure')
      .values(part)
      .onConflict((oc) =>
        oc.columns(['kpi_id', 'period_start', 'resource', 'breakdown', 'period_end']).doUpdateSet((eb) => ({
          granularity: eb.ref('excluded.granularity'),
          value: eb.ref('excluded.value'),
          source: eb.ref('excluded.source'),
          calculator: eb.ref('excluded.calculator'),
          inputs_version: eb.ref('excluded.inputs_version'),
          source_file: eb.ref('excluded.source_file'),
          source_by: eb.ref('excluded.source_by'),
          inputs: eb.ref('excluded.inputs'),
          computed_at: eb.ref('excluded.computed_at'),
        })),
      )
      .execute();
}

/**
 * Replaces what a calculator computed for some KPIs within [from, to) (periods wholly inside
 * it), for some resources or all: what is no longer computed disappears with the rest.
 */
export async function replaceMeasures(
  db: Db,
  scope: { kpiIds: readonly number[]; resources?: readonly string[]; from: number; to: number },
  rows: NewMeasure[],
): Promise<void> {
  const remove = (resources?: readonly string[]) => {
    let q = db
      .deleteFrom('kpi_measure')
      .where('kpi_id', 'in', scope.kpiIds)
      .where('period_start', '>=', scope.from)
      .where('period_end', '<=', scope.to);
    if (resources) q = q.where('resource', 'in', resources);
    return q.execute();
  };
  if (scope.resources === undefined) await remove();
  else for (const part of chunked(scope.resources)) await remove(part);
  for (const part of chunked(rows)) await db.insertInto('kpi_measure').values(part).execute();
}

/** The distinct calendar years (their start) of a KPI's measures of one granularity, newest first. */
export async function periodStarts(
  db: Db,
  kpiId: number,
  granularity: KpiMeasureTable['granularity'],
): Promise<number[]> {
  const rows = await db
    .selectFrom('kpi_measure')
    .select('period_start')
    .distinct()
    .where('kpi_id', '=', kpiId)
    .where('granularity', '=', granularity)
    .orderBy('period_start', 'desc')
    .execute();
  return rows.map((r) => r.period_start);
}

// --- Conversion factors --------------------------------------------------------------------------

export async function listFactors(db: Db): Promise<FactorRow[]> {
  return db.selectFrom('kpi_factor').selectAll().orderBy('carrier').orderBy('region').orderBy('id').execute();
}

export async function findFactor(db: Db, id: number): Promise<FactorRow | undefined> {
  return db.selectFrom('kpi_factor').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function insertFactor(db: Db, row: Insertable<KpiFactorTable>): Promise<number> {
  const { id } = await db.insertInto('kpi_factor').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(id);
}

export async function updateFactor(db: Db, id: number, patch: Updateable<KpiFactorTable>): Promise<void> {
  await db.updateTable('kpi_factor').set(patch).where('id', '=', id).execute();
}

// --- Thermal energy records ----------------------------------------------------------------------

export async function findThermal(db: Db, ids: readonly string[]): Promise<Map<string, ThermalRow>> {
  const out = new Map<string, ThermalRow>();
  for (const part of chunked(ids)) {
    const rows = await db
      .selectFrom('kpi_thermal_measurement')
      .selectAll()
      .where('measurement_id', 'in', part)
      .execute();
    for (const r of rows) out.set(r.measurement_id, r);
  }
  return out;
}

export async function insertThermal(db: Db, rows: Insertable<KpiThermalMeasurementTable>[]): Promise<void> {
  for (const part of chunked(rows)) await db.insertInto('kpi_thermal_measurement').values(part).execute();
}

export async function updateThermal(db: Db, row: Insertable<KpiThermalMeasurementTable>): Promise<void> {
  const { measurement_id: id, ...rest } = row;
  await db.updateTable('kpi_thermal_measurement').set(rest).where('measurement_id', '=', id).execute();
}

export interface MonthSum {
  buildingId: number;
  carrier: string;
  month: number;
  kWh: number;
  records: number;
  first: number;
  last: number;
}

/** Energy per building, carrier and local month within [fromMonth, toMonth] (YYYYMM). */
export async function thermalMonthSums(
  db: Db,
  fromMonth: number,
  toMonth: number,
  buildingIds?: readonly number[],
): Promise<MonthSum[]> {
  const query = (ids?: readonly number[]) => {
    let q = db
      .selectFrom('kpi_thermal_measurement')
      .select([
        'building_id',
        'carrier',
        'month',
        (eb) => eb.fn.sum<number>('value').as('kwh'),
        (eb) => eb.fn.countAll<number>().as('n'),
        (eb) => eb.fn.min<number>('t').as('first'),
        (eb) => eb.fn.max<number>('t').as('last'),
      ])
      .where('month', '>=', fromMonth)
      .where('month', '<=', toMonth);
    if (ids) q = q.where('building_id', 'in', ids);
    return q.groupBy(['building_id', 'carrier', 'month']).execute();
  };
  const rows = buildingIds ? (await Promise.all(chunked(buildingIds).map(query))).flat() : await query();
  return rows.map((r) => ({
    buildingId: Number(r.building_id),
    carrier: r.carrier,
    month: Number(r.month),
    kWh: Number(r.kwh),
    records: Number(r.n),
    first: Number(r.first),
    last: Number(r.last),
  }));
}

export interface ThermalQuery {
  buildingId?: number;
  carrier?: string;
  from?: number;
  to?: number;
  after?: string;
  limit: number;
}

export async function listThermal(db: Db, f: ThermalQuery) {
  let q = db
    .selectFrom('kpi_thermal_measurement as m')
    .innerJoin('building as b', 'b.id', 'm.building_id')
    .select([
      'm.measurement_id',
      'b.code',
      'm.carrier',
      'm.t',
      'm.value',
      'm.source',
      'm.received_by',
      'm.received_at',
    ]);
  if (f.buildingId !== undefined) q = q.where('m.building_id', '=', f.buildingId);
  if (f.carrier !== undefined) q = q.where('m.carrier', '=', f.carrier);
  if (f.from !== undefined) q = q.where('m.t', '>=', f.from);
  if (f.to !== undefined) q = q.where('m.t', '<', f.to);
  if (f.after !== undefined) q = q.where('m.measurement_id', '>', f.after);
  return q.orderBy('m.measurement_id').limit(f.limit).execute();
}

// --- Registry, as the calculators read it ---------------------------------------------------------

export interface KpiBuilding {
  id: number;
  code: string;
  address: string;
  latitude: number;
  longitude: number;
  districtId: number;
  carrier1: string | null;
  area1: number | null;
  carrier2: string | null;
  area2: number | null;
}

export async function listKpiBuildings(db: Db, ids?: readonly number[]): Promise<KpiBuilding[]> {
  let q = db
    .selectFrom('building')
    .select([
      'id',
      'code',
      'address',
      'latitude',
      'longitude',
      'district_id as districtId',
      'carrier1',
      'area1_m2 as area1',
      'carrier2',
      'area2_m2 as area2',
    ]);
  if (ids) q = q.where('id', 'in', ids.length > 0 ? ids : [-1]);
  return q.orderBy('id').execute();
}

export async function findBuildingIdsByCodes(db: Db, codes: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const part of chunked(codes)) {
    const rows = await db.selectFrom('building').select(['id', 'code']).where('code', 'in', part).execute();
    for (const r of rows) out.set(r.code, r.id);
  }
  return out;
}

export async function listDistrictCodes(db: Db): Promise<{ id: number; code: string }[]> {
  return db.selectFrom('district').select(['id', 'code']).orderBy('id').execute();
}

export async function dwellingAreas(db: Db, ids: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const part of chunked(ids)) {
    const rows = await db.selectFrom('dwelling').select(['id', 'area_m2']).where('id', 'in', part).execute();
    for (const r of rows) out.set(r.id, r.area_m2 ?? 0);
  }
  return out;
}

export async function countMedia(db: Db): Promise<number> {
  const row = await db
    .selectFrom('medium')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/**
 * Readings stored for times within [from, to): the readings of the series blocks starting then
 * (a block holds whole hours, so a block starting just before `to` may count a few later ones).
 */
/**
 * Readings stored with a time in [from, to). A block of a live series usually began before
 * `from` (it grows as readings come), so every block overlapping the span counts, for the share
 * of its time span inside it (its readings taken as evenly spread): counting only the blocks that
 * begin inside the span said 0 readings a minute while readings came in.
 */
export async function readingsStored(db: Db, from: number, to: number): Promise<number> {
  const row = await db
    .selectFrom('ts_block')
    .select(
      sql<number>`sum(case when t1 > t0 then n * ((case when t1 < ${to} then t1 else ${to} end) - (case when t0 > ${from} then t0 else ${from} end)) * 1.0 / (t1 - t0) else n end)`.as(
        'n',
      ),
    )
    .where('t1', '>=', from)
    .where('t0', '<', to)
    .executeTakeFirst();
  return Math.round(Number(row?.n ?? 0));
}

// --- Uptime --------------------------------------------------------------------------------------

export async function recordUptimeSlot(db: Db, slot: number): Promise<void> {
  await db
    .insertInto('kpi_uptime_slot')
    .values({ slot })
    .onConflict((oc) => oc.column('slot').doNothing())
    .execute();
}

export async function uptimeSlots(
  db: Db,
  from: number,
  to: number,
): Promise<{ n: number; first: number | null }> {
  const row = await db
    .selectFrom('kpi_uptime_slot')
    .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.min<number>('slot').as('first')])
    .where('slot', '>=', from)
    .where('slot', '<', to)
    .executeTakeFirst();
  const first = await db
    .selectFrom('kpi_uptime_slot')
    .select((eb) => eb.fn.min<number>('slot').as('first'))
    .executeTakeFirst();
  return {
    n: Number(row?.n ?? 0),
    first: first?.first === null || first === undefined ? null : Number(first.first),
  };
}

/** A dwelling energy meter and the span it served its dwelling, [from, to). */
export interface EnergyMeter {
  seriesId: number;
  dwellingId: number;
  buildingId: number;
  from: number;
  to: number;
}

/** Every series of a cumulative `energy` sensor of a dwelling, with the building it counts for. */
export async function listEnergyMeters(db: Db, medium = 'energy'): Promise<EnergyMeter[]> {
  const rows = await db
    .selectFrom('gateway_assignment as a')
    .innerJoin('dwelling', 'dwelling.id', 'a.dwelling_id')
    .innerJoin('sensor', 'sensor.gateway_id', 'a.gateway_id')
    .innerJoin('series', 'series.sensor_id', 'sensor.id')
    .select([
      'series.id as seriesId',
      'a.dwelling_id as dwellingId',
      'dwelling.building_id as buildingId',
      'a.valid_from as validFrom',
      'a.valid_to as validTo',
    ])
    .where('sensor.medium', '=', medium)
    .execute();
  return rows.map((r) => ({
    seriesId: Number(r.seriesId),
    dwellingId: Number(r.dwellingId),
    buildingId: Number(r.buildingId),
    from: Number(r.validFrom),
    to: r.validTo === null ? Infinity : Number(r.validTo),
  }));
}
