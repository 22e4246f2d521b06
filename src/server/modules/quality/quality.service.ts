import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type {
  QualityFlags,
  QualityRules,
  QualitySettings,
  QualitySettingsUpdate,
} from '#common/api/quality.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest } from '../../plugins/errors.ts';
import type { SeriesChange } from '../../timeseries/timeseries-io.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import type { ReadingsService } from '../readings/readings.service.ts';
import {
  type Ceiling,
  checkReadings,
  CONTRACTED_POWER_MEDIUM,
  defaultRules,
  type FlagRun,
  flatEnds,
  flatRuns,
  LEVEL_SHIFT_MS,
  neighboursMoved,
  type StuckJudge,
} from './checks.ts';
import {
  blockSpan,
  boundsKey,
  contractedCeilings,
  flagsOverlapping,
  flagsSince,
  listFlags,
  listMedia,
  listSeriesBounds,
  listSettings,
  markRechecked,
  mediaDue,
  neighbourSeries,
  mediumOfSeries,
  replaceFlags,
  rulesOf,
  saveSeriesBounds,
  saveSetting,
  seriesOfMedium,
  seriesWithFlags,
} from './quality.store.ts';
import { HOUR_MS } from '#common/time.ts';

export const QUALITY_JOB = 'quality-checks';

/** A check that a series' latest readings fail. */
export interface FailingCheck {
  check: string;
  /** The first reading flagged within the window. */
  from: number;
  /** When the newest of those flags was set. */
  checkedAt: number;
}
export const QUALITY_RECHECK_JOB = 'quality-recheck';

/** Told of the hours whose flags changed, so that what was derived from them is computed again. */
export type FlagsChanged = (changes: SeriesChange[], now: number) => Promise<void>;

/**
 * Data quality: the checks of each medium (defaults, with an admin's changes), the flags of the
 * readings that fail them, kept current as readings arrive (the change feed) and as the rules
 * change. Readings are never changed or deleted.
 */
