import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database, GroupLevel } from '../../db/schema.ts';
import { listScopedSeries } from '../../places/places.store.ts';
import type { GroupBucket } from '../../timeseries/aggregate.ts';
import { intervalIndex } from '../../timeseries/calendar.ts';
import { consumeChanges } from '../../timeseries/change-feed.ts';
import type { FlaggedChoice, FlaggedReadings } from '../../timeseries/flagged-readings.ts';
import type { SeriesCatalog } from '../../timeseries/series-catalog.ts';
import type { SeriesChange } from '../../timeseries/timeseries-io.ts';
import { MIN_TIME } from '../../timeseries/timeseries-io.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import {
  appliedLinks,
  appliedSpans,
  buildingsOfGatewaySpans,
  countStoredMembers,
  currentLinks,
  currentSpans,
  forgetApplied,
  gatewaysOfNewSeries,
  type GroupHour,
  linksOfBuildings,
  mostDwellings,
  mediaOfGateways,
  nextBlockStart,
  readCursor,
  readGroupHours,
  rebuildMembers,
  recomputeGroupFromBuildings,
  recordApplied,
  replaceBuildingHours,
  type RollupLink,
  type RollupSpan,
  spansOfSeries,
  writeCursor,
} from './group-rollup.store.ts';
import { HOUR_MS } from '#common/time.ts';

/** The job that keeps the group rollups (tests run it with `scheduler.run(name)`). */
export const GROUP_ROLLUP_JOB = 'group-rollups';

/** The last series whose sensor the member rows count (new sensors join their groups). */
const SERIES_CURSOR = `${GROUP_ROLLUP_JOB}:series`;

/** The last hour any rollup can hold, epoch ms. */
const MAX_HOUR = -MIN_TIME;

/** A range of hour starts, both ends included, epoch ms. */
interface HourRange {
  from: number;
  to: number;
}

/** A building's hours of one medium computed from its members, and the dwellings with readings. */
export interface ComputedHours {
  hours: GroupHour[];
  dwellings: Set<number>;
}

/**
 * Building, district and organisation hourly means per medium, kept from the change feed. A
 * building's hour holds the sum and count of its member sensors' hourly means (hourly
 * consumption for cumulative meters: the increase within the hour plus the step from the
 * previous reading), computed again from the members' hourly rollups whenever one of them
 * changes; a district's or organisation's hour is the sum of its buildings' hours. A gateway
 * moved, a dwelling or building moved, or a building joining an organisation shows as a
 * difference between the registry and what the rollups were computed with, and the hours it
 * touches are computed again. The readings a quality check flagged are left out of the means
 * and counted apart (`flagged`); the quality module reports the hours whose flags change
 * ({@link recomputeFlagged}).
 */
