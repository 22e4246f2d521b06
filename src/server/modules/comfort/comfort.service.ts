import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Logger } from 'pino';
import type { ComfortSettingsBody } from '#common/api/comfort.ts';
import {
  classifyPmv,
  type ComfortAssumptions,
  comfortAssumptions,
  PMV_BATCH_FLAGS,
  pmvPpdBatch,
  type Season,
  STANDARD_EDITIONS,
} from '#common/comfort/index.ts';
import {
  type Area,
  areaName,
  areaReach,
  checkMeanCoverage,
  placeVisibility,
  type Visibility,
  visibilityOf,
} from '../../access/visibility.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/schema.ts';
import type { SeriesChange } from '../../timeseries/timeseries-io.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, forbidden, notFound } from '../../plugins/errors.ts';
import { intervalBoundaries, intervalIndex } from '../../timeseries/calendar.ts';
import { consumeChanges } from '../../timeseries/change-feed.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import type { FlaggedReadings } from '../../timeseries/flagged-readings.ts';
import { aggregateOf, foldComfort } from './comfort-buckets.ts';
import { automaticPairs } from './comfort-pairing.ts';
import {
  aggregateGroupHours,
  type ComfortHourRow,
  countGroupMembers,
  deletePoint,
  findPoint,
  findSetting,
  firstBlockStart,
  type GroupScope,
  hasCursor,
  insertPoint,
  lastChangeId,
  listDwellingHours,
  listBuildingDwellingGroups,
  listDwellingPoints,
  listPairingSensors,
  listSeenDwellings,
  listPoints,
  listPointsOfSeries,
  listPointsWithoutDays,
  rebuildDays,
  refreshDays,
  listSettings,
  markBuildingForBackfill,
  repairPoint,
  setCursor,
  setNeedsBackfill,
  type SettingRow,
  type StoredPoint,
  upsertHours,
  upsertSetting,
} from './comfort.store.ts';
import { HOUR_MS } from '#common/time.ts';

/** Bumped whenever the way hours are computed changes; stored with every hour. */
export const COMFORT_JOB_VERSION = 1;
/** Name of the scheduled job and of its position in the change feed. */
export const COMFORT_JOB = 'comfort-hours';
/** The standard stored comfort follows: its categories are ISO 7730's. */
const STORED_STANDARD = 'iso' as const;

/** Upper bounds that keep every answer finite (as the readings API). */
export const COMFORT_LIMITS = {
  /** Intervals a range may hold. */
  maxIntervals: 20_000,
  /** Default and largest page, intervals. */
  defaultPage: 1000,
  maxPage: 10_000,
  /** Hours computed at once for one point. */
  hoursPerChunk: 31 * 24,
};

/** A building's assumptions, with where each season starts. */
export interface EffectiveAssumptions {
  winter: ComfortAssumptions;
  summer: ComfortAssumptions;
  summerStart: string;
  summerEnd: string;
}

export interface RangeQuery {
  from: number;
  to: number;
  interval?: 'hour' | 'day';
  limit?: number;
}

function seasonOf(monthDay: string, start: string, end: string): Season {
  const inSummer = start <= end ? monthDay >= start && monthDay <= end : monthDay >= start || monthDay <= end;
  return inSummer ? 'summer' : 'winter';
}

/**
 * Stored comfort: comfort points (pairs of sensors), their hourly PMV/PPD computed from the hourly
 * rollups and kept current from the change feed, the per-building assumptions, and the dwelling,
 * building and district views of them.
 */
