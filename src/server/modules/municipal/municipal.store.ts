import { CompiledQuery, type Insertable, type Kysely, type Selectable, SqliteAdapter, sql } from 'kysely';
import type {
  Database,
  MunicipalCarbonFactorTable,
  MunicipalFacilityTable,
  MunicipalMeterTable,
  MunicipalMonthTable,
  MunicipalRecordTable,
  MunicipalTotalTable,
} from '../../db/schema.ts';
import { type ImportProfile, lap } from './import-profile.ts';

export type AreaRow = Selectable<Database['municipal_area']>;
export type FacilityRow = Selectable<MunicipalFacilityTable>;
export type MeterRow = Selectable<MunicipalMeterTable>;
export type RecordRow = Selectable<MunicipalRecordTable>;
export type MonthRowDb = Selectable<MunicipalMonthTable>;
export type FactorRowDb = Selectable<MunicipalCarbonFactorTable>;

/** Rows per insert statement: well under SQLite's 32,766 bound parameters. */
const CHUNK = 500;

/** The text of a multi-row insert, by table, columns, rows and dialect: built once, not per chunk. */
const insertTexts = new Map<string, string>();

/**
 * Inserts many rows with one statement a chunk, its text built once: an import of a city's ten
 * years stores half a million rows, and building each chunk's query anew cost more than running it.
 */
async function insertMany<T extends object>(
  db: Kysely<Database>,
  table: string,
  columns: (keyof T & string)[],
  rows: T[],
  defaults: Record<string, unknown> = {},
): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  // Under SQLite's 32,766 bound parameters and PostgreSQL's 65,535.
  const chunk = Math.floor(30_000 / columns.length);
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    const key = `${table}|${columns.join(',')}|${part.length}|${sqlite}`;
    let text = insertTexts.get(key);
    if (text === undefined) {
      let n = 0;
      const row = () => `(${columns.map(() => (sqlite ? '?' : `$${++n}`)).join(', ')})`;
      text = `insert into ${table} (${columns.join(', ')}) values ${part.map(row).join(', ')}`;
      if (insertTexts.size > 64) insertTexts.clear();
      insertTexts.set(key, text);
    }
    const parameters: unknown[] = [];
    for (const r of part)
      for (const c of columns) parameters.push((r as Record<string, unknown>)[c] ?? defaults[c] ?? null);
    await db.executeQuery(CompiledQuery.raw(text, parameters));
  }
}

const RECORD_COLUMNS: (keyof Insertable<MunicipalRecordTable>)[] = [
  'meter_id',
  'source',
  'period_start',
  'period_end',
  'quantity',
  'cost_eur',
  'periods',
  'max_kw',
  'supplier',
  'tariff',
  'file',
  'created_at',
  'updated_at',
];

const MONTH_COLUMNS: (keyof Insertable<MunicipalMonthTable>)[] = [
  'meter_id',
  'month',
  'year',
  'source',
  'quantity',
  'cost_eur',
  'max_kw',
  'carrier',
  'supplier',
  'facility_id',
  'area_id',
  'group_id',
  'district_id',
];

// --- Areas ---------------------------------------------------------------------------------------

export async function listAreas(db: Kysely<Database>): Promise<(AreaRow & { facilities: number })[]> {
  const areas = await db.selectFrom('municipal_area').selectAll().orderBy('id').execute();
  const counts = await db
    .selectFrom('municipal_facility')
    .select(['area_id', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy('area_id')
    .execute();
  const direct = new Map(counts.map((c) => [Number(c.area_id), Number(c.n)]));
  return areas.map((a) => {
    const own = direct.get(a.id) ?? 0;
    const children = areas
      .filter((c) => c.parent_id === a.id)
      .reduce((n, c) => n + (direct.get(c.id) ?? 0), 0);
    return { ...a, facilities: own + children };
  });
}

export const findArea = (db: Kysely<Database>, id: number) =>
  db.selectFrom('municipal_area').selectAll().where('id', '=', id).executeTakeFirst();

export async function insertArea(
  db: Kysely<Database>,
  row: Insertable<Database['municipal_area']>,
): Promise<number> {
  const r = await db.insertInto('municipal_area').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

// --- Facilities ----------------------------------------------------------------------------------

export interface FacilityFilter {
  areaIds?: number[];
  districtId?: number;
  q?: string;
  afterId?: number;
  limit: number;
}

export async function listFacilities(
  db: Kysely<Database>,
  f: FacilityFilter,
): Promise<(FacilityRow & { meters: number })[]> {
  let q = db
    .selectFrom('municipal_facility as f')
    .selectAll('f')
    .select((eb) =>
      eb
        .selectFrom('municipal_meter as m')
        .whereRef('m.facility_id', '=', 'f.id')
        .select(eb.fn.countAll<number>().as('n'))
        .as('meters'),
    )
    .orderBy('f.id')
    .limit(f.limit);
  if (f.areaIds) q = q.where('f.area_id', 'in', f.areaIds);
  if (f.districtId !== undefined) q = q.where('f.district_id', '=', f.districtId);
  if (f.afterId !== undefined) q = q.where('f.id', '>', f.afterId);
  if (f.q) {
    const like = `%${f.q.toLowerCase()}%`;
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['f.name']), 'like', like),
        eb(eb.fn('lower', ['f.code']), 'like', like),
        eb(eb.fn('lower', ['f.address']), 'like', like),
      ]),
    );
  }
  return (await q.execute()).map((r) => ({ ...r, meters: Number(r.meters ?? 0) }));
}

