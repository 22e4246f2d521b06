import type { Factor } from './kpi-factors.ts';
import { monthPeriod, type Period, yearPeriod } from './kpi-periods.ts';

/**
 * The energy calculator's arithmetic, free of storage: from a building's final energy per
 * carrier and month, its heated areas and the conversion factors, the energy KPIs of a year and
 * of its months, each with the inputs it came from.
 *
 * Primary energy and CO2 follow the Spanish method for buildings (RITE recognised document,
 * IDAE 2014): E_p = Σ_c E_c · f_p,c and m_CO2 = Σ_c E_c · k_c, with the factors in force in each
 * month, so that a year is the sum of its months.
 */

/** One carrier's final energy in a building over a year. */
export interface CarrierYear {
  carrier: string;
  /** kWh per local month (YYYYMM). */
  months: Map<number, number>;
  /** Where the energy comes from: thermal energy records, or the dwellings' energy meters. */
  source: 'records' | 'meters';
  /** Records summed (records), or energy meters read (meters). */
  count: number;
  first?: number;
  last?: number;
  /** The heated area the carrier serves, m²; null when the registry gives none. */
  areaM2: number | null;
  /** Where the area comes from: the building's Carrier1/m2_1 or Carrier2/m2_2, or its metered dwellings. */
  areaFrom: 'm2_1' | 'm2_2' | 'metered dwellings' | null;
}

export interface BuildingYear {
  code: string;
  year: number;
  /** The building's heated area for its whole-building intensities: the largest carrier area, m². */
  referenceAreaM2: number | null;
  carriers: CarrierYear[];
}

/** A measure before it is stored. `breakdown` '' is the whole building. */
export interface Draft {
  kpi: string;
  breakdown: string;
  period: Period;
  value: number;
  inputs: Record<string, unknown>;
}

export type FactorAt = (carrier: string, at: number) => Factor | undefined;

const sum = (values: Iterable<number>) => {
  let s = 0;
  for (const v of values) s += v;
  return s;
};

/** How a factor is named in provenance. */
const factorRef = (f: Factor) => f.id ?? 'configuration';

interface CarrierResult {
  carrier: string;
  input: CarrierYear;
  final: number;
  /** undefined when some month has no factor. */
  primary?: number;
  primaryNren?: number;
  co2?: number;
  factors: Factor[];
  missingFactor: boolean;
}

/** The factors a carrier's energy was converted with, as provenance shows them. */
function factorInputs(factors: Factor[]): Record<string, unknown> {
  if (factors.length === 1) {
    const f = factors[0];
    return { factor: factorRef(f), f_tot: f.total, f_nren: f.nonRenewable, k_co2: f.co2 };
  }
  return {
    factors: factors.map((f) => ({
      factor: factorRef(f),
      f_tot: f.total,
      f_nren: f.nonRenewable,
      k_co2: f.co2,
      validFrom: f.validFrom,
    })),
  };
}

/**
 * The energy KPIs of a building for a year: per carrier and for the whole building, EN_FINAL,
 * EN_PRIMARY, EN_PRIMARY_NREN, EN_CO2 (kWh, kg CO2), their intensities over the heated area
 * (…_M2), and each carrier's share of the final energy; EN_FINAL, EN_PRIMARY and EN_CO2 also per
 * month. A carrier without a conversion factor gets its final energy only, and the building no
 * whole-building primary energy or CO2 (a partial total would mislead); `notes` say so.
 */
