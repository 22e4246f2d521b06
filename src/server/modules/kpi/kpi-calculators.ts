import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { InstallationCoverage } from '#common/api/installations.ts';
import type { Calculator, RecomputeBody, RecomputeResult } from '#common/api/kpi.ts';
import { PLATFORM_RESOURCE } from '#common/api/kpi.ts';
import type { Database } from '../../db/schema.ts';
import type { RecordedChange } from '../../timeseries/timeseries-io.ts';
import { systemPrincipal } from '../../access/visibility.ts';
import type { RouteEntry } from '../../plugins/access.ts';
import { badRequest } from '../../plugins/errors.ts';
import type { ReadingsService } from '../readings/readings.service.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { type ComfortSource, comfortDrafts, NO_COMFORT } from './comfort.calculator.ts';
import { type BuildingYear, type CarrierYear, type Draft, energyDrafts } from './energy.calculator.ts';
import { type Factor, factorFor } from './kpi-factors.ts';
import {
  dayPeriod,
  monthKey,
  monthPeriod,
  monthsOf,
  yearOf,
  yearPeriod,
  yearsTouching,
} from './kpi-periods.ts';
import type { CalculatedMeasure, KpiService } from './kpi.service.ts';
import * as store from './kpi.store.ts';
import { type EnergyMeter, groupInto, type KpiBuilding, type MonthSum } from './kpi.store.ts';
import type { ResponseTimes } from './response-times.ts';
import { HOUR_MS } from '#common/time.ts';

/** Versions of the calculators' methods: part of every inputs version, bumped when a method changes. */
export const CALCULATOR_VERSIONS: Record<Calculator, number> = {
  energy: 1,
  comfort: 1,
  ict: 1,
  mobility: 1,
};

/** The missing-data heatmap of a building over days [from, to] (the installations module's). */
export type CoverageSource = (buildingId: number, from: number, to: number) => Promise<InstallationCoverage>;

/** The data completeness and correctness KPIs: of a building, and of the platform. */
export const DATA_QUALITY_KPIS = {
  building: { completeness: 'ICT_DATA_COMPLETENESS', correctness: 'ICT_DATA_CORRECTNESS' },
  platform: { completeness: 'ICT_PLATFORM_DATA_COMPLETENESS', correctness: 'ICT_PLATFORM_DATA_CORRECTNESS' },
} as const;

/** Uptime is counted in slots of five minutes. */
export const UPTIME_SLOT_MS = 5 * 60_000;

/** Whom the calculators read readings as: CIOP itself, which sees every building. */
const CALCULATOR = systemPrincipal('KPI calculators');

export interface CalculatorOptions {
  zone: string;
  /** The region whose conversion factors apply (e.g. ES-peninsular). */
  region: string;
  /** The district heating network's declared factor. */
  districtHeating: Factor;
}

/** What a run of a calculator wrote, and what it could not compute. */
export interface RunReport {
  buildings: number;
  measures: number;
  notes: string[];
}

const versionOf = (calculator: Calculator, inputs: unknown) =>
  `${calculator}@${CALCULATOR_VERSIONS[calculator]}:${createHash('sha256')
    .update(JSON.stringify(inputs))
    .digest('hex')
    .slice(0, 16)}`;

const draftsToMeasures = (resource: string, drafts: Draft[], inputsVersion: string): CalculatedMeasure[] =>
  drafts.map((d) => ({
    kpi: d.kpi,
    resource,
    breakdown: d.breakdown,
    start: d.period.start,
    end: d.period.end,
    value: d.value,
    inputs: d.inputs,
    inputsVersion,
  }));

const areaOf = (b: KpiBuilding, carrier: string) =>
  b.carrier1 === carrier
    ? { areaM2: b.area1, areaFrom: 'm2_1' as const }
    : b.carrier2 === carrier
      ? { areaM2: b.area2, areaFrom: 'm2_2' as const }
      : { areaM2: null, areaFrom: null };

/**
 * CIOP's KPI calculators: energy (final and primary energy, CO2, carrier shares) from the
 * thermal energy records and the dwellings' energy meters, comfort from stored comfort, and the
 * platform's own ICT KPIs. Each run replaces what it computed for its buildings and years, so a
 * run is idempotent; every measure keeps the inputs it came from.
 */
