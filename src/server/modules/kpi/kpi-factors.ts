import type { FactorRow as FactorAnswer } from '#common/api/kpi.ts';

/** A conversion factor: what one kWh of final energy of a carrier stands for. */
export interface Factor {
  /** null: the district heating factor of the configuration. */
  id: number | null;
  carrier: string;
  region: string;
  validFrom: number | null;
  validTo: number | null;
  /** Renewable, non-renewable and total primary energy, kWh per kWh of final energy. */
  renewable: number;
  nonRenewable: number;
  total: number;
  /** kg CO2 per kWh of final energy. */
  co2: number;
  source: string;
  updatedAt: number | null;
  updatedBy: string | null;
}

/** Where the district heating factor of the configuration comes from. */
export const DISTRICT_HEATING_SETTING = 'CIOP_KPI_DISTRICT_HEATING_FACTORS';

/**
 * The district heating network's declared factor, from the configuration: it applies wherever no
 * stored factor for district heating does.
 */
export function configuredDistrictHeating(values: {
  renewable: number;
  nonRenewable: number;
  co2: number;
}): Factor {
  return {
    id: null,
    carrier: 'district_heating',
    region: '*',
    validFrom: null,
    validTo: null,
    renewable: values.renewable,
    nonRenewable: values.nonRenewable,
    total: Math.round((values.renewable + values.nonRenewable) * 1e6) / 1e6,
    co2: values.co2,
    source: `The district heating network’s declared factor (${DISTRICT_HEATING_SETTING})`,
    updatedAt: null,
    updatedBy: null,
  };
}

/** How well a factor's region fits the city's: exactly (2), its country (1), anywhere (0), not (−1). */
function regionFit(factorRegion: string, region: string): number {
  if (factorRegion === region) return 2;
  if (region.startsWith(`${factorRegion}-`)) return 1;
  if (factorRegion === '*') return 0;
  return -1;
}

const validAt = (f: Factor, at: number) =>
  (f.validFrom === null || f.validFrom <= at) && (f.validTo === null || at < f.validTo);

/**
 * The factor of a carrier at an instant in the city's region: among those valid then, the one of
 * the closest region (the region itself, then its country, then the configured district heating
 * factor), then the one that started latest.
 */
export function factorFor(factors: readonly Factor[], carrier: string, region: string, at: number) {
  let best: Factor | undefined;
  let bestFit = -1;
  for (const f of factors) {
    if (f.carrier !== carrier || !validAt(f, at)) continue;
    const fit = regionFit(f.region, region);
    if (fit < 0) continue;
    if (fit > bestFit || (fit === bestFit && (f.validFrom ?? -Infinity) > (best?.validFrom ?? -Infinity))) {
      best = f;
      bestFit = fit;
    }
  }
  return best;
}

/** Whether a factor's validity overlaps [from, to). */
export const overlaps = (f: Pick<Factor, 'validFrom' | 'validTo'>, from: number, to: number) =>
  (f.validFrom === null || f.validFrom < to) && (f.validTo === null || from < f.validTo);

/** The total must be the renewable plus the non-renewable part (to the third decimal, as published). */
export function checkTotal(f: Pick<Factor, 'renewable' | 'nonRenewable' | 'total'>): string | undefined {
  const sum = f.renewable + f.nonRenewable;
  if (Math.abs(sum - f.total) > 0.0015)
    return `total (${f.total}) must be renewable + non-renewable (${Math.round(sum * 1e4) / 1e4}).`;
  return undefined;
}

export const toFactorAnswer = (f: Factor): FactorAnswer => ({
  ...f,
  carrier: f.carrier as FactorAnswer['carrier'],
});
