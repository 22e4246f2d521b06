import type { Kysely, Selectable, Transaction } from 'kysely';
import type { QualityCheck, QualityRules } from '#common/api/quality.ts';
import type { Database, QualityFlagTable, QualityLagTable, QualitySettingTable } from '../../db/schema.ts';
import { type Ceiling, CONTRACTED_POWER_MEDIUM, type FlagRun } from './checks.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type SettingRow = Selectable<QualitySettingTable>;

export async function listMedia(db: Db): Promise<{ name: string; unit: string; cumulative: boolean }[]> {
  const rows = await db.selectFrom('medium').select(['name', 'unit', 'cumulative']).orderBy('name').execute();
  return rows.map((r) => ({ name: r.name, unit: r.unit, cumulative: r.cumulative === 1 }));
}

export async function listSettings(db: Db): Promise<SettingRow[]> {
  return db.selectFrom('quality_setting').selectAll().execute();
}

export const rulesOf = (r: SettingRow): QualityRules => ({
  min: r.min_value,
  max: r.max_value,
  maxStep: r.max_step,
  stuckHours: r.stuck_hours,
  resolution: r.resolution,
  neverDecreasing: r.never_decreasing === 1,
  resetBelow: r.reset_below,
  maxFutureS: r.max_future_s,
  maxPastS: r.max_past_s,
});

/** Stores a medium's rules, due for a re-check of its readings. */
export async function saveSetting(db: Db, medium: string, rules: QualityRules, now: number): Promise<void> {
  const row = {
    min_value: rules.min,
    max_value: rules.max,
    max_step: rules.maxStep,
    stuck_hours: rules.stuckHours,
    resolution: rules.resolution,
    never_decreasing: rules.neverDecreasing ? 1 : 0,
    reset_below: rules.resetBelow,
    max_future_s: rules.maxFutureS,
    max_past_s: rules.maxPastS,
    updated_at: now,
    rechecked_at: null,
  };
  await db
    .insertInto('quality_setting')
    .values({ medium, ...row })
    .onConflict((oc) => oc.column('medium').doUpdateSet(row))
    .execute();
}

/** Media whose rules changed since their readings were last checked. */
export async function mediaDue(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('quality_setting')
    .select('medium')
    .where('rechecked_at', 'is', null)
    .execute();
  return rows.map((r) => r.medium);
}

export async function markRechecked(db: Db, medium: string, now: number): Promise<void> {
  await db.updateTable('quality_setting').set({ rechecked_at: now }).where('medium', '=', medium).execute();
}

/** The medium of each series that belongs to a sensor. */
export async function mediumOfSeries(db: Db, seriesIds: readonly number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (let i = 0; i < seriesIds.length; i += 500) {
    const rows = await db
      .selectFrom('series')
      .innerJoin('sensor', 'sensor.id', 'series.sensor_id')
      .select(['series.id as id', 'sensor.medium as medium'])
      .where('series.id', 'in', seriesIds.slice(i, i + 500))
      .where('series.value_type', '=', 'number')
      .execute();
    for (const r of rows) out.set(r.id, r.medium);
  }
  return out;
}

/** The numeric series of the sensors of a medium. */
export async function seriesOfMedium(db: Db, medium: string): Promise<number[]> {
  const rows = await db
    .selectFrom('series')
    .innerJoin('sensor', 'sensor.id', 'series.sensor_id')
    .select('series.id as id')
    .where('sensor.medium', '=', medium)
    .where('series.value_type', '=', 'number')
    .orderBy('series.id')
    .execute();
  return rows.map((r) => r.id);
}

/** The time span of a series' stored blocks, epoch ms; undefined when it has none. */
export async function blockSpan(db: Db, seriesId: number): Promise<{ from: number; to: number } | undefined> {
  const row = await db
    .selectFrom('ts_block')
    .select((eb) => [eb.fn.min('t0').as('from'), eb.fn.max('t1').as('to')])
    .where('series_id', '=', seriesId)
    .executeTakeFirst();
  if (row?.from === null || row?.from === undefined || row.to === null) return undefined;
  return { from: Number(row.from), to: Number(row.to) };
}

export type FlagRow = Selectable<QualityFlagTable>;

/** Which of the series have any flag. */
export async function seriesWithFlags(db: Db, seriesIds: readonly number[]): Promise<Set<number>> {
  const out = new Set<number>();
  for (let i = 0; i < seriesIds.length; i += 500) {
    const rows = await db
      .selectFrom('quality_flag')
      .select('series_id')
      .distinct()
      .where('series_id', 'in', seriesIds.slice(i, i + 500))
      .execute();
    for (const r of rows) out.add(r.series_id);
  }
  return out;
}

/** Flags of a series overlapping [from, to] but those of `behind` (judged apart), in time order. */
export async function flagsOverlapping(
  db: Db,
  seriesId: number,
  from: number,
  to: number,
): Promise<FlagRow[]> {
  return db
    .selectFrom('quality_flag')
    .selectAll()
    .where('series_id', '=', seriesId)
    .where('t_from', '<=', to)
    .where('t_to', '>=', from)
    .where('check', '!=', 'behind')
    .orderBy('t_from')
    .execute();
}