export class ComfortService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly config: Config,
    private readonly logger: Logger,
    /** Hourly rollups less the readings that failed the quality checks. */
    private readonly flagged: FlaggedReadings,
  ) {}

  // ------------------------------------------------------------ assumptions

  /** The configured defaults, with a building's overrides (if any) applied. */
  assumptions(setting?: SettingRow): EffectiveAssumptions {
    const base = {
      met: setting?.met ?? this.config.comfortMet,
      v: setting?.air_speed ?? this.config.comfortAirSpeed,
      wme: 0,
    };
    return {
      winter: comfortAssumptions('winter', {
        ...base,
        clo: setting?.winter_clo ?? this.config.comfortWinterClo,
      }),
      summer: comfortAssumptions('summer', {
        ...base,
        clo: setting?.summer_clo ?? this.config.comfortSummerClo,
      }),
      summerStart: setting?.summer_start ?? this.config.comfortSummer.start,
      summerEnd: setting?.summer_end ?? this.config.comfortSummer.end,
    };
  }

  async settings(buildingId: number, principal: Principal) {
    await this.checkBuilding(buildingId, principal);
    return this.settingsAnswer(buildingId, await findSetting(this.db, buildingId));
  }

  /** Stores a building's overrides; its comfort points are computed again with them. */
  async updateSettings(
    buildingId: number,
    body: ComfortSettingsBody,
    principal: Principal,
    now = Date.now(),
  ) {
    await this.checkBuilding(buildingId, principal);
    const row: SettingRow = {
      building_id: buildingId,
      winter_clo: body.winterClo,
      summer_clo: body.summerClo,
      met: body.met,
      air_speed: body.airSpeed,
      summer_start: body.summerStart,
      summer_end: body.summerEnd,
      updated_at: now,
    };
    try {
      this.assumptions(row);
    } catch (error) {
      throw badRequest(`body: ${(error as Error).message}`);
    }
    await this.db.transaction().execute(async (trx) => {
      await upsertSetting(trx, row);
      await markBuildingForBackfill(trx, buildingId);
    });
    return this.settingsAnswer(buildingId, row);
  }

  private settingsAnswer(buildingId: number, row: SettingRow | undefined) {
    return {
      buildingId,
      overrides: {
        winterClo: row?.winter_clo ?? null,
        summerClo: row?.summer_clo ?? null,
        met: row?.met ?? null,
        airSpeed: row?.air_speed ?? null,
        summerStart: row?.summer_start ?? null,
        summerEnd: row?.summer_end ?? null,
      },
      effective: this.assumptions(row),
    };
  }

  private async checkBuilding(buildingId: number, principal: Principal): Promise<void> {
    const seen = await placeVisibility(this.db, visibilityOf(principal), 'building', buildingId);
    if (seen === 'missing') throw notFound(`There is no building ${buildingId}.`);
    if (seen === 'hidden') throw forbidden(`You may not read building ${buildingId}.`);
  }

  // ------------------------------------------------------------ comfort points

  /** The comfort points serving a dwelling now. */
  async points(dwellingId: number, principal: Principal) {
    await this.checkDwelling(dwellingId, principal);
    const now = Date.now();
    return (await listDwellingPoints(this.db, dwellingId, now, now, visibilityOf(principal))).map((p) => ({
      ...p,
    }));
  }

  /**
   * Pairs a temperature sensor with a humidity sensor explicitly (both in the dwelling now),
   * replacing its automatic pair; the point's history is computed again.
   */
  async setPair(
    dwellingId: number,
    body: { temperatureSensorId: number; humiditySensorId: number; label?: string },
    principal: Principal,
    now = Date.now(),
  ) {
    await this.checkDwelling(dwellingId, principal);
    const sensors = await listPairingSensors(this.db);
    const find = (id: number, field: string, medium: 'temperature' | 'humidity') => {
      const s = sensors.find((x) => x.sensorId === id);
      if (!s || s.dwellingId !== dwellingId)
        throw badRequest(`body.${field}: sensor ${id} is not a sensor of dwelling ${dwellingId}.`);
      if (s.medium !== medium)
        throw badRequest(`body.${field}: sensor ${id} measures ${s.medium}, not ${medium}.`);
      return s;
    };
    find(body.temperatureSensorId, 'temperatureSensorId', 'temperature');
    find(body.humiditySensorId, 'humiditySensorId', 'humidity');
    const existing = (await listPoints(this.db)).find(
      (p) => p.temperatureSensorId === body.temperatureSensorId,
    );
    const pair = {
      humiditySensorId: body.humiditySensorId,
      pairing: 'manual' as const,
      label: body.label ?? existing?.label ?? '',
    };
    let id: number;
    if (existing) {
      await this.db.transaction().execute((trx) => repairPoint(trx, existing.id, pair, now));
      id = existing.id;
    } else {
      id = await insertPoint(this.db, { temperatureSensorId: body.temperatureSensorId, ...pair }, now);
    }
    const point = (await findPoint(this.db, id)) as StoredPoint;
    return {
      id,
      temperatureSensorId: point.temperatureSensorId,
      humiditySensorId: point.humiditySensorId,
      pairing: point.pairing,
      label: point.label,
    };
  }

  /** Removes a comfort point of a dwelling and its hours; automatic pairing applies again. */
  async deletePair(dwellingId: number, pointId: number, principal: Principal): Promise<void> {
    await this.checkDwelling(dwellingId, principal);
    const point = await findPoint(this.db, pointId);
    if (!point || point.dwellingId !== dwellingId)
      throw notFound(`Dwelling ${dwellingId} has no comfort point ${pointId}.`);
    await this.db.transaction().execute((trx) => deletePoint(trx, pointId));
  }

  /**
   * Brings the comfort points in line with the sensors: every temperature sensor of a dwelling
   * gets its automatic pair (see comfort-pairing.ts) unless an installer paired it; an automatic
   * pair that a better one replaces, or whose sensors are no longer in one dwelling, is re-made.
   * Returns the points that were added or re-paired.
   */
  async syncPoints(now: number): Promise<number> {
    const [sensors, points] = await Promise.all([listPairingSensors(this.db), listPoints(this.db)]);
    const byTemperature = new Map(points.map((p) => [p.temperatureSensorId, p]));
    let changed = 0;
    const wanted = new Set<number>();
    for (const pair of automaticPairs(sensors)) {
      wanted.add(pair.temperatureSensorId);
      const existing = byTemperature.get(pair.temperatureSensorId);
      if (existing?.pairing === 'manual') continue;
      if (
        existing &&
        existing.humiditySensorId === pair.humiditySensorId &&
        existing.pairing === pair.pairing
      )
        continue;
      changed++;
      if (existing) {
        await this.db
          .transaction()
          .execute((trx) =>
            repairPoint(
              trx,
              existing.id,
              { humiditySensorId: pair.humiditySensorId, pairing: pair.pairing, label: existing.label },
              now,
            ),
          );
      } else await insertPoint(this.db, { ...pair, label: '' }, now);
    }
    // An automatic pair with no rule behind it any more stays while its sensors share a dwelling.
    for (const p of points) {
      if (p.pairing === 'manual' || wanted.has(p.temperatureSensorId)) continue;
      if (p.dwellingId !== null && p.dwellingId === p.humidityDwellingId) continue;
      await this.db.transaction().execute((trx) => deletePoint(trx, p.id));
      changed++;
    }
    return changed;
  }

  // ------------------------------------------------------------ the job

  /**
   * One run of the comfort job: sync the points, compute the whole history of new or re-paired
   * points (and of points whose building's assumptions changed), then the hours the change feed
   * reports (new, late and overwritten readings).
   */
  async runJob(now: number): Promise<{ backfilled: number; changes: number }> {
    await this.syncPoints(now);
    // First run: the history is about to be computed whole, so the feed is read from here on.
    if (!(await hasCursor(this.db, COMFORT_JOB)))
      await setCursor(this.db, COMFORT_JOB, await lastChangeId(this.db), now);
    let backfilled = 0;
    const settings = await this.settingsByBuilding();
    for (const point of await listPoints(this.db)) {
      if (!point.needsBackfill) continue;
      if (await this.backfill(point, settings, now)) backfilled++;
    }
    const changes = await consumeChanges(this.db, this.engine.io, COMFORT_JOB, (batch) =>
      this.applyChanges(batch, settings, now),
    );
    // The daily rollup of points that have none in the configured zone: points made since the
    // last run, every point once after the rollup was introduced, and all when the zone changed.
    for (const id of await listPointsWithoutDays(this.db, this.config.timezone))
      await this.db.transaction().execute((trx) => rebuildDays(trx, id, this.config.timezone));
    if (backfilled > 0 || changes > 0) this.logger.debug({ backfilled, changes }, 'comfort hours computed');
    return { backfilled, changes };
  }

  private async settingsByBuilding(): Promise<Map<number, EffectiveAssumptions>> {
    const points = await listPoints(this.db);
    const buildingIds = [...new Set(points.map((p) => p.buildingId).filter((b): b is number => b !== null))];
    const out = new Map<number, EffectiveAssumptions>();
    for (const row of await listSettings(this.db, buildingIds))
      out.set(row.building_id, this.assumptions(row));
    return out;
  }

  /** Computes a point's whole history; false when its sensors have not stored anything yet. */
  private async backfill(
    point: StoredPoint,
    settings: Map<number, EffectiveAssumptions>,
    now: number,
  ): Promise<boolean> {
    if (point.temperatureSeriesId === null || point.humiditySeriesId === null) return false;
    const [firstT, firstH] = await Promise.all([
      firstBlockStart(this.db, point.temperatureSeriesId),
      firstBlockStart(this.db, point.humiditySeriesId),
    ]);
    if (firstT === undefined || firstH === undefined) return false;
    const latest = await this.engine.latest([point.temperatureSeriesId, point.humiditySeriesId]);
    const last = Math.min(
      latest.get(point.temperatureSeriesId)?.t ?? -Infinity,
      latest.get(point.humiditySeriesId)?.t ?? -Infinity,
    );
    const from = Math.max(firstT, firstH);
    await this.computeHours(point, from, last, settings, now);
    await setNeedsBackfill(this.db, [point.id], false);
    return true;
  }

  /**
   * Computes again the hours of the points whose readings were judged anew (their quality flags
   * changed), as if the change feed had reported them.
   */
  async recompute(changes: readonly SeriesChange[], now: number): Promise<void> {
    if (changes.length === 0) return;
    await this.applyChanges(changes, await this.settingsByBuilding(), now);
  }

  private async applyChanges(
    changes: readonly SeriesChange[],
    settings: Map<number, EffectiveAssumptions>,
    now: number,
  ): Promise<void> {
    const bySeries = new Map<number, { from: number; to: number }[]>();
    for (const c of changes)
      bySeries.set(c.seriesId, [...(bySeries.get(c.seriesId) ?? []), { from: c.hourFrom, to: c.hourTo }]);
    for (const point of await listPointsOfSeries(this.db, [...bySeries.keys()])) {
      const ranges = [
        ...(bySeries.get(point.temperatureSeriesId ?? -1) ?? []),
        ...(bySeries.get(point.humiditySeriesId ?? -1) ?? []),
      ].sort((a, b) => a.from - b.from);
      // Merge overlapping and adjacent ranges, so that each hour is computed once.
      const merged: { from: number; to: number }[] = [];
      for (const r of ranges) {
        const last = merged[merged.length - 1];
        if (last && r.from <= last.to + HOUR_MS) last.to = Math.max(last.to, r.to);
        else merged.push({ ...r });
      }
      for (const r of merged) await this.computeHours(point, r.from, r.to + HOUR_MS - 1, settings, now);
    }
  }

  /**
   * Computes and stores the comfort of a point's hours that start within [from, to]: the hour's
   * mean air temperature and relative humidity from the hourly rollups, the mean radiant
   * temperature taken as the air temperature, and the season's assumptions of its building, by
   * ISO 7730:2005. Hours with readings of only one of the two sensors are left out.
   */
  async computeHours(
    point: StoredPoint,
    from: number,
    to: number,
    settings: Map<number, EffectiveAssumptions>,
    now: number,
  ): Promise<number> {
    if (point.temperatureSeriesId === null || point.humiditySeriesId === null) return 0;
    const assumptions = (point.buildingId !== null && settings.get(point.buildingId)) || this.assumptions();
    let stored = 0;
    for (
      let start = Math.floor(from / HOUR_MS) * HOUR_MS;
      start <= to;
      start += COMFORT_LIMITS.hoursPerChunk * HOUR_MS
    ) {
      const end = Math.min(to, start + COMFORT_LIMITS.hoursPerChunk * HOUR_MS - 1);
      const [temperature, humidity] = await Promise.all([
        this.flagged.readHours(point.temperatureSeriesId, start, end),
        this.flagged.readHours(point.humiditySeriesId, start, end),
      ]);
      const rows = this.hoursOf(point.id, temperature, humidity, assumptions, now);
      // The hours and the local days that hold them change together. A point whose days are not
      // cut in the configured zone yet gets them whole at the end of the job run.
      await this.db.transaction().execute(async (trx) => {
        await upsertHours(trx, rows);
        if (rows.length > 0 && point.dayZone === this.config.timezone)
          await refreshDays(trx, point.id, rows[0].hour, rows[rows.length - 1].hour, this.config.timezone);
      });
      stored += rows.length;
    }
    return stored;
  }

  private hoursOf(
    pointId: number,
    temperature: { hour: number; count: number; sum: number }[],
    humidity: { hour: number; count: number; sum: number }[],
    assumptions: EffectiveAssumptions,
    now: number,
  ): ComfortHourRow[] {
    const rhByHour = new Map(humidity.map((h) => [h.hour, h]));
    const rows: ComfortHourRow[] = [];
    let dayEnd = -Infinity;
    let season: Season = 'winter';
    for (const t of temperature) {
      const h = rhByHour.get(t.hour);
      if (!h || t.count === 0 || h.count === 0) continue;
      if (t.hour >= dayEnd) {
        const local = DateTime.fromMillis(t.hour, { zone: this.config.timezone });
        season = seasonOf(local.toFormat('MM-dd'), assumptions.summerStart, assumptions.summerEnd);
        dayEnd = local.startOf('day').plus({ days: 1 }).toMillis();
      }
      const a = assumptions[season];
      const tdb = t.sum / t.count;
      rows.push({
        point_id: pointId,
        hour: t.hour,
        tdb,
        tr: tdb,
        rh: h.sum / h.count,
        tdb_count: t.count,
        rh_count: h.count,
        season,
        clo: a.clo,
        met: a.met,
        v: a.v,
        wme: a.wme,
        standard: STANDARD_EDITIONS[STORED_STANDARD],
        pmv: null,
        ppd: null,
        category: null,
        status: null,
        within_validity: 0,
        job_version: COMFORT_JOB_VERSION,
        computed_at: now,
      });
    }
    // A humidity outside 0–100 % or a non-finite mean is a sensor fault: the hour is kept, without a PMV.
    const computable = rows.filter(
      (r) => Number.isFinite(r.tdb) && Number.isFinite(r.rh) && r.rh >= 0 && r.rh <= 100,
    );
    if (computable.length === 0) return rows;
    const column = (key: 'tdb' | 'rh' | 'v' | 'met' | 'clo' | 'wme') =>
      Float64Array.from(computable, (r) => r[key]);
    const tdb = column('tdb');
    const result = pmvPpdBatch(
      {
        tdb,
        tr: tdb,
        v: column('v'),
        rh: column('rh'),
        met: column('met'),
        clo: column('clo'),
        wme: column('wme'),
      },
      { standard: STORED_STANDARD },
    );
    computable.forEach((r, i) => {
      r.within_validity = (result.flags[i] & PMV_BATCH_FLAGS.outOfRange) === 0 ? 1 : 0;
      if (!Number.isFinite(result.pmv[i])) return;
      const c = classifyPmv(result.pmv[i]);
      r.pmv = result.pmv[i];
      r.ppd = result.ppd[i];
      r.category = c.category;
      r.status = c.status;
    });
    return rows;
  }

  // ------------------------------------------------------------ reads

  private async checkDwelling(dwellingId: number, principal: Principal): Promise<Visibility> {
    const visibility = visibilityOf(principal);
    const seen = await placeVisibility(this.db, visibility, 'dwelling', dwellingId);
    if (seen === 'missing') throw notFound(`There is no dwelling ${dwellingId}.`);
    if (seen === 'hidden') throw forbidden(`You may not read dwelling ${dwellingId}.`);
    return visibility;
  }

  /** Interval boundaries of a page of a range, and where the next page starts. */
  private page(query: RangeQuery, maxPage = COMFORT_LIMITS.maxPage): { boundaries: number[]; next?: number } {
    const { from, to } = query;
    if (!(to >= from)) throw badRequest(`The range ends (${to}) before it starts (${from}).`);
    const interval = query.interval ?? 'hour';
    const spanHours = (to - from) / HOUR_MS;
    if ((interval === 'hour' ? spanHours : spanHours / 23) > COMFORT_LIMITS.maxIntervals)
      throw badRequest(
        `That range holds more than ${COMFORT_LIMITS.maxIntervals} ${interval}s; ask for a shorter range or a longer interval.`,
      );
    const all = intervalBoundaries(from, to, interval, this.config.timezone);
    const limit = Math.min(query.limit ?? COMFORT_LIMITS.defaultPage, maxPage);
    if (all.length - 1 <= limit) return { boundaries: all };
    return { boundaries: all.slice(0, limit + 1), next: all[limit] };
  }

  /** Each comfort point's series of a dwelling, and the dwelling's mean, a page of intervals. */
  async dwelling(dwellingId: number, query: RangeQuery, principal: Principal) {
    const visibility = await this.checkDwelling(dwellingId, principal);
    const { boundaries, next } = this.page(query);
    const from = boundaries[0];
    const to = boundaries[boundaries.length - 1] - 1;
    const [points, hours] = await Promise.all([
      listDwellingPoints(this.db, dwellingId, from, to, visibility),
      listDwellingHours(this.db, dwellingId, from, to, visibility),
    ]);
    const byPoint = new Map<number, ReturnType<typeof aggregateOf>[]>();
    const all = [];
    for (const h of hours) {
      const a = aggregateOf(h);
      if (!a) continue;
      byPoint.set(h.pointId, [...(byPoint.get(h.pointId) ?? []), a]);
      all.push(a);
    }
    return {
      dwellingId,
      standard: STANDARD_EDITIONS[STORED_STANDARD],
      interval: query.interval ?? 'hour',
      points: points.map((p) => ({
        ...p,
        buckets: foldComfort(
          (byPoint.get(p.id) ?? []).filter((a) => a !== undefined),
          boundaries,
        ).buckets,
      })),
      mean: foldComfort(all, boundaries).buckets,
      ...(next !== undefined ? { next } : {}),
    };
  }

  /**
   * Every dwelling's comfort in a building, one series per dwelling over the same intervals (the
   * heat strip of the ESCO dashboards), in one query over `comfort_hour`. Whom does not see the
   * building gets 403; whom sees part of it (a resident) gets the dwellings they see.
   */
  async buildingDwellings(
    buildingId: number,
    query: { from: number; to: number; interval?: 'hour' | 'day' },
    principal: Principal,
  ) {
    const visibility = visibilityOf(principal);
    await this.checkBuilding(buildingId, principal);
    const interval = query.interval ?? 'hour';
    const { boundaries } = this.page(
      { ...query, limit: COMFORT_LIMITS.maxIntervals },
      COMFORT_LIMITS.maxIntervals,
    );
    const from = boundaries[0];
    const to = boundaries[boundaries.length - 1] - 1;
    const group =
      interval === 'hour'
        ? { groupMs: HOUR_MS, offsetMs: 0, splitMs: 0, dayZone: this.config.timezone }
        : { ...this.dayGrouping(boundaries), dayZone: this.config.timezone };
    const dwellings = await listSeenDwellings(this.db, buildingId, visibility);
    const n = boundaries.length - 1;
    const sums = new Map(
      dwellings.map((d) => [
        d.dwellingId,
        {
          hours: new Array<number>(n).fill(0),
          pmv: new Float64Array(n),
          ppd: new Float64Array(n),
          tdb: new Float64Array(n),
          rh: new Float64Array(n),
        },
      ]),
    );
    const first = boundaries[0];
    // Each group is added in as it is read: tens of thousands of hours make no object each.
    await listBuildingDwellingGroups(
      this.db,
      buildingId,
      from,
      to,
      visibility,
      group,
      (dwellingId, hour, hours, pmvSum, ppdSum, tdbSum, rhSum) => {
        const s = sums.get(dwellingId);
        const i =
          interval === 'hour' ? Math.floor((hour - first) / HOUR_MS) : intervalIndex(boundaries, hour);
        if (!s || i < 0 || i >= n) return;
        s.hours[i] += hours;
        s.pmv[i] += pmvSum;
        s.ppd[i] += ppdSum;
        s.tdb[i] += tdbSum;
        s.rh[i] += rhSum;
      },
    );
    // Rounded to what a sensor tells apart: a third of the answer's size for the same picture.
    const mean = (sum: Float64Array, hours: number[], digits: number) => {
      const scale = 10 ** digits;
      const out = new Array<number | null>(sum.length);
      for (let i = 0; i < sum.length; i++)
        out[i] = hours[i] > 0 ? Math.round((sum[i] / hours[i]) * scale) / scale : null;
      return out;
    };
    return {
      buildingId,
      interval,
      starts: boundaries.slice(0, -1),
      end: boundaries[n],
      dwellings: dwellings.map((d) => {
        const s = sums.get(d.dwellingId)!;
        return {
          ...d,
          pmv: mean(s.pmv, s.hours, 3),
          ppd: mean(s.ppd, s.hours, 2),
          tdb: mean(s.tdb, s.hours, 2),
          rh: mean(s.rh, s.hours, 1),
          hours: s.hours,
        };
      }),
    };
  }

  /**
   * Each dwelling's mean comfort hour by hour in a building within [from, to] (over its comfort
   * points), for CIOP's own jobs: nothing is hidden.
   */
  async dwellingHoursOf(buildingId: number, from: number, to: number) {
    const groups = await listBuildingDwellingGroups(this.db, buildingId, from, to, 'all', {
      groupMs: HOUR_MS,
      offsetMs: 0,
      splitMs: 0,
      dayZone: this.config.timezone,
    });
    // A dwelling with several points: their hours are summed, then averaged.
    const sums = new Map<number, Map<number, { n: number; pmv: number; tdb: number; rh: number }>>();
    for (const g of groups) {
      const hours =
        sums.get(g.dwellingId) ?? new Map<number, { n: number; pmv: number; tdb: number; rh: number }>();
      sums.set(g.dwellingId, hours);
      const h = hours.get(g.hour) ?? { n: 0, pmv: 0, tdb: 0, rh: 0 };
      h.n += g.hours;
      h.pmv += g.pmvSum;
      h.tdb += g.tdbSum;
      h.rh += g.rhSum;
      hours.set(g.hour, h);
    }
    const out = new Map<number, { hour: number; pmv: number; tdb: number; rh: number }[]>();
    for (const [dwellingId, hours] of sums)
      out.set(
        dwellingId,
        [...hours]
          .sort((a, b) => a[0] - b[0])
          .map(([hour, h]) => ({ hour, pmv: h.pmv / h.n, tdb: h.tdb / h.n, rh: h.rh / h.n })),
      );
    return [...out].map(([dwellingId, hours]) => ({ dwellingId, hours }));
  }

  /**
   * How hours are grouped so that no group straddles a local midnight: a UTC day shifted by the
   * zone's smaller offset within the range, split where the larger offset starts the next day.
   */
  private dayGrouping(boundaries: number[]): { groupMs: number; offsetMs: number; splitMs: number } {
    let low = Infinity;
    let high = -Infinity;
    for (const b of boundaries) {
      const offset = DateTime.fromMillis(b, { zone: this.config.timezone }).offset * 60_000;
      low = Math.min(low, offset);
      high = Math.max(high, offset);
    }
    const day = 24 * HOUR_MS;
    // Offsets are shifted into [0, 1 day) so that the grouping key never goes negative.
    return { groupMs: day, offsetMs: ((low % day) + day) % day, splitMs: high - low };
  }

  /**
   * Averages and category shares of a building or district, a page of intervals, for a caller who
   * sees every dwelling of it, or who has one in it when the answer covers enough dwellings.
   */
  async group(scope: GroupScope, query: RangeQuery, principal: Principal) {
    const area: Area = scope;
    const reach = await areaReach(this.db, visibilityOf(principal), area);
    if (reach === 'missing') throw notFound(`There is no ${areaName(area)}.`);
    if (reach === 'none') checkMeanCoverage(reach, area, 0, this.config.privacyMinDwellings);
    const answer = await this.averagesOf(scope, query);
    checkMeanCoverage(reach, area, answer.dwellings, this.config.privacyMinDwellings);
    return answer;
  }

  /**
   * Building or district averages of PMV and PPD and the share of point-hours in each category,
   * per hour or day, for internal readers (the KPI tool): nothing is hidden, and the whole range
   * (up to 20,000 intervals) comes in one answer.
   */
  async averages(scope: GroupScope, from: number, to: number, interval: 'hour' | 'day') {
    return this.averagesOf(scope, { from, to, interval, limit: COMFORT_LIMITS.maxIntervals });
  }

  private async averagesOf(scope: GroupScope, query: RangeQuery, maxPage?: number) {
    const { boundaries, next } = this.page(query, maxPage);
    const from = boundaries[0];
    const to = boundaries[boundaries.length - 1] - 1;
    // Day intervals are whole local days: they are read from the daily rollup.
    const dayZone = query.interval === 'day' ? this.config.timezone : undefined;
    const [hours, members] = await Promise.all([
      aggregateGroupHours(this.db, scope, from, to, dayZone),
      countGroupMembers(this.db, scope, from, to),
    ]);
    const { buckets, total } = foldComfort(hours, boundaries);
    return {
      scope: 'buildingId' in scope ? ('building' as const) : ('district' as const),
      id: 'buildingId' in scope ? scope.buildingId : scope.districtId,
      interval: query.interval ?? 'hour',
      points: members.points,
      dwellings: members.dwellings,
      buckets,
      total,
      ...(next !== undefined ? { next } : {}),
    };
  }
}