export function energyDrafts(
  b: BuildingYear,
  zone: string,
  factorAt: FactorAt,
): { drafts: Draft[]; notes: string[] } {
  const drafts: Draft[] = [];
  const notes: string[] = [];
  const year = yearPeriod(b.year, zone);
  const carriers = b.carriers.filter((c) => c.months.size > 0);
  if (carriers.length === 0) return { drafts, notes };

  // Per carrier and month.
  const monthTotals = new Map<number, { final: number; primary: number; co2: number; complete: boolean }>();
  const results: CarrierResult[] = [];
  for (const c of carriers) {
    const r: CarrierResult = { carrier: c.carrier, input: c, final: 0, factors: [], missingFactor: false };
    let primary = 0;
    let primaryNren = 0;
    let co2 = 0;
    for (const [month, kWh] of [...c.months].sort((x, y) => x[0] - y[0])) {
      const period = monthPeriod(month, zone);
      const f = factorAt(c.carrier, period.start);
      r.final += kWh;
      const total = monthTotals.get(month) ?? { final: 0, primary: 0, co2: 0, complete: true };
      total.final += kWh;
      drafts.push({
        kpi: 'EN_FINAL',
        breakdown: c.carrier,
        period,
        value: kWh,
        inputs: { E_kWh: kWh, source: c.source },
      });
      if (f) {
        if (!r.factors.includes(f)) r.factors.push(f);
        primary += kWh * f.total;
        primaryNren += kWh * f.nonRenewable;
        co2 += kWh * f.co2;
        total.primary += kWh * f.total;
        total.co2 += kWh * f.co2;
        drafts.push(
          {
            kpi: 'EN_PRIMARY',
            breakdown: c.carrier,
            period,
            value: kWh * f.total,
            inputs: { E_kWh: kWh, factor: factorRef(f), f_tot: f.total },
          },
          {
            kpi: 'EN_CO2',
            breakdown: c.carrier,
            period,
            value: kWh * f.co2,
            inputs: { E_kWh: kWh, factor: factorRef(f), k_co2: f.co2 },
          },
        );
      } else {
        r.missingFactor = true;
        total.complete = false;
      }
      monthTotals.set(month, total);
    }
    if (!r.missingFactor) Object.assign(r, { primary, primaryNren, co2 });
    else
      notes.push(
        `${b.code} ${b.year}: no conversion factor for ${c.carrier}; its primary energy and CO2 are not computed.`,
      );
    results.push(r);
  }
  for (const [month, t] of [...monthTotals].sort((x, y) => x[0] - y[0])) {
    const period = monthPeriod(month, zone);
    const parts = { carriers: carriers.filter((c) => c.months.has(month)).map((c) => c.carrier) };
    drafts.push({ kpi: 'EN_FINAL', breakdown: '', period, value: t.final, inputs: parts });
    if (t.complete) {
      drafts.push(
        { kpi: 'EN_PRIMARY', breakdown: '', period, value: t.primary, inputs: parts },
        { kpi: 'EN_CO2', breakdown: '', period, value: t.co2, inputs: parts },
      );
    }
  }

  // The year, per carrier.
  const final = sum(results.map((r) => r.final));
  for (const r of results) {
    const c = r.input;
    const energy = {
      E_kWh: r.final,
      source: c.source,
      ...(c.source === 'records' ? { records: c.count } : { meters: c.count }),
      ...(c.first !== undefined ? { first: c.first, last: c.last } : {}),
      months: c.months.size,
    };
    const area = c.areaM2 !== null && c.areaM2 > 0 ? { A_m2: c.areaM2, area: c.areaFrom } : undefined;
    const push = (kpi: string, value: number, inputs: Record<string, unknown>) =>
      drafts.push({ kpi, breakdown: r.carrier, period: year, value, inputs });
    push('EN_FINAL', r.final, energy);
    if (area) push('EN_FINAL_M2', r.final / area.A_m2, { E_kWh: r.final, ...area });
    else
      notes.push(
        `${b.code} ${b.year}: no heated area for ${r.carrier} in the building characterisation; its per-m² KPIs are not computed.`,
      );
    if (final > 0) push('EN_CARRIER_SHARE', (100 * r.final) / final, { E_kWh: r.final, total_kWh: final });
    if (r.primary === undefined || r.primaryNren === undefined || r.co2 === undefined) continue;
    const factors = factorInputs(r.factors);
    push('EN_PRIMARY', r.primary, { E_kWh: r.final, ...factors });
    push('EN_PRIMARY_NREN', r.primaryNren, { E_kWh: r.final, ...factors });
    push('EN_CO2', r.co2, { E_kWh: r.final, ...factors });
    if (area) {
      push('EN_PRIMARY_M2', r.primary / area.A_m2, { E_p_kWh: r.primary, ...area });
      push('EN_PRIMARY_NREN_M2', r.primaryNren / area.A_m2, { E_nren_kWh: r.primaryNren, ...area });
      push('EN_CO2_M2', r.co2 / area.A_m2, { CO2_kg: r.co2, ...area });
    }
  }

  // The year, whole building.
  const whole = (kpi: string, value: number, inputs: Record<string, unknown>) =>
    drafts.push({ kpi, breakdown: '', period: year, value, inputs });
  const parts = (pick: (r: CarrierResult) => number | undefined) =>
    Object.fromEntries(results.map((r) => [r.carrier, pick(r)]));
  const reference =
    b.referenceAreaM2 !== null && b.referenceAreaM2 > 0
      ? { A_m2: b.referenceAreaM2, area: 'largest carrier area' }
      : undefined;
  whole('EN_FINAL', final, { parts_kWh: parts((r) => r.final) });
  if (reference) whole('EN_FINAL_M2', final / reference.A_m2, { E_kWh: final, ...reference });
  if (results.every((r) => r.primary !== undefined)) {
    const primary = sum(results.map((r) => r.primary as number));
    const nren = sum(results.map((r) => r.primaryNren as number));
    const co2 = sum(results.map((r) => r.co2 as number));
    whole('EN_PRIMARY', primary, { parts_kWh: parts((r) => r.primary) });
    whole('EN_PRIMARY_NREN', nren, { parts_kWh: parts((r) => r.primaryNren) });
    whole('EN_CO2', co2, { parts_kg: parts((r) => r.co2) });
    if (reference) {
      whole('EN_PRIMARY_M2', primary / reference.A_m2, { E_p_kWh: primary, ...reference });
      whole('EN_PRIMARY_NREN_M2', nren / reference.A_m2, { E_nren_kWh: nren, ...reference });
      whole('EN_CO2_M2', co2 / reference.A_m2, { CO2_kg: co2, ...reference });
    }
  }
  return { drafts, notes };
}
