import type { Draft } from './energy.calculator.ts';
import { monthPeriodsOf, type Period, yearOf } from './kpi-periods.ts';

/** Shares of occupied point-hours in each ISO 7730 category, 0–1. */
export interface CategoryShares {
  I: number;
  II: number;
  III: number;
  outside: number;
}

/** A building's stored comfort over one local day. */
export interface ComfortDay {
  start: number;
  end: number;
  /** Occupied point-hours with a PMV (every comfort point of the building counts). */
  hours: number;
  /** Means over those point-hours; null when `hours` is 0. */
  pmv: number | null;
  ppd: number | null;
  categories: CategoryShares | null;
}

/**
 * Where the comfort calculator reads a building's stored comfort (the comfort module: PMV and PPD
 * per hour and comfort point, ISO 7730). `available` is false while no comfort store is wired:
 * the comfort KPIs then have no data.
 */
export interface ComfortSource {
  readonly available: boolean;
  /** The building's comfort per local day within [from, to). */
  buildingDays(buildingId: number, from: number, to: number): Promise<ComfortDay[]>;
}

/** No comfort store: every comfort KPI says there is no data. */
export const NO_COMFORT: ComfortSource = {
  available: false,
  buildingDays: async () => [],
};

/**
 * What the comfort module's service offers the KPI tool: building averages and category shares
 * per day over a range, in one answer (`ComfortService.averages`).
 */
export interface ComfortAverages {
  averages(
    scope: { buildingId: number },
    from: number,
    to: number,
    interval: 'day',
  ): Promise<{ buckets: ComfortDay[] }>;
}

/**
 * The comfort module's service as a comfort source. Once that module is part of the platform,
 * The KPI module wires it with one line: `kpi.calculators.useComfort(comfortSourceOf(comfort))`.
 */
export function comfortSourceOf(service: ComfortAverages): ComfortSource {
  return {
    available: true,
    // Its ranges are inclusive of `to`.
    buildingDays: async (buildingId, from, to) =>
      (await service.averages({ buildingId }, from, to - 1, 'day')).buckets.filter((b) => b.start < to),
  };
}

interface Fold {
  hours: number;
  pmv: number;
  ppd: number;
  I: number;
  II: number;
  III: number;
  outside: number;
  days: number;
}

const empty = (): Fold => ({ hours: 0, pmv: 0, ppd: 0, I: 0, II: 0, III: 0, outside: 0, days: 0 });

function add(f: Fold, d: ComfortDay): void {
  if (d.hours <= 0 || d.pmv === null || d.ppd === null) return;
  f.hours += d.hours;
  f.pmv += d.pmv * d.hours;
  f.ppd += d.ppd * d.hours;
  f.days += 1;
  if (d.categories) {
    f.I += d.categories.I * d.hours;
    f.II += d.categories.II * d.hours;
    f.III += d.categories.III * d.hours;
    f.outside += d.categories.outside * d.hours;
  }
}

function foldDrafts(f: Fold, period: Period, out: Draft[]): void {
  if (f.hours === 0) return;
  const inputs = { hours: f.hours, days: f.days, source: 'stored comfort (ISO 7730)' };
  out.push(
    { kpi: 'CF_PMV', breakdown: '', period, value: f.pmv / f.hours, inputs },
    { kpi: 'CF_PPD', breakdown: '', period, value: f.ppd / f.hours, inputs },
  );
  for (const category of ['I', 'II', 'III', 'outside'] as const)
    out.push({
      kpi: 'CF_CATEGORY_SHARE',
      breakdown: category,
      period,
      value: (100 * f[category]) / f.hours,
      inputs: { ...inputs, category_hours: f[category] },
    });
}

/**
 * A building's comfort KPIs for a year and its months, from its days: each day weighs by its
 * occupied point-hours, so a month's mean PMV is the mean over its point-hours (ISO 7730 §4 for
 * PMV and PPD; annex A for the categories).
 */
export function comfortDrafts(days: ComfortDay[], year: Period, zone: string): Draft[] {
  const drafts: Draft[] = [];
  const whole = empty();
  const months = monthPeriodsOf(yearOf(year.start, zone), zone);
  const folds = months.map(() => empty());
  for (const d of days) {
    if (d.start < year.start || d.start >= year.end) continue;
    add(whole, d);
    let m = 0;
    while (m < 11 && d.start >= months[m + 1].start) m++;
    add(folds[m], d);
  }
  folds.forEach((f, m) => foldDrafts(f, months[m], drafts));
  foldDrafts(whole, year, drafts);
  return drafts;
}
