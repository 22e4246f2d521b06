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
  flagBehind,
  boundsKey,
  contractedCeilings,
  flagsOverlapping,
  forgetLags,
  type LagRow,
  lagsOf,
  flagsSince,
  listFlags,
  listMedia,
  listSeriesBounds,
  listSettings,
  markRechecked,
  mediaDue,
  neighbourSeries,
  neighboursOf,
  mediumOfSeries,
  replaceFlags,
  rulesOf,
  saveLag,
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

/**
 * Readings of hours that ended this long before they are checked are late: they have the flat
 * runs of their neighbours in those hours judged again.
 */
export const LATE_MS = HOUR_MS;

/** How long readings must keep arriving behind their time to be a clock running behind. */
export const BEHIND_CONFIRM_MS = 6 * HOUR_MS;
/** Runs of the job that must find a series behind before its readings are flagged. */
export const BEHIND_MIN_RUNS = 3;
/** A series that sent nothing late for longer than this starts over (imports now and then are no clock). */
export const BEHIND_MAX_GAP_MS = 2 * HOUR_MS;

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
    const neighbours = await this.neighboursToRecheck(bySeries, media, rules, now);
    const neighbourMedia = new Map([...neighbours.keys()].map((id) => [id, media.get(id)!]));
    const neighbourCeilings = await this.ceilingsOf(neighbourMedia);
    for (const [seriesId, ranges] of neighbours) {
      const rule = rules(neighbourMedia.get(seriesId)!);
      for (const r of merge(ranges)) {
        changed.push(
          ...(await this.checkSeries(
            seriesId,
            r.from,
            r.to,
            rule,
            now,
            true,
            neighbourCeilings.get(seriesId),
          )),
        );
        checked++;
      }
    }
    changed.push(...(await this.checkArrival(bySeries, media, rules, now)));
    if (changed.length > 0) await this.flagsChanged(changed, now);
    return checked;
  }

  /**
   * The `behind` check: a gateway whose clock runs behind sends readings that arrive, run after
   * run of the job, long after their time. A series is behind in a run when the newest hour the
   * change feed reports for it ended more than `maxPastS` before the run; once that has held for
   * `BEHIND_CONFIRM_MS` over at least `BEHIND_MIN_RUNS` runs, with no gap of more than
   * `BEHIND_MAX_GAP_MS` between them (a daily import of yesterday's readings is not a clock), its
   * readings are flagged `behind` from the first late one on, and so are those that keep arriving
   * late. A run that finds it caught up (a buffer sent after an outage ends with the current
   * readings) forgets it; what was flagged stays flagged. Returns the hours whose flags changed.
   */
  private async checkArrival(
    bySeries: ReadonlyMap<number, { from: number; to: number }[]>,
    media: ReadonlyMap<number, string>,
    rules: (medium: string) => QualityRules,
    now: number,
  ): Promise<SeriesChange[]> {
    const late = new Map<number, { from: number; to: number }>();
    const onTime: number[] = [];
    for (const [seriesId, ranges] of bySeries) {
      const medium = media.get(seriesId);
      const maxPastS = medium === undefined ? null : rules(medium).maxPastS;
      if (maxPastS === null) continue;
      let from = Infinity;
      let to = -Infinity;
      for (const r of ranges) {
        from = Math.min(from, r.from);
        to = Math.max(to, r.to);
      }
      if (to < now - maxPastS * 1000) late.set(seriesId, { from, to });
      else onTime.push(seriesId);
    }
    const known = await lagsOf(this.db, [...late.keys(), ...onTime]);
    const caughtUp = onTime.filter((id) => known.has(id));
    if (caughtUp.length > 0) await forgetLags(this.db, caughtUp);
    const changed: SeriesChange[] = [];
    for (const [seriesId, span] of late) {
      const was = known.get(seriesId);
      const lag: LagRow =
        was && now - was.last_at <= BEHIND_MAX_GAP_MS
          ? { ...was, last_at: now, runs: was.runs + 1, t_from: Math.min(was.t_from, span.from) }
          : { series_id: seriesId, since: now, last_at: now, runs: 1, t_from: span.from, confirmed: 0 };
      const due = lag.runs >= BEHIND_MIN_RUNS && now - lag.since >= BEHIND_CONFIRM_MS;
      if (due) {
        // From the first late reading when it is confirmed, then what each run brings.
        const from = lag.confirmed ? span.from : lag.t_from;
        lag.confirmed = 1;
        const run = await this.db
          .transaction()
          .execute((trx) =>
            flagBehind(
              trx,
              seriesId,
              from,
              span.to,
              (a, b) => this.engine.readCompactedPoints(seriesId, a, b),
              now,
            ),
          );
        if (run)
          changed.push(...changedHours(seriesId, [], [{ check: 'behind', ...run, count: 0, value: 0 }]));
      }
      await saveLag(this.db, lag);
    }
    return changed;
  }

  /**
   * The neighbours whose flat runs late readings may judge differently. Whether a flat run is a
   * stuck sensor depends on the other sensors of its medium in the building (see
   * `neighboursMoved`); a run is judged as its own readings arrive, so readings of a neighbour
   * that arrive later for the same hours (a gateway sending its buffer, a gap filled from the
   * manufacturer, an overwrite) have the run judged again. Live readings do not: the hours of a
   * run still going on are checked again with its own next readings.
   */
  private async neighboursToRecheck(
    bySeries: ReadonlyMap<number, { from: number; to: number }[]>,
    media: Map<number, string>,
    rules: (medium: string) => QualityRules,
    now: number,
  ): Promise<Map<number, { from: number; to: number }[]>> {
    const out = new Map<number, { from: number; to: number }[]>();
    const lateBefore = now - LATE_MS;
    const lateOf = new Map<number, { from: number; to: number }[]>();
    for (const [seriesId, ranges] of bySeries) {
      const medium = media.get(seriesId);
      if (medium === undefined || rules(medium).stuckHours === null) continue;
      const late = ranges.filter((r) => r.to < lateBefore);
      if (late.length > 0) lateOf.set(seriesId, late);
    }
    if (lateOf.size === 0) return out;
    const neighbours = await neighboursOf(this.db, [...lateOf.keys()]);
    for (const [seriesId, late] of lateOf) {
      const medium = media.get(seriesId)!;
      for (const neighbour of neighbours.get(seriesId) ?? []) {
        const own = bySeries.get(neighbour) ?? [];
        const list = out.get(neighbour) ?? [];
        // Hours the neighbour's own readings already had checked in this round are not checked twice.
        for (const r of late) if (!own.some((o) => o.from <= r.from && o.to >= r.to)) list.push(r);
        if (list.length > 0) {
          out.set(neighbour, list);
          media.set(neighbour, medium);
        }
      }
    }
    return out;
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
