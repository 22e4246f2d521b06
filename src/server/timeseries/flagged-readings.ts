import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { type BlockPoints, type HourRollup, rollupHours } from './block-codec.ts';
import type { SeriesCatalog } from './series-catalog.ts';
import type { TimeSeriesEngine } from './timeseries-engine.ts';
import type { LastReading } from './timeseries-io.ts';
import { HOUR_MS } from '#common/time.ts';

/** Readings of a series from `from` to `to` (epoch ms, inclusive) that failed a quality check. */
export interface FlaggedRun {
  from: number;
  to: number;
}

/**
 * Whether readings that failed a quality check count in hourly means and what is derived from
 * them: left out by default, included when asked.
 */
export type FlaggedChoice = 'exclude' | 'include';

/** Series ids per query, so that an IN list stays within both dialects' parameter limits. */
const CHUNK = 500;

/**
 * Hourly rollups without the readings the quality checks flagged (the `quality_flag` table,
 * kept by the quality module). The stored rollups hold every reading; an hour holding flagged
 * readings is rolled up again from its raw readings less the flagged ones, so only those hours
 * cost a read of raw readings.
 */
export class FlaggedReadings {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly catalog: SeriesCatalog,
  ) {}

  /** The series with flagged readings within [from, to] (few, on data worth keeping). */
  async seriesFlagged(from: number, to: number): Promise<Set<number>> {
    const rows = await this.db
      .selectFrom('quality_flag')
      .select('series_id')
      .distinct()
      .where('t_from', '<=', to)
      .where('t_to', '>=', from)
      .execute();
    return new Set(rows.map((r) => r.series_id));
  }

  /** The flagged runs of each series overlapping [from, to], in time order; series without any are left out. */
  async runs(seriesIds: readonly number[], from: number, to: number): Promise<Map<number, FlaggedRun[]>> {
    const out = new Map<number, FlaggedRun[]>();
    const ids = [...new Set(seriesIds)];
    for (let i = 0; i < ids.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('quality_flag')
        .select(['series_id', 't_from', 't_to'])
        .where('series_id', 'in', ids.slice(i, i + CHUNK))
        .where('t_from', '<=', to)
        .where('t_to', '>=', from)
        .orderBy('series_id')
        .orderBy('t_from')
        .execute();
      for (const r of rows) {
        const list = out.get(r.series_id) ?? [];
        list.push({ from: r.t_from, to: r.t_to });
        out.set(r.series_id, list);
      }
    }
    return out;
  }

  /**
   * The hourly rollups of a series for the hours starting within [from, to], leaving out the
   * readings within `runs` (looked up when not given). An hour whose readings were all flagged
   * is left out.
   */
  async readHours(seriesId: number, from: number, to: number, runs?: FlaggedRun[]): Promise<HourRollup[]> {
    const hours = await this.engine.readHours(seriesId, from, to);
    if (hours.length === 0) return hours;
    const flagged =
      runs ??
      (
        await this.runs(
          [seriesId],
          Math.floor(from / HOUR_MS) * HOUR_MS,
          Math.floor(to / HOUR_MS) * HOUR_MS + HOUR_MS - 1,
        )
      ).get(seriesId) ??
      [];
    return this.leaveOut(seriesId, hours, flagged);
  }

  /**
   * The last reading strictly before `t` that no quality check flagged (cumulative meters step
   * from it to their next reading left in); each flagged one found sends the search back before
   * the start of its run.
   */
  async readingBefore(seriesId: number, t: number): Promise<LastReading | undefined> {
    for (let before = t; ;) {
      const reading = await this.engine.readingBefore(seriesId, before);
      if (!reading) return undefined;
      const run = await this.db
        .selectFrom('quality_flag')
        .select((eb) => eb.fn.min('t_from').as('from'))
        .where('series_id', '=', seriesId)
        .where('t_from', '<=', reading.t)
        .where('t_to', '>=', reading.t)
        .executeTakeFirst();
      if (run?.from === null || run?.from === undefined) return reading;
      before = Number(run.from);
    }
  }

  /**
   * `hours` (a series' stored hourly rollups, in time order) without the readings within
   * `runs`: the hours the runs touch are rolled up again from their raw readings. An hour whose
   * readings were all flagged is left out.
   */
  async leaveOut(seriesId: number, hours: HourRollup[], runs: FlaggedRun[]): Promise<HourRollup[]> {
    if (runs.length === 0 || hours.length === 0) return hours;
    const touched = hoursOf(runs);
    const affected = hours.filter((h) => touched.has(h.hour));
    if (affected.length === 0) return hours;
    const cumulative = this.catalog.isCumulative(seriesId);
    const redone: HourRollup[] = [];
    // Contiguous affected hours are read together.
    for (let i = 0; i < affected.length;) {
      let j = i;
      while (j + 1 < affected.length && affected[j + 1].hour === affected[j].hour + HOUR_MS) j++;
      const points = await this.engine.readPoints(seriesId, affected[i].hour, affected[j].hour + HOUR_MS - 1);
      redone.push(...rollupHours(without(points, runs), cumulative));
      i = j + 1;
    }
    return [...hours.filter((h) => !touched.has(h.hour)), ...redone].sort((a, b) => a.hour - b.hour);
  }
}

/** Starts of the hours the runs touch. */
function hoursOf(runs: FlaggedRun[]): Set<number> {
  const out = new Set<number>();
  for (const r of runs)
    for (let h = Math.floor(r.from / HOUR_MS) * HOUR_MS; h <= r.to; h += HOUR_MS) out.add(h);
  return out;
}

/** The points outside every run (runs in time order). */
export function without(points: BlockPoints, runs: FlaggedRun[]): BlockPoints {
  const times: number[] = [];
  const values: number[] = [];
  let r = 0;
  for (let i = 0; i < points.times.length; i++) {
    const t = points.times[i];
    while (r < runs.length && runs[r].to < t) r++;
    // Runs may overlap (several checks): look on while a later one starts at or before t.
    let inside = false;
    for (let k = r; k < runs.length && runs[k].from <= t; k++) {
      if (runs[k].to >= t) {
        inside = true;
        break;
      }
    }
    if (!inside) {
      times.push(t);
      values.push(points.values[i]);
    }
  }
  return { times: Float64Array.from(times), values: Float64Array.from(values) };
}