export class KpiCalculators {
  private comfortSource: ComfortSource = NO_COMFORT;
  private routes: () => readonly RouteEntry[] = () => [];
  private coverage?: CoverageSource;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly kpi: KpiService,
    private readonly readings: ReadingsService,
    private readonly engine: TimeSeriesEngine,
    private readonly responseTimes: ResponseTimes,
    private readonly options: CalculatorOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Stored comfort, once the comfort module is there. */
  useComfort(source: ComfortSource): void {
    this.comfortSource = source;
  }

  get comfortAvailable(): boolean {
    return this.comfortSource.available;
  }

  /** The installations' coverage, for the data completeness and correctness KPIs. */
  useCoverage(source: CoverageSource): void {
    this.coverage = source;
  }

  /** The route table the ICT KPIs count services and APIs in. */
  useRouteTable(routes: () => readonly RouteEntry[]): void {
    this.routes = routes;
  }

  /** The stored conversion factors and the configured district heating factor. */
  async factors(): Promise<Factor[]> {
    const stored = (await store.listFactors(this.db)).map((f): Factor => ({
      id: f.id,
      carrier: f.carrier,
      region: f.region,
      validFrom: f.valid_from,
      validTo: f.valid_to,
      renewable: f.renewable,
      nonRenewable: f.non_renewable,
      total: f.total,
      co2: f.co2,
      source: f.source,
      updatedAt: f.updated_at,
      updatedBy: f.updated_by,
    }));
    return [...stored, this.options.districtHeating];
  }

  /**
   * The factor of a carrier in force at any instant, in the configured region (read once): for
   * calculators of other modules, such as the CO2 of the electricity the buses used.
   */
  async factorLookup(carrier: string): Promise<(at: number) => Factor | undefined> {
    const factors = await this.factors();
    return (at) => factorFor(factors, carrier, this.options.region, at);
  }

  // --- Energy ------------------------------------------------------------------------------------

  /**
   * Computes the energy KPIs of some years, for some buildings (default every building), and
   * replaces what was stored for them.
   */
  async energy(years: readonly number[], buildingIds?: readonly number[]): Promise<RunReport> {
    const { zone, region } = this.options;
    const buildings = await store.listKpiBuildings(this.db, buildingIds);
    const factors = await this.factors();
    const factorAt = (carrier: string, at: number) => factorFor(factors, carrier, region, at);
    const meters = this.metersByBuilding(await store.listEnergyMeters(this.db));
    const areas = await store.dwellingAreas(this.db, [
      ...new Set([...meters.values()].flat().map((m) => m.dwellingId)),
    ]);
    const report: RunReport = { buildings: 0, measures: 0, notes: [] };
    const computed = new Set<number>();
    for (const year of years) {
      const period = yearPeriod(year, zone);
      const months = monthsOf(year);
      const sums = await store.thermalMonthSums(this.db, months[0], months[11], buildingIds);
      const byBuilding = new Map<number, MonthSum[]>();
      for (const s of sums) groupInto(byBuilding, s.buildingId, s);
      const measures: CalculatedMeasure[] = [];
      for (const b of buildings) {
        const carriers = this.recordCarriers(b, byBuilding.get(b.id) ?? []);
        const metered = meters.get(b.id)?.filter((m) => m.from < period.end && m.to > period.start) ?? [];
        if (!carriers.some((c) => c.carrier === 'electricity') && metered.length > 0) {
          const electricity = await this.meteredElectricity(b.id, metered, areas, period);
          if (electricity) carriers.push(electricity);
        }
        if (carriers.length === 0) continue;
        const input: BuildingYear = {
          code: b.code,
          year,
          referenceAreaM2: Math.max(b.area1 ?? 0, b.area2 ?? 0) || null,
          carriers,
        };
        const { drafts, notes } = energyDrafts(input, zone, factorAt);
        const used = carriers.flatMap((c) =>
          [...c.months.keys()].map((m) => {
            const f = factorAt(c.carrier, monthPeriod(m, zone).start);
            return f ? [c.carrier, m, f.id, f.total, f.nonRenewable, f.co2] : [c.carrier, m, null];
          }),
        );
        const version = versionOf('energy', {
          building: [b.code, b.carrier1, b.area1, b.carrier2, b.area2],
          carriers: carriers.map((c) => [c.carrier, c.source, c.count, [...c.months], c.areaM2]),
          factors: used,
        });
        measures.push(...draftsToMeasures(b.code, drafts, version));
        report.notes.push(...notes);
        computed.add(b.id);
      }
      report.measures += await this.kpi.replaceCalculated(
        'energy',
        {
          resources: buildingIds ? buildings.map((b) => b.code) : undefined,
          from: period.start,
          to: period.end,
        },
        measures,
      );
    }
    report.buildings = computed.size;
    return report;
  }

