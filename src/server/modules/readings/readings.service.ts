import type { Kysely } from 'kysely';
import {
  areaReach,
  checkMeanCoverage,
  placeVisibility,
  type Visibility,
  visibilityOf,
} from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, forbidden, notFound } from '../../plugins/errors.ts';
import {
  findSensorPlacement,
  findSensorPlacementByIdentity,
  listScopedSeries,
  type Scope,
  type ScopedSeries,
  type SensorPlacement,
} from '../../places/places.store.ts';
import { averageAcross, type Bucket, foldHours, type GroupBucket } from '../../timeseries/aggregate.ts';
import { type Interval, intervalBoundaries } from '../../timeseries/calendar.ts';
import type { SeriesCatalog } from '../../timeseries/series-catalog.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import type { FlaggedChoice, FlaggedReadings, FlaggedRun } from '../../timeseries/flagged-readings.ts';
import { foldGroupHours, type GroupRollups } from './group-rollup.service.ts';
import { countMembers, type GroupHour, mediumIsCumulative } from './group-rollup.store.ts';
import { HOUR_MS } from '#common/time.ts';

/** How a caller names one sensor. */
export type SensorSelector =
  { sensorId: number } | { sn: string; channel: string; device: string; medium: string };

/** Upper bounds that keep every answer finite. */
export const LIMITS = {
  /** Raw readings per page. */
  maxRawPage: 10_000,
  /** Intervals in one aggregate answer. */
  maxBuckets: 20_000,
  /** Members of one group query. */
  maxGroupMembers: 5_000,
  /** Days in one coverage answer. */
  maxCoverageDays: 400,
};

export interface RawPage {
  sensorId: number;
  unit: string;
  points: { t: number; v: number }[];
  /** Pass as `from` to get the next page; absent on the last page. */
  next?: number;
}