export class GroupRollups {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly catalog: SeriesCatalog,
    private readonly flagged: FlaggedReadings,
    private readonly logger?: Logger,
  ) {}

  /** The work in progress: the job's runs and the flags' recomputations take turns. */
  private running: Promise<unknown> = Promise.resolve();

  /** Runs `work` once what was started before it has finished, so that two never write the same hours at once. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const next = this.running.then(work, work);
    this.running = next.catch(() => undefined);
    return next;
  }

  /** Once true, true for good: the rollups are only ever computed again in place. */
  private computed = false;

  /** Whether the rollups have been computed once: until then a group is computed from its members. */
  async ready(): Promise<boolean> {
    if (!this.computed) this.computed = (await readCursor(this.db, GROUP_ROLLUP_JOB)) !== undefined;
    return this.computed;
  }

  /** How many sensors of one medium served a group at some time in [from, to] (epoch ms). */
  members(level: GroupLevel, groupId: number, medium: string, from: number, to: number): Promise<number> {
    return countStoredMembers(this.db, level, groupId, medium, from, to);
  }

  /** Stored hours of a group of one medium whose start lies in [from, to]. */
  read(level: GroupLevel, groupId: number, medium: string, from: number, to: number) {
    return readGroupHours(this.db, level, groupId, medium, from, to);
  }

  /** The most distinct dwellings with readings in one stored hour of [from, to] of a group. */
  mostDwellings(
    level: GroupLevel,
    groupId: number,
    medium: string,
    from: number,
    to: number,
  ): Promise<number> {
    return mostDwellings(this.db, level, groupId, medium, from, to);
  }

  /**
   * One run of the job: on the first run (or after one that failed before finishing it) every
   * group is computed from the members' whole history; then the registry's differences, then
   * the hours the change feed reports.
   */
  runJob(): Promise<{ buildings: number; changes: number }> {
    return this.inTurn(() => this.run());
  }

  /**
   * Computes again the group hours that hold readings whose quality flags changed (a check run
   * on new readings, or rules changed and the readings checked again). Before the first run of
   * the job there is nothing stored to correct: that run reads the flags as they are then.
   */
  recomputeFlagged(changes: readonly SeriesChange[]): Promise<void> {
    return this.inTurn(async () => {
      if (changes.length === 0 || !(await this.ready())) return;
      await this.applyChanges(changes);
    });
  }

  private async run(): Promise<{ buildings: number; changes: number }> {
    let start: { change: number; series: number } | undefined;
    if (!(await this.ready())) {
      // The history is computed whole below; the feed is read from here on.
      start = { change: await this.lastChangeId(), series: (await gatewaysOfNewSeries(this.db, 0)).last };
      await forgetApplied(this.db);
    }
    let buildings = await this.applyRegistry();
    if (start !== undefined) {
      await writeCursor(this.db, SERIES_CURSOR, start.series);
      await writeCursor(this.db, GROUP_ROLLUP_JOB, start.change);
    } else buildings += await this.applyNewSensors();
    const changes = await consumeChanges(this.db, this.engine.io, GROUP_ROLLUP_JOB, (batch) =>
      this.applyChanges(batch),
    );
    if (buildings > 0 || changes > 0) this.logger?.debug({ buildings, changes }, 'group rollups computed');
    return { buildings, changes };
  }

  /**
   * A building's hours of one medium within [from, to] (hour starts) from its members' hourly
   * rollups. A sensor counts once an hour however many of its spans in the building cover it.
   * The readings a quality check flagged are left out (`exclude`, what the rollups store) or
   * kept (`include`); either way each hour counts them in `flagged`, and an hour whose readings
   * were all flagged and left out is there with a count of 0.
   */
  async computeBuilding(
    buildingId: number,
    medium: string,
    from: number,
    to: number,
    choice: FlaggedChoice = 'exclude',
  ): Promise<ComputedHours> {
    const members = (await listScopedSeries(this.db, { buildingId }, 'all', medium)).filter(
      (m) => m.from <= to + HOUR_MS - 1 && m.to > from,
    );
    // The flagged runs of every member at once: most have none.
    const runs = await this.flagged.runs(
      members.map((m) => m.seriesId),
      from,
      to + HOUR_MS - 1,
    );
    const byHour = new Map<number, HourAcc>();
    const hourAcc = (hour: number) => {
      let acc = byHour.get(hour);
      if (!acc)
        byHour.set(
          hour,
          (acc = { sum: 0, count: 0, min: Infinity, max: -Infinity, flagged: 0, dwellings: new Set() }),
        );
      return acc;
    };
    const seen = new Set<string>();
    const seenFlagged = new Set<string>();
    const dwellings = new Set<number>();
    for (const m of members) {
      const a = Math.max(from, m.from);
      const b = Math.min(to + HOUR_MS - 1, m.to - 1);
      if (a > b) continue;
      const cumulative = this.catalog.isCumulative(m.seriesId);
      const all = await this.engine.readHours(m.seriesId, a, b);
      const memberRuns = runs.get(m.seriesId);
      const kept = memberRuns ? await this.flagged.leaveOut(m.seriesId, all, memberRuns) : all;
      if (kept !== all) {
        const keptCount = new Map(kept.map((h) => [h.hour, h.count]));
        for (const h of all) {
          const left = h.count - (keptCount.get(h.hour) ?? 0);
          const key = `${m.sensorId}:${h.hour}`;
          if (left <= 0 || h.hour < from || h.hour > to || seenFlagged.has(key)) continue;
          seenFlagged.add(key);
          hourAcc(h.hour).flagged += left;
        }
      }
      const hours = choice === 'exclude' ? kept : all;
      const before = choice === 'exclude' ? this.flagged : this.engine;
      let previous =
        cumulative && hours.length > 0
          ? (await before.readingBefore(m.seriesId, hours[0].hour))?.v
          : undefined;
      for (const h of hours) {
        const step = previous !== undefined && h.first >= previous ? h.first - previous : 0;
        previous = h.last;
        if (h.count === 0 || h.hour < from || h.hour > to) continue;
        const value = cumulative ? h.increase + step : h.sum / h.count;
        const acc = hourAcc(h.hour);
        if (m.dwellingId !== null) {
          acc.dwellings.add(m.dwellingId);
          dwellings.add(m.dwellingId);
        }
        const key = `${m.sensorId}:${h.hour}`;
        if (seen.has(key)) continue;
        seen.add(key);
        acc.sum += value;
        acc.count++;
        acc.min = Math.min(acc.min, value);
        acc.max = Math.max(acc.max, value);
      }
    }
    const out = [...byHour]
      .sort((x, y) => x[0] - y[0])
      .map(([hour, a]) => ({
        hour,
        sum: a.sum,
        count: a.count,
        // An hour of flagged readings only has no lowest or highest; the columns want a number.
        min: a.count === 0 ? 0 : a.min,
        max: a.count === 0 ? 0 : a.max,
        dwellings: a.dwellings.size,
        flagged: a.flagged,
      }));
    return { hours: out, dwellings };
  }

  /** A district's hours computed from its buildings' members, without the stored rows. */
  async computeDistrict(
    districtId: number,
    medium: string,
    from: number,
    to: number,
    choice: FlaggedChoice = 'exclude',
  ): Promise<ComputedHours> {
    const buildings = await this.db
      .selectFrom('building')
      .select('id')
      .where('district_id', '=', districtId)
      .orderBy('id')
      .execute();
    const parts: GroupHour[][] = [];
    const dwellings = new Set<number>();
    for (const b of buildings) {
      const got = await this.computeBuilding(Number(b.id), medium, from, to, choice);
      parts.push(got.hours);
      for (const d of got.dwellings) dwellings.add(d);
    }
    return { hours: mergeHours(parts), dwellings };
  }

  // ---------------------------------------------------------------- maintenance

  private async lastChangeId(): Promise<number> {
    const row = await this.db
      .selectFrom('ts_change')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return row?.id === null || row?.id === undefined ? 0 : Number(row.id);
  }

  /** Computes again what the registry's changes since the last run touch; the number of buildings. */
  private async applyRegistry(): Promise<number> {
    const spans = diff(await currentSpans(this.db), await appliedSpans(this.db), spanKey);
    const links = diff(await currentLinks(this.db), await appliedLinks(this.db), linkKey);
    if (spans.added.length + spans.removed.length + links.added.length + links.removed.length === 0) return 0;
    const gateways = [...new Set([...spans.added, ...spans.removed].map((s) => s.gatewayId))];
    const media = await mediaOfGateways(this.db, gateways);
    const work = new RangeSet();
    for (const s of [...spans.added, ...spans.removed]) {
      const range = { from: floorHour(s.from), to: s.to === null ? MAX_HOUR : floorHour(s.to - 1) };
      for (const medium of media.get(s.gatewayId) ?? []) work.add(`${s.buildingId}\u0000${medium}`, range);
    }
    const whole = new Set<string>();
    for (const l of [...links.added, ...links.removed]) whole.add(`${l.level}\u0000${l.groupId}`);
    const buildings = await this.recomputeBuildings(work, whole);
    const moved = [...new Set([...spans.added, ...spans.removed].map((s) => s.buildingId))];
    await this.rebuildMembers(moved, [...links.added, ...links.removed]);
    await recordApplied(this.db, spans, links);
    return buildings;
  }

  /** Counts the sensors that reported for the first time since the last run in their groups. */
  private async applyNewSensors(): Promise<number> {
    const after = (await readCursor(this.db, SERIES_CURSOR)) ?? 0;
    const fresh = await gatewaysOfNewSeries(this.db, after);
    if (fresh.gateways.length === 0) return 0;
    const buildings = await buildingsOfGatewaySpans(this.db, fresh.gateways);
    await this.rebuildMembers(buildings, []);
    await writeCursor(this.db, SERIES_CURSOR, fresh.last);
    return buildings.length;
  }

  /** Rewrites the member rows of some buildings, of the groups they count for, and of `links`' groups. */
  private async rebuildMembers(buildings: number[], links: RollupLink[]): Promise<void> {
    const groups = new Map<string, RollupLink>();
    for (const l of [...links, ...(await linksOfBuildings(this.db, buildings))])
      groups.set(`${l.level}:${l.groupId}`, l);
    for (const b of buildings) await rebuildMembers(this.db, 'building', b);
    for (const l of groups.values()) await rebuildMembers(this.db, l.level, l.groupId);
  }

  /** Computes again the building hours the changes touch, then their districts and organisations. */
  private async applyChanges(changes: readonly SeriesChange[]): Promise<void> {
    const ranges = new Map<number, HourRange[]>();
    for (const c of changes) {
      const list = ranges.get(c.seriesId) ?? [];
      list.push({ from: c.hourFrom, to: c.hourTo });
      ranges.set(c.seriesId, list);
    }
    // A cumulative meter's hour holds the step from the hour before it: a change to its last
    // hour changes the next hour with readings left in too.
    for (const [seriesId, list] of ranges) {
      if (!this.catalog.isCumulative(seriesId)) continue;
      for (const r of list)
        r.to = Math.max(r.to + HOUR_MS, await this.nextHourWithKeptReadings(seriesId, r.to + HOUR_MS));
    }
    const work = new RangeSet();
    for (const s of await spansOfSeries(this.db, [...ranges.keys()])) {
      const spanFrom = floorHour(s.from);
      const spanTo = s.to === null ? MAX_HOUR : floorHour(s.to - 1);
      for (const r of ranges.get(s.seriesId) ?? []) {
        const from = Math.max(r.from, spanFrom);
        const to = Math.min(r.to, spanTo);
        if (from <= to) work.add(`${s.buildingId}\u0000${s.medium}`, { from, to });
      }
    }
    await this.recomputeBuildings(work, new Set());
  }

  /**
   * The start of the first hour at or after `t` that a series has readings in that no quality
   * check flagged, or of a later one; -Infinity when there is none.
   */
  private async nextHourWithKeptReadings(seriesId: number, t: number): Promise<number> {
    for (let at = t; ;) {
      const next = await this.nextHourWithReadings(seriesId, at);
      if (next === -Infinity) return next;
      const runs = (await this.flagged.runs([seriesId], next, next + HOUR_MS - 1)).get(seriesId);
      if (!runs) return next;
      const hours = await this.engine.readHours(seriesId, next, next + HOUR_MS - 1);
      const kept = await this.flagged.leaveOut(seriesId, hours, runs);
      if (kept.some((h) => h.hour === next && h.count > 0)) return next;
      at = next + HOUR_MS;
    }
  }

  /**
   * The start of the first hour at or after `t` that a series has readings in, or of a later
   * one (the end of the block holding `t`); -Infinity when there is none.
   */
  private async nextHourWithReadings(seriesId: number, t: number): Promise<number> {
    const [holding] = await this.engine.io.readBlocks(seriesId, t, t);
    if (holding && holding.t1 >= t) return floorHour(holding.t1);
    const next = await nextBlockStart(this.db, seriesId, t);
    return next === undefined ? -Infinity : floorHour(next);
  }

  /**
   * Computes again the building ranges in `work`, then the same ranges of the districts and
   * organisations those buildings count for, and the whole of the groups in `whole`.
   */
  private async recomputeBuildings(work: RangeSet, whole: Set<string>): Promise<number> {
    const touched = new Set<number>();
    const groups = new RangeSet();
    const entries = [...work.entries()];
    const links = await linksOfBuildings(this.db, [
      ...new Set(entries.map(([key]) => Number(key.split('\u0000')[0]))),
    ]);
    const linksOf = new Map<number, RollupLink[]>();
    for (const l of links) linksOf.set(l.buildingId, [...(linksOf.get(l.buildingId) ?? []), l]);
    for (const [key, list] of entries) {
      const [building, medium] = key.split('\u0000');
      const buildingId = Number(building);
      touched.add(buildingId);
      for (const r of list) {
        const computed = await this.computeBuilding(buildingId, medium, r.from, r.to);
        await replaceBuildingHours(this.db, buildingId, medium, r.from, r.to, computed.hours);
        for (const l of linksOf.get(buildingId) ?? []) {
          if (!whole.has(`${l.level}\u0000${l.groupId}`))
            groups.add(`${l.level}\u0000${l.groupId}\u0000${medium}`, r);
        }
      }
    }
    for (const [key, list] of groups.entries()) {
      const [level, group, medium] = key.split('\u0000');
      for (const r of list)
        await recomputeGroupFromBuildings(
          this.db,
          level as RollupLink['level'],
          Number(group),
          medium,
          r.from,
          r.to,
        );
    }
    for (const key of whole) {
      const [level, group] = key.split('\u0000');
      await recomputeGroupFromBuildings(
        this.db,
        level as RollupLink['level'],
        Number(group),
        undefined,
        MIN_TIME,
        MAX_HOUR,
      );
    }
    return touched.size;
  }
}