  private metersByBuilding(meters: EnergyMeter[]): Map<number, EnergyMeter[]> {
    const out = new Map<number, EnergyMeter[]>();
    for (const m of meters) groupInto(out, m.buildingId, m);
    return out;
  }

  /** Final energy per carrier from a building's thermal energy records. */
  private recordCarriers(b: KpiBuilding, sums: MonthSum[]): CarrierYear[] {
    const byCarrier = new Map<string, CarrierYear>();
    for (const s of sums) {
      let c = byCarrier.get(s.carrier);
      if (!c) {
        c = { carrier: s.carrier, months: new Map(), source: 'records', count: 0, ...areaOf(b, s.carrier) };
        byCarrier.set(s.carrier, c);
      }
      c.months.set(s.month, (c.months.get(s.month) ?? 0) + s.kWh);
      c.count += s.records;
      c.first = Math.min(c.first ?? Infinity, s.first);
      c.last = Math.max(c.last ?? -Infinity, s.last);
    }
    return [...byCarrier.values()];
  }

  /**
   * A building's electricity from its dwellings' energy meters: what `/readings/group` gives for
   * the building (the mean consumption of the meters with readings, per month) times how many
   * meters had readings; its area is the floor area of the metered dwellings.
   */
  private async meteredElectricity(
    buildingId: number,
    meters: EnergyMeter[],
    areas: Map<number, number>,
    period: { start: number; end: number },
  ): Promise<CarrierYear | undefined> {
    const to = Math.min(period.end, this.clock()) - 1;
    if (to < period.start) return undefined;
    const group = await this.readings.group({ buildingId }, 'energy', period.start, to, 'month', CALCULATOR);
    const months = new Map<number, number>();
    for (const b of group.buckets) {
      if (b.mean === null || b.members === 0) continue;
      months.set(monthKey(b.start, this.options.zone), b.mean * b.members);
    }
    if (months.size === 0) return undefined;
    const dwellings = [...new Set(meters.map((m) => m.dwellingId))];
    const area = dwellings.reduce((s, id) => s + (areas.get(id) ?? 0), 0);
    return {
      carrier: 'electricity',
      months,
      source: 'meters',
      count: group.members,
      areaM2: area > 0 ? area : null,
      areaFrom: 'metered dwellings',
    };
  }

  /**
   * The energy KPIs of the buildings whose dwellings' energy readings changed (the change feed),
   * for the years the changes fall in.
   */
  async energyFromChanges(changes: RecordedChange[]): Promise<RunReport> {
    const meters = await store.listEnergyMeters(this.db);
    const bySeries = new Map<number, EnergyMeter[]>();
    for (const m of meters) groupInto(bySeries, m.seriesId, m);
    const work = new Map<number, Set<number>>();
    for (const c of changes) {
      for (const m of bySeries.get(c.seriesId) ?? []) {
        const from = Math.max(c.hourFrom, m.from);
        const to = Math.min(c.hourTo + HOUR_MS, m.to);
        if (from >= to) continue;
        for (const year of yearsTouching(from, to, this.options.zone))
          work.set(year, (work.get(year) ?? new Set()).add(m.buildingId));
      }
    }
    const report: RunReport = { buildings: 0, measures: 0, notes: [] };
    for (const [year, ids] of [...work].sort((a, b) => a[0] - b[0])) {
      const r = await this.energy([year], [...ids]);
      report.buildings += r.buildings;
      report.measures += r.measures;
      report.notes.push(...r.notes);
    }
    return report;
  }

  // --- Comfort -----------------------------------------------------------------------------------

  /** Computes the comfort KPIs of some years and buildings from stored comfort. */
  async comfort(years: readonly number[], buildingIds?: readonly number[]): Promise<RunReport> {
    const report: RunReport = { buildings: 0, measures: 0, notes: [] };
    if (!this.comfortSource.available) {
      report.notes.push('No stored comfort is available yet: the comfort KPIs have no data.');
      return report;
    }
    const buildings = await store.listKpiBuildings(this.db, buildingIds);
    const computed = new Set<number>();
    for (const year of years) {
      const period = yearPeriod(year, this.options.zone);
      const measures: CalculatedMeasure[] = [];
      for (const b of buildings) {
        const days = await this.comfortSource.buildingDays(b.id, period.start, period.end);
        const drafts = comfortDrafts(days, period, this.options.zone);
        if (drafts.length === 0) continue;
        const version = versionOf(
          'comfort',
          days.map((d) => [d.start, d.hours, d.pmv, d.ppd, d.categories]),
        );
        measures.push(...draftsToMeasures(b.code, drafts, version));
        computed.add(b.id);
      }
      report.measures += await this.kpi.replaceCalculated(
        'comfort',
        {
          resources: buildingIds ? buildings.map((b) => b.code) : undefined,
          from: period.start,
          to: period.end,
        },
        measures,
      );
    }
    report.buildings = computed.size;
    return report;
  }

