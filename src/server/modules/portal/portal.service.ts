import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Figure, PublicSummary } from '#common/api/portal.ts';
import type { Database } from '../../db/schema.ts';
import { foldHours } from '../../timeseries/aggregate.ts';
import type { FlaggedReadings, FlaggedRun } from '../../timeseries/flagged-readings.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { listScopedSeries, type ScopedSeries } from '../../places/places.store.ts';
import type { KpiPortalFigures } from '../kpi/kpi-portal.ts';
import { listBuildings, listDistricts, listDwellings } from './portal.store.ts';
import { HOUR_MS, DAY_MS } from '#common/time.ts';

/**
 * Conversion factors for electricity from the Spanish grid (peninsular), from "Factores de
 * emisión de CO2 y coeficientes de paso a energía primaria de diferentes fuentes de energía final
 * consumidas en el sector de edificios en España" (IDAE / RITE, 2016): total primary energy
 * 2.368 kWh per kWh of final electricity, and 0.331 kg CO2 per kWh.
 */
export const ELECTRICITY_FACTORS = {
  primaryEnergy: 2.368,
  co2: 0.331,
  reference: 'IDAE/RITE 2016, peninsular electricity',
} as const;

export interface PortalOptions {
  /** The summary is recomputed at most this often (ms). */
  maxAgeMs: number;
  /** A building's mean indoor temperature is published over at least this many homes (CIOP_PRIVACY_MIN_DWELLINGS). */
  minDwellings: number;
  /** What the KPI store holds for the portal, when the KPI tool runs. */
  kpiFigures?: () => Promise<KpiPortalFigures>;
}

/**
 * The district's headline figures for the public landing portal. They come from the KPI store
 * when it holds them (electricity, CO2 avoided by electric vehicles) and are otherwise computed
 * from the registry and the hourly rollups; the answer is cached and recomputed at most every `maxAgeMs`, never per request.
 */