/** Reads stored readings back, bounded, and only what the caller may see. */
export class ReadingsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly catalog: SeriesCatalog,
    private readonly timezone: string,
    /** Fewest dwellings a building or district mean covers for whom does not see all of it. */
    private readonly minDwellings: number,
    private readonly rollups: GroupRollups,
    private readonly flagged: FlaggedReadings,
  ) {}

  /** The sensor a selector names, once the caller is known to be allowed to read it. */
  async sensor(
    selector: SensorSelector,
    principal: Principal,
  ): Promise<SensorPlacement & { seriesId: number }> {
    const visibility = visibilityOf(principal);
    const placement =
      'sensorId' in selector
        ? await findSensorPlacement(this.db, selector.sensorId, visibility)
        : await findSensorPlacementByIdentity(this.db, selector, visibility);
    const name =
      'sensorId' in selector
        ? `sensor ${selector.sensorId}`
        : `sensor SN=${selector.sn} channel=${selector.channel} device=${selector.device} medium=${selector.medium}`;
    if (!placement) throw notFound(`There is no ${name}.`);
    if (!placement.seen) throw forbidden(`You may not read ${name}.`);
    if (placement.seriesId === null) throw notFound(`${name} has not sent any reading yet.`);
    return placement as SensorPlacement & { seriesId: number };
  }

  async raw(
    selector: SensorSelector,
    from: number,
    to: number,
    limit: number,
    principal: Principal,
  ): Promise<RawPage> {
    checkRange(from, to);
    const sensor = await this.sensor(selector, principal);
    const page = Math.min(limit, LIMITS.maxRawPage);
    // Read a window at a time so that a long range with a small page stays cheap.
    const points: { t: number; v: number }[] = [];
    let start = from;
    let span = 7 * 24 * HOUR_MS;
    while (start <= to && points.length <= page) {
      const end = Math.min(to, start + span - 1);
      const got = await this.engine.readPoints(sensor.seriesId, start, end);
      for (let i = 0; i < got.times.length && points.length <= page; i++)
        points.push({ t: got.times[i], v: got.values[i] });
      start = end + 1;
      span *= 2;
    }
    const next = points.length > page ? points[page].t : undefined;
    return {
      sensorId: sensor.sensorId,
      unit: sensor.unit,
      points: points.slice(0, page),
      ...(next !== undefined ? { next } : {}),
    };
  }

  async aggregate(
    selector: SensorSelector,
    from: number,
    to: number,
    interval: Interval,
    principal: Principal,
    flagged: FlaggedChoice = 'exclude',
  ): Promise<{ sensorId: number; unit: string; cumulative: boolean; buckets: Bucket[] }> {
    checkRange(from, to);
    const sensor = await this.sensor(selector, principal);
    const boundaries = this.boundaries(from, to, interval);
    const runs = flagged === 'exclude' ? await this.flaggedRuns([sensor.seriesId], boundaries) : undefined;
    const buckets = await this.seriesBuckets(sensor.seriesId, boundaries, undefined, runs);
    return {
      sensorId: sensor.sensorId,
      unit: sensor.unit,
      cumulative: this.catalog.isCumulative(sensor.seriesId),
      buckets,
    };
  }

  /**
   * The average of the sensors of one medium across a dwelling, gateway, building or district.
   * A dwelling or gateway only for whom sees it; a building or district for whom sees every
   * dwelling of it, or covering enough dwellings for whom has one in it (see the visibility policy).
   * A building's or district's mean is read from the group rollups (a few rows an interval).
   */
  async group(
    scope: Scope,
    medium: string,
    from: number,
    to: number,
    interval: Interval,
    principal: Principal,
    flagged: FlaggedChoice = 'exclude',
  ): Promise<{ members: number; cumulative: boolean; buckets: GroupBucket[] }> {
    checkRange(from, to);
    const visibility = visibilityOf(principal);
    const area = 'buildingId' in scope || 'districtId' in scope ? scope : undefined;
    const reach = area && (await areaReach(this.db, visibility, area));
    if (reach === 'missing') throw notFound(`There is no ${scopeName(scope)}.`);
    if (reach === 'none') checkMeanCoverage(reach, area!, 0, this.minDwellings);
    if (area && reach) {
      const boundaries = this.boundaries(from, to, interval);
      return this.areaMean(area, reach, medium, boundaries, { from, to }, flagged);
    }
    await this.checkNamed(scope, visibility);
    const members = (await listScopedSeries(this.db, scope, visibility, medium)).filter(
      (m) => m.from <= to && m.to > from,
    );
    const boundaries = this.boundaries(from, to, interval);
    const cumulative = members.length > 0 && this.catalog.isCumulative(members[0].seriesId);
    const runs =
      flagged === 'exclude'
        ? await this.flaggedRuns(
            members.map((m) => m.seriesId),
            boundaries,
          )
        : undefined;
    return { cumulative, ...(await this.membersMean(members, boundaries, cumulative, runs)) };
  }

  /** The mean of `members` computed from their own readings, without those of the flagged `runs`. */
  private async membersMean(
    members: ScopedSeries[],
    boundaries: number[],
    cumulative: boolean,
    runs: Map<number, FlaggedRun[]> | undefined,
  ): Promise<{ members: number; buckets: GroupBucket[] }> {
    if (members.length > LIMITS.maxGroupMembers) {
      throw badRequest(
        `This group has ${members.length} sensors; at most ${LIMITS.maxGroupMembers} can be averaged at once.`,
      );
    }
    const perSensor = new Map<number, Bucket[]>();
    for (const m of members) {
      const buckets = await this.seriesBuckets(m.seriesId, boundaries, m, runs);
      const known = perSensor.get(m.sensorId);
      // A sensor that served the scope twice (moved away and back) contributes both spans.
      perSensor.set(m.sensorId, known ? known.map((b, i) => (b.count > 0 ? b : buckets[i])) : buckets);
    }
    return {
      members: perSensor.size,
      buckets: averageAcross([...perSensor.values()], boundaries, cumulative),
    };
  }

  /**
   * A building's or district's mean from its stored hours (computed from the members' hours
   * until the rollups have been computed once). The stored hours leave flagged readings out and
   * count them: with flagged readings included, the hours between the first and the last that
   * counted some are computed again from the members. The privacy rule counts the distinct
   * dwellings with readings in the range: the most in one hour settles it when that is enough;
   * otherwise they are counted from the members.
   */
  private async areaMean(
    area: { buildingId: number } | { districtId: number },
    reach: 'whole' | 'part' | 'none',
    medium: string,
    boundaries: number[],
    asked: { from: number; to: number },
    choice: FlaggedChoice,
  ): Promise<{ members: number; cumulative: boolean; buckets: GroupBucket[] }> {
    const from = boundaries[0];
    const to = boundaries[boundaries.length - 1] - 1;
    const compute = (a = from, b = to) =>
      'buildingId' in area
        ? this.rollups.computeBuilding(area.buildingId, medium, a, b, choice)
        : this.rollups.computeDistrict(area.districtId, medium, a, b, choice);
    const cumulative = await mediumIsCumulative(this.db, medium);
    const [level, groupId] =
      'buildingId' in area
        ? (['building', area.buildingId] as const)
        : (['district', area.districtId] as const);
    let hours: Omit<GroupHour, 'dwellings'>[];
    let covered: number | undefined;
    let most = 0;
    let members: number;
    if (await this.rollups.ready()) {
      // Independent reads: on PostgreSQL they go out together.
      [hours, members, most] = await Promise.all([
        this.rollups.read(level, groupId, medium, from, to),
        this.rollups.members(level, groupId, medium, asked.from, asked.to),
        reach === 'whole' ? 0 : this.rollups.mostDwellings(level, groupId, medium, from, to),
      ]);
      const flagged = hours.filter((h) => h.flagged > 0);
      if (choice === 'include' && flagged.length > 0) {
        const first = flagged[0].hour;
        // A meter's flagged reading is also the step to its next reading, in a later hour.
        const last = cumulative ? to : flagged[flagged.length - 1].hour;
        const computed = await compute(first, last);
        hours = [
          ...hours.filter((h) => h.hour < first),
          ...computed.hours,
          ...hours.filter((h) => h.hour > last),
        ];
      }
    } else {
      const computed = await compute();
      hours = computed.hours;
      covered = computed.dwellings.size;
      members = await countMembers(this.db, area, medium, asked.from, asked.to);
    }
    if (reach !== 'whole') {
      if (covered === undefined && most < this.minDwellings) covered = (await compute()).dwellings.size;
      checkMeanCoverage(reach, area, covered ?? most, this.minDwellings);
    }
    return {
      // Every sensor that served it in the range asked, as the members' own computation counted them.
      members,
      cumulative,
      buckets: foldGroupHours(hours, boundaries, cumulative).buckets,
    };
  }

  /**
   * For each dwelling of a building that the caller sees, what {@link group} answers for it (its
   * sensors of one medium averaged per interval): the building's series are listed once and the
   * intervals cut once, instead of once per dwelling.
   */
  async groupPerDwelling(
    buildingId: number,
    medium: string,
    from: number,
    to: number,
    interval: Interval,
    principal: Principal,
  ): Promise<{
    boundaries: number[];
    dwellings: Map<number, { members: number; cumulative: boolean; buckets: GroupBucket[] }>;
  }> {
    checkRange(from, to);
    const visibility = visibilityOf(principal);
    await this.checkNamed({ buildingId }, visibility);
    const all = (await listScopedSeries(this.db, { buildingId }, visibility, medium)).filter(
      (m) => m.dwellingId !== null && m.from <= to && m.to > from,
    );
    const byDwelling = new Map<number, ScopedSeries[]>();
    for (const m of all) byDwelling.set(m.dwellingId!, [...(byDwelling.get(m.dwellingId!) ?? []), m]);
    const boundaries = this.boundaries(from, to, interval);
    const dwellings = new Map<number, { members: number; cumulative: boolean; buckets: GroupBucket[] }>();
    for (const [dwellingId, members] of byDwelling) {
      if (members.length > LIMITS.maxGroupMembers)
        throw badRequest(
          `Dwelling ${dwellingId} has ${members.length} sensors; at most ${LIMITS.maxGroupMembers} can be averaged at once.`,
        );
      const cumulative = this.catalog.isCumulative(members[0].seriesId);
      const perSensor = new Map<number, Bucket[]>();
      for (const m of members) {
        const buckets = await this.seriesBuckets(m.seriesId, boundaries, m);
        const known = perSensor.get(m.sensorId);
        perSensor.set(m.sensorId, known ? known.map((b, i) => (b.count > 0 ? b : buckets[i])) : buckets);
      }
      dwellings.set(dwellingId, {
        members: perSensor.size,
        cumulative,
        buckets: averageAcross([...perSensor.values()], boundaries, cumulative),
      });
    }
    return { boundaries, dwellings };
  }

  /** Latest reading and last-seen time of every sensor of a scope, and of their gateways. */
  async latest(scope: Scope, principal: Principal) {
    const visibility = visibilityOf(principal);
    await this.checkNamed(scope, visibility);
    const members = await listScopedSeries(this.db, scope, visibility);
    const current = members.filter((m) => m.to === Infinity);
    const latest = await this.engine.latest(current.map((m) => m.seriesId));
    const gateways = new Map<number, number | null>();
    const sensors = current.map((m) => {
      const last = latest.get(m.seriesId);
      const seen = gateways.get(m.gatewayId) ?? null;
      if (last && (seen === null || last.t > seen)) gateways.set(m.gatewayId, last.t);
      else if (!gateways.has(m.gatewayId)) gateways.set(m.gatewayId, null);
      return {
        sensorId: m.sensorId,
        gatewayId: m.gatewayId,
        dwellingId: m.dwellingId,
        medium: m.medium,
        lastSeen: last?.t ?? null,
        value: last?.v ?? null,
      };
    });
    return { sensors, gateways: [...gateways].map(([gatewayId, lastSeen]) => ({ gatewayId, lastSeen })) };
  }

  /**
   * Per sensor and local day, the share of the expected readings that arrived (1 = all), for
   * the missing-data heatmap. `expectedIntervalS` is how often the sensors report.
   */
  async coverage(scope: Scope, from: number, to: number, expectedIntervalS: number, principal: Principal) {
    checkRange(from, to);
    const visibility = visibilityOf(principal);
    await this.checkNamed(scope, visibility);
    const boundaries = this.boundaries(from, to, 'day');
    if (boundaries.length - 1 > LIMITS.maxCoverageDays)
      throw badRequest(`Ask for at most ${LIMITS.maxCoverageDays} days of coverage at once.`);
    const members = (await listScopedSeries(this.db, scope, visibility)).filter(
      (m) => m.from <= to && m.to > from,
    );
    const sensors = [];
    for (const m of members) {
      const buckets = await this.seriesBuckets(m.seriesId, boundaries, m);
      sensors.push({
        sensorId: m.sensorId,
        medium: m.medium,
        days: buckets.map((b) => ({
          day: b.start,
          count: b.count,
          share: Math.min(1, b.count / ((b.end - b.start) / 1000 / expectedIntervalS)),
        })),
      });
    }
    return { expectedIntervalS, sensors };
  }

  /**
   * A dwelling, building or gateway named for its sensors' own readings must be one the caller
   * sees (403 naming it); the answer is then narrowed in the query to the dwellings they see. A
   * district is only narrowed.
   */
  private async checkNamed(scope: Scope, visibility: Visibility): Promise<void> {
    if ('districtId' in scope || visibility === 'all') return;
    const [kind, id] =
      'dwellingId' in scope
        ? (['dwelling', scope.dwellingId] as const)
        : 'buildingId' in scope
          ? (['building', scope.buildingId] as const)
          : (['gateway', scope.gatewayId] as const);
    const seen = await placeVisibility(this.db, visibility, kind, id);
    if (seen === 'missing') throw notFound(`There is no ${kind} ${id}.`);
    if (seen === 'hidden') throw forbidden(`You may not read the readings of ${kind} ${id}.`);
  }

  private boundaries(from: number, to: number, interval: Interval): number[] {
    const spanHours = (to - from) / HOUR_MS;
    const estimate = interval === 'hour' ? spanHours : interval === 'day' ? spanHours / 23 : spanHours / 672;
    if (estimate > LIMITS.maxBuckets)
      throw badRequest(
        `That range holds more than ${LIMITS.maxBuckets} ${interval}s; ask for a shorter range or a longer interval.`,
      );
    return intervalBoundaries(from, to, interval, this.timezone);
  }

  /** The flagged runs of the series within the boundaries. */
  private flaggedRuns(seriesIds: number[], boundaries: number[]): Promise<Map<number, FlaggedRun[]>> {
    const from = Math.floor(boundaries[0] / HOUR_MS) * HOUR_MS;
    const to = Math.ceil(boundaries[boundaries.length - 1] / HOUR_MS) * HOUR_MS - 1;
    return this.flagged.runs(seriesIds, from, to);
  }

  /**
   * A series' buckets over the boundaries, counting only readings within `span`, and without
   * the readings of the flagged `runs` when given.
   */
  private async seriesBuckets(
    seriesId: number,
    boundaries: number[],
    span?: ScopedSeries,
    runs?: Map<number, FlaggedRun[]>,
  ): Promise<Bucket[]> {
    const from = Math.max(boundaries[0], span?.from ?? -Infinity);
    const to = Math.min(boundaries[boundaries.length - 1] - 1, (span?.to ?? Infinity) - 1);
    if (from > to) return foldHours([], boundaries, false);
    const cumulative = this.catalog.isCumulative(seriesId);
    const flagged = runs?.get(seriesId);
    const hours = flagged
      ? await this.flagged.readHours(seriesId, from, to, flagged)
      : await this.engine.readHours(seriesId, from, to);
    // Left out, a flagged reading is no step to the next either.
    const reader = runs ? this.flagged : this.engine;
    const before =
      cumulative && hours.length > 0 ? (await reader.readingBefore(seriesId, hours[0].hour))?.v : undefined;
    return foldHours(hours, boundaries, cumulative, before);
  }
}

function checkRange(from: number, to: number): void {
  if (!(to >= from)) throw badRequest(`The range ends (${to}) before it starts (${from}).`);
}

function scopeName(scope: Scope): string {
  if ('dwellingId' in scope) return `dwelling ${scope.dwellingId}`;
  if ('buildingId' in scope) return `building ${scope.buildingId}`;
  if ('districtId' in scope) return `district ${scope.districtId}`;
  return `gateway ${scope.gatewayId}`;
}
