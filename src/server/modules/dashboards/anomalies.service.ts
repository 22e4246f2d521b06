import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import {
  type AnomalyKind,
  type AnomalyList,
  type AnomalyThresholds,
  DEFAULT_THRESHOLDS,
} from '#common/api/dashboards.ts';
import { placeVisibility, visibilityOf } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, forbidden, notFound } from '../../plugins/errors.ts';
import { listScopedSeries } from '../../places/places.store.ts';
import type { FlaggedReadings } from '../../timeseries/flagged-readings.ts';
import type { SeriesCatalog } from '../../timeseries/series-catalog.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import type { SeriesChange } from '../../timeseries/timeseries-io.ts';
import type { ComfortService } from '../comfort/comfort.service.ts';
import { detectWeek, type WeekInput, weekEnd, weeksOf } from './anomalies.ts';
import {
  buildingsOfOrganisation,
  buildingsOfSeries,
  findThresholds,
  listAnomalies,
  organisationOfBuilding,
  organisationOfUser,
  replaceWeek,
  upsertThresholds,
} from './dashboards.store.ts';

/** Name of the job that finds anomalies, and of its position in the change feed. */
export const ANOMALY_JOB = 'dashboard-anomalies';
/** Weeks looked at again, at most, for one building in one run (late data far back is rare). */
const MAX_WEEKS = 60;
/** Weeks found again at once when an organisation changes its thresholds. */
const RECOMPUTE_WEEKS = 8;

/**
 * Anomalies of the ESCO dashboards: found per building and local week by a job that follows the
 * change feed (the hours of readings that arrived, late or not), from the stored hourly comfort
 * and the hourly rollups; listed per building; each organisation's thresholds.
 */