export class QualityService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly readings: ReadingsService,
    private readonly logger: Logger,
    private readonly onFlagsChanged: FlagsChanged = async () => {},
  ) {}

  private readonly listeners: FlagsChanged[] = [];

  /** Tells `listener` too of the hours whose flags change (what a module opened later derives from readings). */
  whenFlagsChange(listener: FlagsChanged): void {
    this.listeners.push(listener);
  }

  private async flagsChanged(changes: SeriesChange[], now: number): Promise<void> {
    await this.onFlagsChanged(changes, now);
    for (const listener of this.listeners) await listener(changes, now);
  }

  // ------------------------------------------------------------ settings

  async settings(): Promise<QualitySettings> {
    const stored = new Map((await listSettings(this.db)).map((r) => [r.medium, r]));
    return {
      media: (await listMedia(this.db)).map((m) => {
        const row = stored.get(m.name);
        return {
          medium: m.name,
          unit: m.unit,
          rules: row ? rulesOf(row) : defaultRules(m.name),
          defaults: defaultRules(m.name),
          updatedAt: row?.updated_at ?? null,
          recheckedAt: row?.rechecked_at ?? null,
        };
      }),
    };
  }

  /**
   * Changes the rules of the media named (null: back to the defaults). Their readings are checked
   * again by the re-check job. Refused whole, naming the medium, when one is unknown or its rules
   * contradict themselves.
   */
  async updateSettings(update: QualitySettingsUpdate, now: number): Promise<QualitySettings> {
    const known = new Set((await listMedia(this.db)).map((m) => m.name));
    const seen = new Set<string>();
    update.media.forEach((m, i) => {
      const at = `media[${i}]`;
      if (!known.has(m.medium)) throw badRequest(`${at}.medium: there is no medium "${m.medium}".`);
      if (seen.has(m.medium)) throw badRequest(`${at}.medium: "${m.medium}" is named twice.`);
      seen.add(m.medium);
      const r = m.rules;
      if (r && r.min !== null && r.max !== null && r.min > r.max)
        throw badRequest(`${at}.rules: min (${r.min}) is above max (${r.max}) for ${m.medium}.`);
      if (r && r.resetBelow !== null && !r.neverDecreasing)
        throw badRequest(`${at}.rules.resetBelow: only a never-decreasing meter is reset (${m.medium}).`);
    });
    await this.db.transaction().execute(async (trx) => {
      for (const m of update.media) await saveSetting(trx, m.medium, m.rules ?? defaultRules(m.medium), now);
    });
    return this.settings();
  }

  /** The rules in force, by medium. */
  async rules(): Promise<(medium: string) => QualityRules> {
    const stored = new Map((await listSettings(this.db)).map((r) => [r.medium, rulesOf(r)]));
    return (medium) => stored.get(medium) ?? defaultRules(medium);
  }

  // ------------------------------------------------------------ checking

  /**
   * Checks the hours the change feed reports (new, late and overwritten readings), with enough
   * readings around them to see a stuck run or a lasting step whole.
   */
  async onChanges(changes: readonly SeriesChange[], now: number): Promise<number> {
    const bySeries = new Map<number, { from: number; to: number }[]>();
    for (const c of changes) {
      const list = bySeries.get(c.seriesId) ?? [];
      list.push({ from: c.hourFrom, to: c.hourTo + HOUR_MS - 1 });
      bySeries.set(c.seriesId, list);
    }
    const media = await mediumOfSeries(this.db, [...bySeries.keys()]);
    const flagged = await seriesWithFlags(this.db, [...media.keys()]);
    const rules = await this.rules();
    const ceilings = await this.ceilingsOf(media);
    const changed: SeriesChange[] = [];
    let checked = 0;
    for (const [seriesId, ranges] of bySeries) {
      const medium = media.get(seriesId);
      if (medium === undefined) continue;
      for (const r of merge(ranges)) {
        changed.push(
          ...(await this.checkSeries(
            seriesId,
            r.from,
            r.to,
            rules(medium),
            now,
            flagged.has(seriesId),
            ceilings.get(seriesId),
          )),
        );
        checked++;
      }
    }
    if (changed.length > 0) await this.flagsChanged(changed, now);
    return checked;
  }

  /**
   * Checks again the whole history of the media whose rules changed, then of the power series
   * whose contracted-power bounds changed.
   */
  async recheckDue(now: number): Promise<number> {
    let series = 0;
    for (const medium of await mediaDue(this.db)) {
      series += await this.recheckMedium(medium, now);
      await markRechecked(this.db, medium, now);
    }
    return series + (await this.recheckBounds(now));
  }

  /** Checks again the whole history of the series of a medium; returns how many series. */
  async recheckMedium(medium: string, now: number, seriesIds?: readonly number[]): Promise<number> {
    const rules = (await this.rules())(medium);
    const ids = seriesIds ?? (await seriesOfMedium(this.db, medium));
    const bounded = medium === CONTRACTED_POWER_MEDIUM;
    const ceilings = bounded ? await contractedCeilings(this.db, ids) : new Map<number, Ceiling[]>();
    const changed: SeriesChange[] = [];
    for (const seriesId of ids) {
      const own = ceilings.get(seriesId) ?? [];
      const span = await blockSpan(this.db, seriesId);
      if (span)
        changed.push(...(await this.checkSeries(seriesId, span.from, span.to, rules, now, true, own)));
      if (bounded) await saveSeriesBounds(this.db, seriesId, own, now);
    }
    if (changed.length > 0) await this.flagsChanged(changed, now);
    this.logger.debug({ medium, series: ids.length }, 'readings checked again');
    return ids.length;
  }

  /**
   * Checks again the whole history of the power series whose contracted-power bounds differ from
   * those their readings were last checked with: a dwelling's contracted power was set, changed or
   * cleared (over the API, an import or an installation), or a gateway moved between dwellings.
   * Comparing with what was checked, rather than being told of each change, catches every way
   * the registry changes and survives a restart between the change and the check. Returns how
   * many series.
   */
  async recheckBounds(now: number): Promise<number> {
    const current = await contractedCeilings(this.db);
    const checked = await listSeriesBounds(this.db);
    const due = new Set<number>();
    for (const [id, c] of current) if (checked.get(id) !== boundsKey(c)) due.add(id);
    for (const id of checked.keys()) if (!current.has(id)) due.add(id);
    if (due.size === 0) return 0;
    const rules = (await this.rules())(CONTRACTED_POWER_MEDIUM);
    const changed: SeriesChange[] = [];
    for (const seriesId of due) {
      const own = current.get(seriesId) ?? [];
      const span = await blockSpan(this.db, seriesId);
      if (span)
        changed.push(...(await this.checkSeries(seriesId, span.from, span.to, rules, now, true, own)));
      await saveSeriesBounds(this.db, seriesId, own, now);
    }
    if (changed.length > 0) await this.flagsChanged(changed, now);
    this.logger.debug({ series: due.size }, 'power readings checked again against contracted powers');
    return due.size;
  }

  /** The contracted-power bounds of the power series among those named (by series). */
  private async ceilingsOf(media: ReadonlyMap<number, string>): Promise<Map<number, Ceiling[]>> {
    const power = [...media].filter(([, m]) => m === CONTRACTED_POWER_MEDIUM).map(([id]) => id);
    return power.length === 0 ? new Map() : contractedCeilings(this.db, power);
  }

  /**
   * Checks a series' readings of [from, to] and replaces their flags. The readings read reach
   * beyond the range by the longest run a check looks at, and over any flagged run it overlaps,
   * so that a run is judged whole. Returns the hours whose flags changed.
   */
  async checkSeries(
    seriesId: number,
    from: number,
    to: number,
    rules: QualityRules,
    now: number,
    /** False when the series is known to have no flag at all (spares a query). */
    mayHaveFlags = true,
    /** Spans whose own upper bound replaces `rules.max` (the contracted power of a power series' dwelling). */
    ceilings: readonly Ceiling[] = [],
  ): Promise<SeriesChange[]> {
    // Steps are judged with two hours around; a stuck run only when readings at an edge of the
    // window are flat into the checked hours, then with the stuck time around.
    const margin = 2 * LEVEL_SHIFT_MS;
    let a = from - margin;
    let b = to + margin;
    const before = mayHaveFlags ? await flagsOverlapping(this.db, seriesId, a, b) : [];
    for (const f of before) {
      a = Math.min(a, f.t_from);
      b = Math.max(b, f.t_to);
    }
    let points = await this.engine.readCompactedPoints(seriesId, a, b);
    if (rules.stuckHours !== null && points.times.length > 0) {
      const { headTo, tailFrom } = flatEnds(points, rules.resolution);
      const stuckMs = rules.stuckHours * HOUR_MS;
      // Back only when there are readings before the checked hours (not at a series' first).
      const earlier = headTo >= from && points.times[0] < from ? a - stuckMs : a;
      // Forward only when readings go on past the window (not at the newest readings).
      const last = points.times[points.times.length - 1];
      const later = tailFrom <= to && last > b - LEVEL_SHIFT_MS ? b + stuckMs : b;
      if (earlier < a || later > b) {
        const extra = mayHaveFlags ? await flagsOverlapping(this.db, seriesId, earlier, later) : [];
        a = Math.min(earlier, ...extra.map((f) => f.t_from));
        b = Math.max(later, ...extra.map((f) => f.t_to));
        for (const f of extra) if (!before.some((g) => g.id === f.id)) before.push(f);
        before.sort((x, y) => x.t_from - y.t_from);
        points = await this.engine.readCompactedPoints(seriesId, a, b);
      }
    }
    const runs =
      points.times.length > 0
        ? checkReadings(points, rules, now, await this.stuckJudge(seriesId, points, rules), ceilings)
        : [];
    const same =
      runs.length === before.length &&
      runs.every((r, i) => {
        const f = before[i];
        return f.check === r.check && f.t_from === r.from && f.t_to === r.to && f.count === r.count;
      });
    if (same) return [];
    await this.db.transaction().execute((trx) => replaceFlags(trx, seriesId, a, b, runs, now));
    return changedHours(
      seriesId,
      before.map((f) => ({ from: f.t_from, to: f.t_to })),
      runs,
    );
  }

  /**
   * How the flat runs of a series' readings are judged: by its neighbours' hourly rollups over the
   * hours of those runs (read only when there is a run long enough to be stuck).
   */
  private async stuckJudge(
    seriesId: number,
    points: { times: ArrayLike<number>; values: ArrayLike<number> },
    rules: QualityRules,
  ): Promise<StuckJudge | undefined> {
    if (rules.stuckHours === null) return undefined;
    const runs = flatRuns(points, rules.resolution, rules.stuckHours * HOUR_MS);
    if (runs.length === 0) return undefined;
    const neighbours = await neighbourSeries(this.db, seriesId);
    if (neighbours.length === 0) return undefined;
    // Each run's hours only: a re-check of a year may find runs months apart.
    const hours = [];
    for (const id of neighbours) {
      const own = [];
      for (const r of runs)
        own.push(...(await this.engine.readHours(id, points.times[r.start], points.times[r.end])));
      hours.push(own);
    }
    return neighboursMoved(hours, rules.resolution);
  }

  // ------------------------------------------------------------ reading

  /**
   * The checks that a series' latest readings fail: those with a flag within `windowMs` before
   * its latest reading (given by series), with the first flagged time and when it was flagged.
   * The quality incidents are opened and closed from this.
   */
  async failingNow(
    latest: ReadonlyMap<number, number>,
    windowMs: number,
  ): Promise<Map<number, FailingCheck[]>> {
    const out = new Map<number, FailingCheck[]>();
    if (latest.size === 0) return out;
    // A city's series are too many to spread into Math.min's arguments.
    let oldest = Number.POSITIVE_INFINITY;
    for (const t of latest.values()) if (t < oldest) oldest = t;
    const since = oldest - windowMs;
    for (const f of await flagsSince(this.db, [...latest.keys()], since)) {
      const last = latest.get(f.series_id);
      if (last === undefined || f.t_to < last - windowMs) continue;
      const list = out.get(f.series_id) ?? [];
      const same = list.find((c) => c.check === f.check);
      if (same) {
        same.from = Math.min(same.from, f.t_from);
        same.checkedAt = Math.max(same.checkedAt, f.checked_at);
      } else list.push({ check: f.check, from: f.t_from, checkedAt: f.checked_at });
      out.set(f.series_id, list);
    }
    return out;
  }

  /** The flagged runs of a sensor's readings within [from, to], for whom may read the sensor. */
  async flags(
    sensorId: number,
    from: number,
    to: number,
    limit: number,
    principal: Principal,
  ): Promise<QualityFlags> {
    if (!(to >= from)) throw badRequest(`to: the range ends (${to}) before it starts (${from}).`);
    const sensor = await this.readings.sensor({ sensorId }, principal);
    const rows = await listFlags(this.db, [sensor.seriesId], from, to, limit + 1);
    return {
      flags: rows.slice(0, limit).map((r) => ({
        sensorId,
        medium: sensor.medium,
        check: r.check,
        from: r.t_from,
        to: r.t_to,
        count: r.count,
        value: r.value,
        checkedAt: r.checked_at,
      })),
      truncated: rows.length > limit,
    };
  }
}

function merge(ranges: { from: number; to: number }[]): { from: number; to: number }[] {
  const sorted = [...ranges].sort((x, y) => x.from - y.from);
  const out: { from: number; to: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to + 1) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/** The hours covered by the flags before and after, one change per merged span. */
function changedHours(
  seriesId: number,
  before: { from: number; to: number }[],
  after: readonly FlagRun[],
): SeriesChange[] {
  const spans = merge([...before, ...after.map((r) => ({ from: r.from, to: r.to }))]);
  return spans.map((s) => ({
    seriesId,
    hourFrom: Math.floor(s.from / HOUR_MS) * HOUR_MS,
    hourTo: Math.floor(s.to / HOUR_MS) * HOUR_MS,
  }));
}