/**
 * Folds group hours into intervals. Each member-hour weighs the same: the mean of an interval is
 * the sum of the members' hourly means over the count of member-hours (for one hour, the mean
 * of the member means). For cumulative meters it is the consumption of the interval over the
 * most members that had readings in one of its hours, so that mean × members is the members'
 * consumption. `min` and `max` are the lowest and highest member hourly value in the interval;
 * `flagged` the flagged readings of its hours.
 */
export function foldGroupHours(
  hours: Omit<GroupHour, 'dwellings'>[],
  boundaries: number[],
  cumulative: boolean,
): { buckets: GroupBucket[]; members: number } {
  const acc = boundaries
    .slice(0, -1)
    .map(() => ({ sum: 0, count: 0, most: 0, min: Infinity, max: -Infinity, flagged: 0 }));
  let members = 0;
  for (const h of hours) {
    const i = intervalIndex(boundaries, h.hour);
    if (i < 0) continue;
    acc[i].flagged += h.flagged;
    if (h.count === 0) continue;
    const a = acc[i];
    a.sum += h.sum;
    a.count += h.count;
    a.most = Math.max(a.most, h.count);
    a.min = Math.min(a.min, h.min);
    a.max = Math.max(a.max, h.max);
    members = Math.max(members, h.count);
  }
  const buckets = acc.map((a, i) => ({
    start: boundaries[i],
    end: boundaries[i + 1],
    mean: a.count === 0 ? null : cumulative ? a.sum / a.most : a.sum / a.count,
    min: a.count === 0 ? null : a.min,
    max: a.count === 0 ? null : a.max,
    members: a.most,
    flagged: a.flagged,
  }));
  return { buckets, members };
}