/** Replaces the flags of a series overlapping [from, to] by `runs`; those of `behind` stay. */
export async function replaceFlags(
  db: Db,
  seriesId: number,
  from: number,
  to: number,
  runs: readonly FlagRun[],
  checkedAt: number,
): Promise<void> {
  await db
    .deleteFrom('quality_flag')
    .where('series_id', '=', seriesId)
    .where('t_from', '<=', to)
    .where('t_to', '>=', from)
    .where('check', '!=', 'behind')
    .execute();
  for (let i = 0; i < runs.length; i += 200) {
    await db
      .insertInto('quality_flag')
      .values(
        runs.slice(i, i + 200).map((r) => ({
          series_id: seriesId,
          check: r.check,
          t_from: r.from,
          t_to: r.to,
          count: r.count,
          value: r.value,
          checked_at: checkedAt,
        })),
      )
      .execute();
  }
}

/** Flags of series within [from, to], in time order, at most `limit`. */
export async function listFlags(
  db: Db,
  seriesIds: readonly number[],
  from: number,
  to: number,
  limit: number,
): Promise<(FlagRow & { check: QualityCheck })[]> {
  if (seriesIds.length === 0) return [];
  const rows = await db
    .selectFrom('quality_flag')
    .selectAll()
    .where('series_id', 'in', [...seriesIds])
    .where('t_from', '<=', to)
    .where('t_to', '>=', from)
    .orderBy('t_from')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows as (FlagRow & { check: QualityCheck })[];
}

/** The flags of the series named that reach `since` or later (their latest readings). */
export async function flagsSince(
  db: Db,
  seriesIds: readonly number[],
  since: number,
): Promise<{ series_id: number; check: string; t_from: number; t_to: number; checked_at: number }[]> {
  const out: { series_id: number; check: string; t_from: number; t_to: number; checked_at: number }[] = [];
  for (let i = 0; i < seriesIds.length; i += 500) {
    const rows = await db
      .selectFrom('quality_flag')
      .select(['series_id', 'check', 't_from', 't_to', 'checked_at'])
      .where('series_id', 'in', seriesIds.slice(i, i + 500))
      .where('t_to', '>=', since)
      .execute();
    out.push(...rows.map((r) => ({ ...r, series_id: Number(r.series_id) })));
  }
  return out;
}

/**
 * The neighbours of a series: the numeric series of the other sensors of its medium whose gateways
 * serve a dwelling of the same building. None when its gateway serves no dwelling.
 */
export async function neighbourSeries(db: Db, seriesId: number): Promise<number[]> {
  return (await neighboursOf(db, [seriesId])).get(seriesId) ?? [];
}

/** The neighbours of each series named (see `neighbourSeries`); series without any are left out. */
export async function neighboursOf(db: Db, seriesIds: readonly number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  for (let i = 0; i < seriesIds.length; i += 500) {
    const rows = await db
      .selectFrom('series as s')
      .innerJoin('sensor as se', 'se.id', 's.sensor_id')
      .innerJoin('gateway as g', 'g.id', 'se.gateway_id')
      .innerJoin('dwelling as d', 'd.id', 'g.dwelling_id')
      .innerJoin('dwelling as d2', 'd2.building_id', 'd.building_id')
      .innerJoin('gateway as g2', 'g2.dwelling_id', 'd2.id')
      .innerJoin('sensor as se2', (j) =>
        j.onRef('se2.gateway_id', '=', 'g2.id').onRef('se2.medium', '=', 'se.medium'),
      )
      .innerJoin('series as s2', 's2.sensor_id', 'se2.id')
      .select(['s.id as of', 's2.id as id'])
      .distinct()
      .where('s.id', 'in', seriesIds.slice(i, i + 500))
      .whereRef('s2.id', '!=', 's.id')
      .where('s2.value_type', '=', 'number')
      .orderBy('s.id')
      .orderBy('s2.id')
      .execute();
    for (const r of rows) {
      const list = out.get(Number(r.of)) ?? [];
      list.push(Number(r.id));
      out.set(Number(r.of), list);
    }
  }
  return out;
}

export type LagRow = Selectable<QualityLagTable>;