  // --- ICT ---------------------------------------------------------------------------------------

  /** Notes that the platform is running in the slot holding `now`. */
  async recordUptime(now: number): Promise<void> {
    await store.recordUptimeSlot(this.db, Math.floor(now / UPTIME_SLOT_MS) * UPTIME_SLOT_MS);
  }

  /** The platform's ICT KPIs of the day holding `now`, measured on itself so far. */
  async ict(now: number): Promise<RunReport> {
    const day = dayPeriod(now, this.options.zone);
    const until = Math.min(now, day.end);
    const drafts: Draft[] = [];
    const push = (kpi: string, value: number, inputs: Record<string, unknown>) =>
      drafts.push({ kpi, breakdown: '', period: day, value, inputs });

    const times = this.responseTimes.percentiles(day.start, [50, 95]);
    if (times) {
      push('ICT_API_P50', times.values[0], { requests: times.requests, measuredBy: 'this replica' });
      push('ICT_API_P95', times.values[1], { requests: times.requests, measuredBy: 'this replica' });
    }
    const uptime = await store.uptimeSlots(this.db, day.start, day.end);
    if (uptime.first !== null) {
      const since = Math.max(day.start, Math.floor(uptime.first / UPTIME_SLOT_MS) * UPTIME_SLOT_MS);
      const expected = Math.max(1, Math.ceil((until - since) / UPTIME_SLOT_MS));
      push('ICT_AVAILABILITY', Math.min(100, (100 * uptime.n) / expected), {
        slots: uptime.n,
        expected,
        slot_min: UPTIME_SLOT_MS / 60_000,
      });
    }
    const api = this.routes().filter(
      (r) => r.url.startsWith('/api/') && !r.url.startsWith('/api/docs') && r.method !== 'HEAD',
    );
    if (api.length > 0) {
      const services = new Set(
        api.map((r) => r.url.split('/')[3]?.replace(/^:.*/, '') || r.url.split('/')[2]),
      );
      push('ICT_APIS', api.length, { routes: api.length });
      push('ICT_SERVICES', services.size, { services: [...services].sort() });
    }
    push('ICT_MEASUREMENT_TYPES', await store.countMedia(this.db), { source: 'media in the registry' });
    const bytes = await this.engine.io.storageBytes();
    push('ICT_DATA_VOLUME', bytes / 1e6, { bytes });
    const readings = await store.readingsStored(this.db, day.start, until);
    const minutes = Math.max(1, (until - day.start) / 60_000);
    push('ICT_INGEST_RATE', readings / minutes, { readings, minutes: Math.round(minutes) });

    const version = versionOf(
      'ict',
      drafts.map((d) => [d.kpi, d.value]),
    );
    const measures = await this.kpi.replaceCalculated(
      'ict',
      { resources: [PLATFORM_RESOURCE], from: day.start, to: day.end },
      draftsToMeasures(PLATFORM_RESOURCE, drafts, version),
    );
    return { buildings: 0, measures, notes: [] };
  }