/** Sums group hours of disjoint groups (a district's buildings) hour by hour. */
export function mergeHours(parts: GroupHour[][]): GroupHour[] {
  const byHour = new Map<number, GroupHour>();
  for (const part of parts) {
    for (const h of part) {
      const known = byHour.get(h.hour);
      if (!known) byHour.set(h.hour, { ...h });
      else {
        // An hour of flagged readings only (count 0) has no lowest or highest to merge.
        if (h.count > 0) {
          known.min = known.count > 0 ? Math.min(known.min, h.min) : h.min;
          known.max = known.count > 0 ? Math.max(known.max, h.max) : h.max;
        }
        known.sum += h.sum;
        known.count += h.count;
        known.dwellings += h.dwellings;
        known.flagged += h.flagged;
      }
    }
  }
  return [...byHour.values()].sort((a, b) => a.hour - b.hour);
}

const floorHour = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;

/** One hour of a building while its members are read. */
interface HourAcc {
  sum: number;
  count: number;
  min: number;
  max: number;
  flagged: number;
  dwellings: Set<number>;
}

const spanKey = (s: RollupSpan) => `${s.gatewayId}:${s.dwellingId}:${s.buildingId}:${s.from}:${s.to}`;
const linkKey = (l: RollupLink) => `${l.buildingId}:${l.level}:${l.groupId}`;

function diff<T>(current: T[], applied: T[], key: (x: T) => string): { added: T[]; removed: T[] } {
  const now = new Set(current.map(key));
  const before = new Set(applied.map(key));
  return {
    added: current.filter((x) => !before.has(key(x))),
    removed: applied.filter((x) => !now.has(key(x))),
  };
}

/** Hour ranges by key, merged where they overlap or touch. */
class RangeSet {
  private readonly byKey = new Map<string, HourRange[]>();

  add(key: string, range: HourRange): void {
    const list = this.byKey.get(key) ?? [];
    list.push({ ...range });
    this.byKey.set(key, list);
  }

  *entries(): Generator<[string, HourRange[]]> {
    for (const [key, list] of this.byKey) {
      list.sort((a, b) => a.from - b.from);
      const merged: HourRange[] = [];
      for (const r of list) {
        const last = merged[merged.length - 1];
        if (last && r.from <= last.to + HOUR_MS) last.to = Math.max(last.to, r.to);
        else merged.push({ ...r });
      }
      yield [key, merged];
    }
  }
}