export class PortalService {
  private cached: PublicSummary | undefined;
  private computing: Promise<PublicSummary> | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly flagged: FlaggedReadings,
    private readonly logger: Logger,
    private readonly options: PortalOptions = { maxAgeMs: 600_000, minDwellings: 5 },
    private readonly clock: () => number = Date.now,
  ) {}

  /** The cached summary; a stale one is answered while a fresh one is computed in the background. */
  async summary(): Promise<PublicSummary> {
    if (!this.cached) return this.refresh();
    if (this.clock() - this.cached.computedAt >= this.options.maxAgeMs) {
      this.refresh().catch((error) =>
        this.logger.error({ err: error }, 'the public summary could not be recomputed; the last one is kept'),
      );
    }
    return this.cached;
  }

  /** Computes the summary now, once however many callers ask at the same time. */
  refresh(): Promise<PublicSummary> {
    this.computing ??= this.compute(this.clock())
      .then((summary) => {
        this.cached = summary;
        return summary;
      })
      .finally(() => {
        this.computing = undefined;
      });
    return this.computing;
  }

  private async compute(now: number): Promise<PublicSummary> {
    const [districts, buildings, dwellings] = await Promise.all([
      listDistricts(this.db),
      listBuildings(this.db),
      listDwellings(this.db),
    ]);
    const buildingOfDwelling = new Map(dwellings.map((d) => [d.id, d.building_id]));
    const areaOfDwelling = new Map(dwellings.map((d) => [d.id, d.area_m2]));

    // Carriers: the heated area each serves, as the registry gives it.
    const carriers = new Map<string, { areaM2: number; buildings: number }>();
    let heatedArea = 0;
    for (const b of buildings) {
      const served: [string | null, number | null][] = [
        [b.carrier1, b.area1_m2],
        [b.carrier2, b.area2_m2],
      ];
      heatedArea += Math.max(b.area1_m2 ?? 0, b.area2_m2 ?? 0);
      for (const [carrier, area] of served) {
        if (!carrier || !area) continue;
        const c = carriers.get(carrier) ?? { areaM2: 0, buildings: 0 };
        c.areaM2 += area;
        c.buildings += 1;
        carriers.set(carrier, c);
      }
    }
    const carrierTotal = [...carriers.values()].reduce((sum, c) => sum + c.areaM2, 0);

    // CIOP computes the public summary for everyone: it reads every district as itself.
    const districtSeries = async (medium: string) =>
      (
        await Promise.all(
          districts.map((d) => listScopedSeries(this.db, { districtId: d.id }, 'all', medium)),
        )
      ).flat();

    // Electricity of the monitored homes over the last 12 months, from their energy meters.
    const yearFrom = now - 365 * DAY_MS;
    let consumption = 0;
    let firstData = Infinity;
    const metered = new Set<number>();
    for (const m of await districtSeries('energy')) {
      const used = await this.consumption(m, yearFrom, now);
      if (used.kWh === null) continue;
      consumption += used.kWh;
      firstData = Math.min(firstData, used.firstHour);
      if (m.dwellingId !== null) metered.add(m.dwellingId);
    }
    const monitoredArea = [...metered].reduce((sum, id) => sum + (areaOfDwelling.get(id) ?? 0), 0);
    const hasElectricity = metered.size > 0;
    const primary = consumption * ELECTRICITY_FACTORS.primaryEnergy;

    // Comfort: the mean indoor temperature of each building over the last 7 days, without the
    // readings the quality checks flagged.
    const weekFrom = now - 7 * DAY_MS;
    const perBuilding = new Map<number, number[]>();
    const homesOf = new Map<number, Set<number>>();
    const thermometers = (await districtSeries('temperature')).filter(
      (m) => m.dwellingId !== null && m.to > weekFrom,
    );
    const flaggedRuns = await this.flagged.runs(
      thermometers.map((m) => m.seriesId),
      Math.floor(weekFrom / HOUR_MS) * HOUR_MS,
      now,
    );
    for (const m of thermometers) {
      if (m.dwellingId === null) continue;
      const mean = await this.mean(m, weekFrom, now, flaggedRuns.get(m.seriesId) ?? []);
      if (mean === null) continue;
      const buildingId = buildingOfDwelling.get(m.dwellingId);
      if (buildingId === undefined) continue;
      perBuilding.set(buildingId, [...(perBuilding.get(buildingId) ?? []), mean]);
      homesOf.set(buildingId, (homesOf.get(buildingId) ?? new Set()).add(m.dwellingId));
    }
    const anyComfort = perBuilding.size > 0;

    const registry = (value: number, unit: string): Figure => ({ value, unit, source: 'registry' });
    const measured = (value: number | null, unit: string, digits = 1): Figure =>
      hasElectricity && value !== null
        ? { value: round(value, digits), unit, source: 'readings' }
        : { value: null, unit, source: 'none' };

    const summary: PublicSummary = {
      computedAt: now,
      districts: districts.map((d) => ({ code: d.code, name: d.name, city: d.city })),
      buildings: registry(buildings.length, 'count'),
      dwellings: registry(dwellings.length, 'count'),
      heatedArea: registry(round(heatedArea), 'm²'),
      carriers: {
        source: carriers.size > 0 ? 'registry' : 'none',
        items: [...carriers]
          .map(([carrier, c]) => ({
            carrier,
            areaM2: round(c.areaM2),
            share: carrierTotal > 0 ? Math.round((c.areaM2 / carrierTotal) * 1000) / 1000 : 0,
            buildings: c.buildings,
          }))
          .sort((a, b) => b.areaM2 - a.areaM2),
      },
      electricity: {
        period: { from: hasElectricity ? Math.max(yearFrom, firstData) : yearFrom, to: now },
        monitoredDwellings: measured(metered.size, 'count'),
        monitoredArea: measured(monitoredArea, 'm²'),
        consumption: measured(consumption, 'kWh'),
        primaryEnergy: measured(primary, 'kWh'),
        primaryEnergyPerM2: measured(monitoredArea > 0 ? primary / monitoredArea : null, 'kWh/m²', 2),
        co2: measured(consumption * ELECTRICITY_FACTORS.co2, 'kg CO2'),
        factors: { ...ELECTRICITY_FACTORS },
      },
      comfort: {
        period: { from: weekFrom, to: now },
        unit: '°C',
        source: anyComfort ? 'readings' : 'none',
        buildings: buildings.map((b) => {
          const means = perBuilding.get(b.id) ?? [];
          // A public mean over too few homes would tell one home's temperature.
          const withheld = means.length > 0 && (homesOf.get(b.id)?.size ?? 0) < this.options.minDwellings;
          return {
            buildingId: b.id,
            code: b.code,
            address: b.address,
            meanTemperature:
              means.length > 0 && !withheld
                ? Math.round((means.reduce((s, v) => s + v, 0) / means.length) * 10) / 10
                : null,
            sensors: means.length,
            withheld,
          };
        }),
      },
      // No bus or charger data reaches CIOP yet; the figure says so instead of showing a zero.
      busCo2Avoided: { value: null, unit: 'kg CO2', source: 'none' },
    };
    return preferKpiStore(summary, (await this.options.kpiFigures?.()) ?? {});
  }

  /** What a cumulative meter counted within [from, to] while it served its dwelling, kWh. */
  private async consumption(
    m: ScopedSeries,
    from: number,
    to: number,
  ): Promise<{ kWh: number | null; firstHour: number }> {
    const start = Math.max(from, m.from);
    const end = Math.min(to, m.to - 1);
    if (start > end) return { kWh: null, firstHour: Infinity };
    const hours = await this.engine.readHours(m.seriesId, start, end);
    if (hours.length === 0) return { kWh: null, firstHour: Infinity };
    const before = (await this.engine.readingBefore(m.seriesId, hours[0].hour))?.v;
    const boundaries = [Math.floor(start / HOUR_MS) * HOUR_MS, Math.floor(end / HOUR_MS) * HOUR_MS + HOUR_MS];
    const [bucket] = foldHours(hours, boundaries, true, before);
    return { kWh: bucket.consumption ?? null, firstHour: hours[0].hour };
  }

  /** Mean of a sensor's readings within [from, to] while it served its dwelling, less those of the flagged `runs`. */
  private async mean(m: ScopedSeries, from: number, to: number, runs: FlaggedRun[]): Promise<number | null> {
    const start = Math.max(from, m.from);
    const end = Math.min(to, m.to - 1);
    if (start > end) return null;
    let sum = 0;
    let count = 0;
    for (const h of await this.flagged.readHours(m.seriesId, start, end, runs)) {
      sum += h.sum;
      count += h.count;
    }
    return count > 0 ? sum / count : null;
  }
}

const round = (v: number, digits = 1) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * The KPI store's figures win where it holds them: the buildings' electricity KPIs of their
 * latest year (with the factors the KPI tool used), and the CO2 electric vehicles avoided.
 */
function preferKpiStore(summary: PublicSummary, kpi: KpiPortalFigures): PublicSummary {
  const stored = (value: number, unit: string, digits = 1): Figure => ({
    value: round(value, digits),
    unit,
    source: 'kpi-store',
  });
  const e = kpi.electricity;
  return {
    ...summary,
    electricity: e
      ? {
          ...summary.electricity,
          period: e.period,
          monitoredArea: stored(e.areaM2, 'm²'),
          consumption: stored(e.consumption, 'kWh'),
          primaryEnergy: stored(e.primaryEnergy, 'kWh'),
          primaryEnergyPerM2:
            e.areaM2 > 0
              ? stored(e.primaryEnergy / e.areaM2, 'kWh/m²', 2)
              : { value: null, unit: 'kWh/m²', source: 'none' },
          co2: stored(e.co2, 'kg CO2'),
        }
      : summary.electricity,
    busCo2Avoided: kpi.evCo2Avoided ? stored(kpi.evCo2Avoided.value, 'kg CO2') : summary.busCo2Avoided,
  };
}