export const findFacility = (db: Kysely<Database>, id: number) =>
  db.selectFrom('municipal_facility').selectAll().where('id', '=', id).executeTakeFirst();

export async function insertFacility(
  db: Kysely<Database>,
  row: Insertable<MunicipalFacilityTable>,
): Promise<number> {
  const r = await db.insertInto('municipal_facility').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

export async function updateFacility(
  db: Kysely<Database>,
  id: number,
  patch: Partial<Insertable<MunicipalFacilityTable>>,
): Promise<void> {
  await db.updateTable('municipal_facility').set(patch).where('id', '=', id).execute();
}

/**
 * Copies a facility's places into its months, after it moved to another area or district, and
 * moves their amounts from the totals of the old places to those of the new.
 */
export async function relocateMonths(
  db: Kysely<Database>,
  facilityId: number,
  places: { area_id: number; group_id: number; district_id: number | null },
): Promise<void> {
  const old = await db
    .selectFrom('municipal_month')
    .selectAll()
    .where('facility_id', '=', facilityId)
    .execute();
  await applyTotals(
    db,
    old,
    old.map((m) => ({ ...m, ...places })),
  );
  await db.updateTable('municipal_month').set(places).where('facility_id', '=', facilityId).execute();
}

// --- Meters --------------------------------------------------------------------------------------

export interface MeterFilter {
  facilityId?: number;
  carrier?: string;
  q?: string;
  afterId?: number;
  limit: number;
}

export async function listMeters(db: Kysely<Database>, f: MeterFilter): Promise<MeterRow[]> {
  let q = db.selectFrom('municipal_meter').selectAll().orderBy('id').limit(f.limit);
  if (f.facilityId !== undefined) q = q.where('facility_id', '=', f.facilityId);
  if (f.carrier) q = q.where('carrier', '=', f.carrier);
  if (f.afterId !== undefined) q = q.where('id', '>', f.afterId);
  if (f.q) q = q.where(sql<string>`lower(code)`, 'like', `%${f.q.toLowerCase()}%`);
  return q.execute();
}

export const findMeter = (db: Kysely<Database>, id: number) =>
  db.selectFrom('municipal_meter').selectAll().where('id', '=', id).executeTakeFirst();

export async function metersByCode(db: Kysely<Database>, codes: string[]): Promise<Map<string, MeterRow>> {
  const found = new Map<string, MeterRow>();
  for (let i = 0; i < codes.length; i += CHUNK) {
    const rows = await db
      .selectFrom('municipal_meter')
      .selectAll()
      .where('code', 'in', codes.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) found.set(r.code, r);
  }
  return found;
}

export async function insertMeter(
  db: Kysely<Database>,
  row: Insertable<MunicipalMeterTable>,
): Promise<number> {
  const r = await db.insertInto('municipal_meter').values(row).returning('id').executeTakeFirstOrThrow();
  return Number(r.id);
}

// --- Records and months --------------------------------------------------------------------------

export async function recordsOfMeters(db: Kysely<Database>, meterIds: number[]): Promise<RecordRow[]> {
  const out: RecordRow[] = [];
  for (let i = 0; i < meterIds.length; i += CHUNK) {
    out.push(
      ...(await db
        .selectFrom('municipal_record')
        .selectAll()
        .where('meter_id', 'in', meterIds.slice(i, i + CHUNK))
        .execute()),
    );
  }
  return out;
}

export async function insertRecords(
  db: Kysely<Database>,
  rows: Insertable<MunicipalRecordTable>[],
): Promise<void> {
  await insertMany(db, 'municipal_record', RECORD_COLUMNS, rows, {
    periods: '{}',
    supplier: '',
    tariff: '',
    file: '',
  });
}

export async function updateRecord(
  db: Kysely<Database>,
  id: number,
  row: Partial<Insertable<MunicipalRecordTable>>,
): Promise<void> {
  await db.updateTable('municipal_record').set(row).where('id', '=', id).execute();
}

/** Replaces every month of some meters, and their amounts in the totals. */
export async function replaceMonths(
  db: Kysely<Database>,
  meterIds: number[],
  months: Insertable<MunicipalMonthTable>[],
  profile?: ImportProfile,
): Promise<void> {
  let at = performance.now();
  const old: MonthRowDb[] = [];
  for (let i = 0; i < meterIds.length; i += CHUNK) {
    const ids = meterIds.slice(i, i + CHUNK);
    old.push(...(await db.selectFrom('municipal_month').selectAll().where('meter_id', 'in', ids).execute()));
    await db.deleteFrom('municipal_month').where('meter_id', 'in', ids).execute();
  }
  at = lap(profile, 'take out the old months', at);
  await insertMany(db, 'municipal_month', MONTH_COLUMNS, months);
  at = lap(profile, 'store the months', at);
  await applyTotals(db, old, months);
  lap(profile, 'add up the totals', at);
}

type Counted = Pick<
  Insertable<MunicipalMonthTable>,
  | 'carrier'
  | 'supplier'
  | 'month'
  | 'source'
  | 'quantity'
  | 'cost_eur'
  | 'area_id'
  | 'group_id'
  | 'district_id'
>;

/** The totals a month counts in: level, the district it is cut to (0 for none), node and child. */
function totalsOf(m: Counted): [MunicipalTotalTable['level'], number, number, number][] {
  const district = m.district_id === null || m.district_id === undefined ? 0 : Number(m.district_id);
  const out: [MunicipalTotalTable['level'], number, number, number][] = [
    ['city', 0, 0, district],
    ['area', 0, Number(m.area_id), Number(m.group_id)],
  ];
  if (district !== 0)
    out.push(
      ['district', 0, district, Number(m.area_id)],
      ['area', district, Number(m.area_id), Number(m.group_id)],
    );
  return out;
}

/**
 * Takes months out of `municipal_total` and adds others in, as one upsert of the differences:
 * a month that did not change adds nothing, and a total no month counts in any more goes.
 */
export async function applyTotals(db: Kysely<Database>, removed: Counted[], added: Counted[]): Promise<void> {
  const deltas = new Map<string, Insertable<MunicipalTotalTable>>();
  const count = (m: Counted, sign: 1 | -1) => {
    for (const [level, within, node, child] of totalsOf(m)) {
      const key = `${level}|${within}|${node}|${child}|${m.carrier}|${m.supplier}|${m.month}|${m.source}`;
      let d = deltas.get(key);
      if (!d) {
        d = {
          level,
          within,
          node_id: node,
          child_id: child,
          carrier: m.carrier,
          supplier: m.supplier,
          month: m.month,
          source: m.source,
          quantity: 0,
          cost_eur: 0,
          months: 0,
        };
        deltas.set(key, d);
      }
      d.quantity += sign * m.quantity;
      d.cost_eur += sign * (m.cost_eur ?? 0);
      d.months = (d.months as number) + sign;
    }
  };
  for (const m of removed) count(m, -1);
  for (const m of added) count(m, 1);
  const changes = [...deltas.values()].filter((d) => d.months !== 0 || d.quantity !== 0 || d.cost_eur !== 0);
  // 11 columns a row.
  for (let i = 0; i < changes.length; i += 2000)
    await db
      .insertInto('municipal_total')
      .values(changes.slice(i, i + 2000))
      .onConflict((oc) =>
        oc
          .columns(['level', 'within', 'node_id', 'month', 'child_id', 'carrier', 'supplier', 'source'])
          .doUpdateSet({
            quantity: sql`municipal_total.quantity + excluded.quantity`,
            cost_eur: sql`municipal_total.cost_eur + excluded.cost_eur`,
            months: sql`municipal_total.months + excluded.months`,
          }),
      )
      .execute();
  if (changes.some((d) => (d.months as number) < 0))
    await db.deleteFrom('municipal_total').where('months', '<=', 0).execute();
}

// --- Carbon factors ------------------------------------------------------------------------------

export const listFactors = (db: Kysely<Database>) =>
  db
    .selectFrom('municipal_carbon_factor')
    .selectAll()
    .orderBy('carrier')
    .orderBy('year')
    .orderBy('supplier')
    .execute();

export const findFactor = (db: Kysely<Database>, id: number) =>
  db.selectFrom('municipal_carbon_factor').selectAll().where('id', '=', id).executeTakeFirst();