  /**
   * Data completeness and correctness of each building and of the platform, for the months named
   * (YYYYMM), counted over the whole days before `until`. Completeness: readings received (at most
   * the expected ones per sensor and day) / readings expected, one per the medium's expected
   * interval from when the sensor was registered or first seen (the coverage's `expected`); correctness: readings received that passed the quality checks / readings received.
   * A building without sensors, or a month without readings for correctness, gets no measure.
   */
  async dataQuality(months: readonly number[], until: number, buildingIds?: number[]): Promise<RunReport> {
    const report: RunReport = { buildings: 0, measures: 0, notes: [] };
    if (!this.coverage) return report;
    const zone = this.options.zone;
    const lastDay = dayPeriod(until, zone).start;
    const buildings = await store.listKpiBuildings(this.db, buildingIds);
    const codes = [
      ...Object.values(DATA_QUALITY_KPIS.building),
      ...Object.values(DATA_QUALITY_KPIS.platform),
    ];
    const seen = new Set<number>();
    for (const key of months) {
      const month = monthPeriod(key, zone);
      const end = Math.min(month.end, lastDay);
      if (end <= month.start) continue;
      const measures: CalculatedMeasure[] = [];
      const platform = { expected: 0, received: 0, count: 0, passed: 0 };
      let counted = 0;
      const push = (kpi: string, resource: string, value: number, inputs: Record<string, unknown>) =>
        measures.push({
          kpi,
          resource,
          breakdown: '',
          start: month.start,
          end: month.end,
          value,
          inputs,
          inputsVersion: versionOf('ict', [kpi, resource, month.start, end, value]),
        });
      for (const b of buildings) {
        const cov = await this.coverage(b.id, month.start, end - 1);
        const sums = { expected: 0, received: 0, count: 0, passed: 0 };
        for (const sensor of cov.sensors)
          sensor.days.forEach((d) => {
            sums.expected += d.expected;
            sums.received += Math.min(d.count, d.expected);
            sums.count += d.count;
            sums.passed += d.count - d.flagged;
          });
        if (sums.expected === 0) continue;
        seen.add(b.id);
        counted++;
        for (const k of Object.keys(platform) as (keyof typeof platform)[]) platform[k] += sums[k];
        const inputs = { ...sums, days: cov.days.length, sensors: cov.sensors.length, until: end };
        push(DATA_QUALITY_KPIS.building.completeness, b.code, (100 * sums.received) / sums.expected, inputs);
        if (sums.count > 0)
          push(DATA_QUALITY_KPIS.building.correctness, b.code, (100 * sums.passed) / sums.count, inputs);
      }
      if (platform.expected > 0) {
        const inputs = { ...platform, buildings: counted, until: end };
        push(
          DATA_QUALITY_KPIS.platform.completeness,
          PLATFORM_RESOURCE,
          (100 * platform.received) / platform.expected,
          inputs,
        );
        if (platform.count > 0)
          push(
            DATA_QUALITY_KPIS.platform.correctness,
            PLATFORM_RESOURCE,
            (100 * platform.passed) / platform.count,
            inputs,
          );
      }
      report.measures += await this.kpi.replaceCalculated(
        'ict',
        {
          resources: buildingIds === undefined ? undefined : buildings.map((b) => b.code),
          from: month.start,
          to: month.end,
        },
        // Some buildings only: the platform's figure would be theirs, so it is left as it was.
        buildingIds === undefined ? measures : measures.filter((m) => m.resource !== PLATFORM_RESOURCE),
        codes,
      );
    }
    report.buildings = seen.size;
    return report;
  }

  // --- On demand ---------------------------------------------------------------------------------

  /** Computes a building's (or every building's) KPIs for the calendar years a period touches. */
  async recompute(body: RecomputeBody): Promise<RecomputeResult> {
    const began = this.clock();
    if (!(body.to > body.from)) throw badRequest(`to (${body.to}) must come after from (${body.from}).`);
    const years = yearsTouching(body.from, body.to, this.options.zone);
    if (years.length > 30)
      throw badRequest(`The period covers ${years.length} years; recompute at most 30 at once.`);
    let buildingIds: number[] | undefined;
    if (body.building !== undefined) {
      const ids = await store.findBuildingIdsByCodes(this.db, [body.building]);
      const id = ids.get(body.building);
      if (id === undefined) throw badRequest(`building: no building has the code ${body.building}.`);
      buildingIds = [id];
    }
    const calculators = body.calculators ?? ['energy', 'comfort'];
    const result: RecomputeResult = { buildings: 0, years, measures: {}, notes: [], ms: 0 };
    for (const calculator of calculators) {
      const report =
        calculator === 'energy'
          ? await this.energy(years, buildingIds)
          : calculator === 'comfort'
            ? await this.comfort(years, buildingIds)
            : await this.ict(this.clock());
      result.measures[calculator] = report.measures;
      result.buildings = Math.max(result.buildings, report.buildings);
      result.notes.push(...report.notes.slice(0, 50));
    }
    result.ms = this.clock() - began;
    return result;
  }

  /** The years that hold stored energy KPIs (per-year ones), oldest first. */
  async energyYears(): Promise<number[]> {
    const [id] = this.kpi.idsOf(['EN_FINAL']);
    return (await store.periodStarts(this.db, id, 'year')).map((t) => yearOf(t, this.options.zone)).reverse();
  }
}