/** The series of those named that were found behind by an earlier run. */
export async function lagsOf(db: Db, seriesIds: readonly number[]): Promise<Map<number, LagRow>> {
  const out = new Map<number, LagRow>();
  for (let i = 0; i < seriesIds.length; i += 500) {
    const rows = await db
      .selectFrom('quality_lag')
      .selectAll()
      .where('series_id', 'in', seriesIds.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(Number(r.series_id), { ...r, series_id: Number(r.series_id) });
  }
  return out;
}

export async function saveLag(db: Db, row: LagRow): Promise<void> {
  const { series_id: _, ...rest } = row;
  await db
    .insertInto('quality_lag')
    .values(row)
    .onConflict((oc) => oc.column('series_id').doUpdateSet(rest))
    .execute();
}

export async function forgetLags(db: Db, seriesIds: readonly number[]): Promise<void> {
  for (let i = 0; i < seriesIds.length; i += 500)
    await db
      .deleteFrom('quality_lag')
      .where('series_id', 'in', seriesIds.slice(i, i + 500))
      .execute();
}

/**
 * Flags a series' readings of [from, to] `behind`, as one run with the `behind` flags it
 * overlaps or touches (`read` gives the readings of a span). Returns the run's span, or undefined
 * when there are no readings.
 */
export async function flagBehind(
  db: Db,
  seriesId: number,
  from: number,
  to: number,
  read: (from: number, to: number) => Promise<{ times: ArrayLike<number>; values: ArrayLike<number> }>,
  checkedAt: number,
): Promise<{ from: number; to: number } | undefined> {
  const old = await db
    .selectFrom('quality_flag')
    .select(['id', 't_from', 't_to'])
    .where('series_id', '=', seriesId)
    .where('check', '=', 'behind')
    .where('t_from', '<=', to + 1)
    .where('t_to', '>=', from - 1)
    .execute();
  const a = Math.min(from, ...old.map((o) => o.t_from));
  const b = Math.max(to, ...old.map((o) => o.t_to));
  const points = await read(a, b);
  const n = points.times.length;
  if (n === 0) return undefined;
  if (old.length > 0)
    await db
      .deleteFrom('quality_flag')
      .where(
        'id',
        'in',
        old.map((o) => o.id),
      )
      .execute();
  await db
    .insertInto('quality_flag')
    .values({
      series_id: seriesId,
      check: 'behind',
      t_from: points.times[0],
      t_to: points.times[n - 1],
      count: n,
      value: points.values[0],
      checked_at: checkedAt,
    })
    .execute();
  return { from: points.times[0], to: points.times[n - 1] };
}

/**
 * The contracted-power bounds of power series: for each numeric series of a `power` sensor, the
 * spans in which its gateway served a dwelling with a contracted power (the gateway assignments,
 * so a reading is bounded by the dwelling of its time), in time order. Series named only, or
 * every power series; a series without such a span is left out.
 */
export async function contractedCeilings(
  db: Db,
  seriesIds?: readonly number[],
): Promise<Map<number, Ceiling[]>> {
  const out = new Map<number, Ceiling[]>();
  const query = (ids?: readonly number[]) => {
    let q = db
      .selectFrom('series as s')
      .innerJoin('sensor as se', 'se.id', 's.sensor_id')
      .innerJoin('gateway_assignment as a', 'a.gateway_id', 'se.gateway_id')
      .innerJoin('dwelling as d', 'd.id', 'a.dwelling_id')
      .select(['s.id as id', 'a.valid_from as from', 'a.valid_to as to', 'd.contracted_power_w as max'])
      .where('se.medium', '=', CONTRACTED_POWER_MEDIUM)
      .where('s.value_type', '=', 'number')
      .where('d.contracted_power_w', 'is not', null);
    if (ids) q = q.where('s.id', 'in', [...ids]);
    return q.orderBy('s.id').orderBy('a.valid_from').execute();
  };
  const batches: (readonly number[] | undefined)[] = [];
  if (!seriesIds) batches.push(undefined);
  else for (let i = 0; i < seriesIds.length; i += 500) batches.push(seriesIds.slice(i, i + 500));
  for (const ids of batches) {
    for (const r of await query(ids)) {
      const id = Number(r.id);
      const list = out.get(id) ?? [];
      list.push({ from: Number(r.from), to: r.to === null ? Infinity : Number(r.to), max: Number(r.max) });
      out.set(id, list);
    }
  }
  return out;
}

/** The bounds of a series as stored to compare with later: JSON `[[from, to or null, max], …]`. */
export const boundsKey = (ceilings: readonly Ceiling[]): string =>
  JSON.stringify(ceilings.map((c) => [c.from, c.to === Infinity ? null : c.to, c.max]));

/** The bounds each power series' readings were last checked with (series without bounds are absent). */
export async function listSeriesBounds(db: Db): Promise<Map<number, string>> {
  const rows = await db.selectFrom('quality_series_bound').select(['series_id', 'bounds']).execute();
  return new Map(rows.map((r) => [Number(r.series_id), r.bounds]));
}

/** Records the bounds a series' readings were checked with; none forgets them. */
export async function saveSeriesBounds(
  db: Db,
  seriesId: number,
  ceilings: readonly Ceiling[],
  now: number,
): Promise<void> {
  if (ceilings.length === 0) {
    await db.deleteFrom('quality_series_bound').where('series_id', '=', seriesId).execute();
    return;
  }
  const row = { bounds: boundsKey(ceilings), checked_at: now };
  await db
    .insertInto('quality_series_bound')
    .values({ series_id: seriesId, ...row })
    .onConflict((oc) => oc.column('series_id').doUpdateSet(row))
    .execute();
}