export class AnomalyService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly catalog: SeriesCatalog,
    private readonly comfort: ComfortService,
    private readonly flagged: FlaggedReadings,
    private readonly zone: string,
    private readonly logger: Logger,
  ) {}

  /** The thresholds that apply to an organisation (the defaults for what it has not set). */
  async thresholdsOf(organisationId: number | null): Promise<AnomalyThresholds> {
    if (organisationId === null) return DEFAULT_THRESHOLDS;
    const stored = await findThresholds(this.db, organisationId);
    return { ...DEFAULT_THRESHOLDS, ...(stored ? (JSON.parse(stored) as Partial<AnomalyThresholds>) : {}) };
  }

  /**
   * The job's work: the buildings and weeks whose readings (or their flags) changed are looked at
   * again; only the weeks touched, each run of consecutive ones read in one pass.
   */
  async onChanges(changes: readonly SeriesChange[], now: number): Promise<number> {
    const buildings = await buildingsOfSeries(this.db, [...new Set(changes.map((c) => c.seriesId))]);
    const ranges = new Map<number, { from: number; to: number }[]>();
    for (const c of changes) {
      const b = buildings.get(c.seriesId);
      if (b === undefined) continue;
      const list = ranges.get(b) ?? [];
      list.push({ from: c.hourFrom, to: c.hourTo });
      ranges.set(b, list);
    }
    // Ranges less than six days apart touch no week between them: merged, so that the weeks are
    // worked out once per stretch rather than once per change.
    const touched = new Map<number, Set<number>>();
    for (const [b, list] of ranges) {
      list.sort((x, y) => x.from - y.from);
      const weeks = new Set<number>();
      let cur = { ...list[0] };
      for (const r of [...list.slice(1), undefined]) {
        if (r && r.from - cur.to < 6 * 86_400_000) cur.to = Math.max(cur.to, r.to);
        else {
          for (const w of weeksOf(cur.from, cur.to, this.zone)) weeks.add(w);
          if (r) cur = { ...r };
        }
      }
      touched.set(b, weeks);
    }
    let weeks = 0;
    for (const [buildingId, set] of touched) {
      const starts = [...set].sort((x, y) => x - y).slice(-MAX_WEEKS);
      for (let i = 0; i < starts.length;) {
        let j = i;
        while (j + 1 < starts.length && starts[j + 1] === weekEnd(starts[j], this.zone)) j++;
        await this.findInBuilding(buildingId, starts.slice(i, j + 1), now);
        i = j + 1;
      }
      weeks += starts.length;
    }
    if (weeks > 0) this.logger.debug({ buildings: touched.size, weeks }, 'anomalies looked for');
    return weeks;
  }

  /** Finds again the anomalies of a building over the given local weeks. */
  async findInBuilding(buildingId: number, weekStarts: number[], now: number): Promise<void> {
    if (weekStarts.length === 0) return;
    const thresholds = await this.thresholdsOf(await organisationOfBuilding(this.db, buildingId));
    const from = weekStarts[0];
    const to = weekEnd(weekStarts[weekStarts.length - 1], this.zone) - 1;
    const dwellings = await this.comfort.dwellingHoursOf(buildingId, from, to);
    const series = (await listScopedSeries(this.db, { buildingId }, 'all')).filter(
      (s) => ['temperature', 'humidity', 'co2'].includes(s.medium) && !this.catalog.isCumulative(s.seriesId),
    );
    // Flagged readings are left out of the sensors' figures (the comfort hours already leave them out).
    const runs = await this.flagged.runs(
      series.map((s) => s.seriesId),
      from,
      to,
    );
    const sensors: WeekInput['sensors'] = [];
    for (const s of series) {
      const start = Math.max(from, s.from);
      const end = Math.min(to, s.to - 1);
      if (start > end) continue;
      const sentHours = await this.engine.readHours(s.seriesId, start, end);
      const flaggedRuns = runs.get(s.seriesId);
      sensors.push({
        sensorId: s.sensorId,
        dwellingId: s.dwellingId,
        medium: s.medium,
        hours: flaggedRuns ? await this.flagged.readHours(s.seriesId, start, end, flaggedRuns) : sentHours,
        sentHours,
      });
    }
    // Each week is handed only its own hours (one pass over the span, not one per week).
    const byWeek = new Map<number, WeekInput>();
    const ends = weekStarts.map((w) => weekEnd(w, this.zone));
    const weekOf = (hour: number) => {
      let lo = 0;
      let hi = weekStarts.length - 1;
      if (hour < weekStarts[0] || hour >= ends[hi]) return -1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (weekStarts[mid] <= hour) lo = mid;
        else hi = mid - 1;
      }
      return hour < ends[lo] ? lo : -1;
    };
    const week = (i: number) => {
      let w = byWeek.get(i);
      if (!w) {
        w = { start: weekStarts[i], end: ends[i], zone: this.zone, dwellings: [], sensors: [] };
        byWeek.set(i, w);
      }
      return w;
    };
    for (const d of dwellings)
      for (const [i, hours] of splitByWeek(d.hours, weekOf))
        week(i).dwellings.push({ dwellingId: d.dwellingId, hours });
    for (const s of sensors) {
      const split = splitByWeek(s.hours, weekOf);
      const sentSplit = s.sentHours === s.hours ? split : splitByWeek(s.sentHours ?? [], weekOf);
      for (const i of new Set([...split.keys(), ...sentSplit.keys()]))
        week(i).sensors.push({ ...s, hours: split.get(i) ?? [], sentHours: sentSplit.get(i) ?? [] });
    }
    await this.db.transaction().execute(async (trx) => {
      for (const [i, start] of weekStarts.entries()) {
        const found = byWeek.has(i) ? detectWeek(byWeek.get(i)!, thresholds) : [];
        await replaceWeek(
          trx,
          buildingId,
          start,
          found.map((a) => ({
            building_id: buildingId,
            dwelling_id: a.dwellingId,
            sensor_id: a.sensorId,
            kind: a.kind,
            week: start,
            period_from: a.from,
            period_to: a.to,
            figures: JSON.stringify(a.figures),
            computed_at: now,
          })),
        );
      }
    });
  }

  /** A building's anomalies, newest first, for whom sees the building. */
  async list(buildingId: number, principal: Principal, limit = 200): Promise<AnomalyList> {
    const seen = await placeVisibility(this.db, visibilityOf(principal), 'building', buildingId);
    if (seen === 'missing') throw notFound(`There is no building ${buildingId}.`);
    if (seen === 'hidden') throw forbidden(`You may not read building ${buildingId}.`);
    // Anomalies name dwellings: whom sees only part of the building (a resident) gets none.
    const whole = visibilityOf(principal) === 'all' || (await this.seesWhole(buildingId, principal));
    const rows = whole ? await listAnomalies(this.db, buildingId, limit) : [];
    return {
      buildingId,
      thresholds: await this.thresholdsOf(await organisationOfBuilding(this.db, buildingId)),
      items: rows.map((r) => ({
        id: Number(r.id),
        buildingId: Number(r.buildingId),
        dwellingId: r.dwellingId === null ? null : Number(r.dwellingId),
        dwellingLabel: r.dwellingLabel ?? null,
        sensorId: r.sensorId === null ? null : Number(r.sensorId),
        medium: r.medium ?? null,
        kind: r.kind as AnomalyKind,
        week: Number(r.week),
        from: Number(r.from),
        to: Number(r.to),
        figures: JSON.parse(r.figures) as Record<string, number>,
      })),
    };
  }

  private async seesWhole(buildingId: number, principal: Principal): Promise<boolean> {
    return principal.roles.includes('esco') && principal.buildingIds.includes(buildingId);
  }

  /** The caller's organisation (an administrator may name one). */
  private async organisationFor(principal: Principal, named?: number): Promise<number> {
    const own = principal.kind === 'user' ? await organisationOfUser(this.db, principal.id) : null;
    if (named !== undefined && principal.roles.includes('admin')) {
      const exists = await this.db
        .selectFrom('organisation')
        .select('id')
        .where('id', '=', named)
        .executeTakeFirst();
      if (!exists) throw notFound(`There is no organisation ${named}.`);
      return named;
    }
    if (named !== undefined && named !== own) throw notFound(`There is no organisation ${named}.`);
    if (own === null)
      throw badRequest('query.organisationId: name the organisation whose thresholds these are.');
    return own;
  }

  async thresholds(principal: Principal, organisationId?: number) {
    const id = await this.organisationFor(principal, organisationId);
    return { organisationId: id, thresholds: await this.thresholdsOf(id) };
  }

  /** Stores an organisation's thresholds and finds its buildings' recent anomalies again. */
  async setThresholds(
    principal: Principal,
    body: AnomalyThresholds,
    organisationId?: number,
    now = Date.now(),
  ) {
    const id = await this.organisationFor(principal, organisationId);
    if (body.occupiedTo <= body.occupiedFrom)
      throw badRequest('body.occupiedTo: the occupied hours end after they start.');
    await upsertThresholds(this.db, id, JSON.stringify(body), now);
    const last = weeksOf(now - (RECOMPUTE_WEEKS - 1) * 7 * 86_400_000, now, this.zone);
    for (const b of await buildingsOfOrganisation(this.db, id))
      if ((await organisationOfBuilding(this.db, b)) === id) await this.findInBuilding(b, last, now);
    return { organisationId: id, thresholds: body };
  }
}

/** Hours by the index of their week (`weekOf`: −1 outside every week). */
function splitByWeek<T extends { hour: number }>(
  hours: T[],
  weekOf: (hour: number) => number,
): Map<number, T[]> {
  const split = new Map<number, T[]>();
  for (const h of hours) {
    const i = weekOf(h.hour);
    if (i < 0) continue;
    const list = split.get(i);
    if (list) list.push(h);
    else split.set(i, [h]);
  }
  return split;
}
