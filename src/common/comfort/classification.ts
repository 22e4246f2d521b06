import { ppdFromPmv } from './fanger.ts';

/**
 * Classification of a PMV. Every function takes the unrounded PMV: 26.4 °C can give PMV 0.5044,
 * which prints as "0.50" but is outside ±0.5, so classifying a rounded value would call it neutral.
 */

/** ISO 7730:2005 Annex A categories, in the EN 16798-1 numbering (I = A, II = B, III = C). */
export type ComfortCategory = 'I' | 'II' | 'III';

/** The ISO 7730 letter of each category. */
export const ISO_7730_CATEGORY_LETTERS = { I: 'A', II: 'B', III: 'C' } as const satisfies Record<
  ComfortCategory,
  string
>;

/**
 * ISO 7730:2005 Annex A, Table A.1: category limits, PMV strictly inside ±pmv and PPD below ppd (%).
 * The PPD column is the rounded image of the PMV limit (PPD at PMV 0.2, 0.5, 0.7 is 5.8, 10.2, 15.3 %).
 */
export const ISO_7730_CATEGORY_LIMITS = [
  { category: 'I', pmv: 0.2, ppd: 6 },
  { category: 'II', pmv: 0.5, ppd: 10 },
  { category: 'III', pmv: 0.7, ppd: 15 },
] as const satisfies readonly { category: ComfortCategory; pmv: number; ppd: number }[];

/** How {@link comfortCategory} reads Table A.1. */
export type CategoryCriterion = 'pmv' | 'pmv-and-ppd';

/** Options of {@link comfortCategory}. */
export interface CategoryOptions {
  /**
   * `pmv` (default): the category is decided by the PMV column. `pmv-and-ppd`: both columns must
   * hold, literally; since PPD < 10 % already fails from |PMV| = 0.4892 on, category II then ends
   * there and not at 0.5, and III at 0.6897 instead of 0.7 (I is unaffected: PPD is 5.83 % at 0.2).
   * The PPD column is the rounded consequence of the PMV column, hence the default.
   */
  criterion?: CategoryCriterion;
}

/** Three-colour status shown to residents. */
export type ResidentStatus = 'green' | 'yellow' | 'red';

/**
 * Thresholds of the resident status on |PMV|: green up to and including `green` (ASHRAE 55's
 * comfort zone, ±0.5), yellow up to and including `yellow` (beyond the comfort zone but within one
 * step of the seven-point scale from neutral: "slightly" warm or cool), red beyond.
 */
export const RESIDENT_STATUS_THRESHOLDS = { green: 0.5, yellow: 1.0 } as const;

function requirePmv(pmv: number): void {
  if (!Number.isFinite(pmv)) {
    throw new RangeError(`cannot classify a PMV that is not a finite number (${pmv})`);
  }
}

/**
 * Category of the thermal environment by ISO 7730:2005 Annex A, Table A.1 (the same limits as
 * EN 16798-1:2019 Annex B categories I–III): I if −0.2 < PMV < +0.2, II if −0.5 < PMV < +0.5,
 * III if −0.7 < PMV < +0.7, otherwise null.
 *
 * @param pmv predicted mean vote, dimensionless, unrounded
 * @param options criterion: `pmv` (default) or `pmv-and-ppd`
 * @returns `I`, `II`, `III` (ISO letters A, B, C) or null when outside category III
 */
export function comfortCategory(pmv: number, options: CategoryOptions = {}): ComfortCategory | null {
  requirePmv(pmv);
  const usePpd = options.criterion === 'pmv-and-ppd';
  const ppd = usePpd ? ppdFromPmv(pmv) : 0;
  for (const limit of ISO_7730_CATEGORY_LIMITS) {
    if (pmv > -limit.pmv && pmv < limit.pmv && (!usePpd || ppd < limit.ppd)) return limit.category;
  }
  return null;
}

/**
 * Compliance with the ANSI/ASHRAE 55-2023 PMV comfort zone (§5.3): −0.5 ≤ PMV ≤ +0.5.
 * @param pmv predicted mean vote, dimensionless, unrounded
 * @returns true inside the comfort zone
 */
export function ashraeCompliant(pmv: number): boolean {
  requirePmv(pmv);
  return pmv >= -0.5 && pmv <= 0.5;
}

/**
 * The colour residents see for their dwelling, by {@link RESIDENT_STATUS_THRESHOLDS}: green for
 * |PMV| ≤ 0.5, yellow for 0.5 < |PMV| ≤ 1.0, red beyond.
 * @param pmv predicted mean vote, dimensionless, unrounded
 * @returns `green`, `yellow` or `red`
 */
export function residentStatus(pmv: number): ResidentStatus {
  requirePmv(pmv);
  const magnitude = Math.abs(pmv);
  if (magnitude <= RESIDENT_STATUS_THRESHOLDS.green) return 'green';
  if (magnitude <= RESIDENT_STATUS_THRESHOLDS.yellow) return 'yellow';
  return 'red';
}

/** Everything CIOP shows about one PMV. */
export interface PmvClassification {
  /** ISO 7730 / EN 16798-1 category, null outside III. */
  category: ComfortCategory | null;
  /** ISO 7730 letter of the category, null outside C. */
  isoCategory: 'A' | 'B' | 'C' | null;
  /** Inside ASHRAE 55's −0.5…+0.5. */
  ashraeCompliant: boolean;
  /** Resident colour. */
  status: ResidentStatus;
}

/**
 * ISO 7730 category, ASHRAE 55 compliance and resident status of one unrounded PMV.
 * @param pmv predicted mean vote, dimensionless, unrounded
 * @param options criterion of the ISO category
 * @returns the classification
 */
export function classifyPmv(pmv: number, options: CategoryOptions = {}): PmvClassification {
  const category = comfortCategory(pmv, options);
  return {
    category,
    isoCategory: category === null ? null : ISO_7730_CATEGORY_LETTERS[category],
    ashraeCompliant: ashraeCompliant(pmv),
    status: residentStatus(pmv),
  };
}
