/**
 * Where each standard says its PMV model may be used. CIOP reports a condition outside these
 * ranges and still computes the PMV (never clamps the input); a caller who wants a refusal asks for
 * strict mode.
 */

/** A quantity a validity range applies to. */
export type ValidityQuantity = 'tdb' | 'tr' | 'vr' | 'v' | 'met' | 'clo' | 'pa' | 'pmv';

/** A closed range [min, max] of one quantity, in SI units. */
export interface ValidityRange {
  quantity: ValidityQuantity;
  /** Lower end, SI unit of the quantity. */
  min: number;
  /** Upper end, SI unit of the quantity. */
  max: number;
}

/**
 * ISO 7730:2005 §4.1: the PMV should be used only within these ranges of its six inputs (M 46–232
 * W/m², Icl 0–0.310 m²·K/W, ta 10–30 °C, tr 10–40 °C, var 0–1 m/s, pa 0–2700 Pa) and only for
 * −2 ≤ PMV ≤ +2.
 */
export const ISO_7730_RANGES: readonly ValidityRange[] = [
  { quantity: 'tdb', min: 10, max: 30 },
  { quantity: 'tr', min: 10, max: 40 },
  { quantity: 'vr', min: 0, max: 1 },
  { quantity: 'met', min: 0.8, max: 4 },
  { quantity: 'clo', min: 0, max: 2 },
  { quantity: 'pa', min: 0, max: 2700 },
  { quantity: 'pmv', min: -2, max: 2 },
];

/**
 * ANSI/ASHRAE 55-2023 (unchanged from 55-2020 with its addenda): the PMV method applies to
 * 1.0–4.0 met and clothing up to 1.5 clo; air and mean radiant temperature 10–40 °C and air speed
 * up to 2 m/s are the limits used by the ASHRAE-maintained reference implementations (pythermalcomfort
 * `_check_standard_compliance_array`, CBE comfort tool).
 */
export const ASHRAE_55_RANGES: readonly ValidityRange[] = [
  { quantity: 'tdb', min: 10, max: 40 },
  { quantity: 'tr', min: 10, max: 40 },
  { quantity: 'vr', min: 0, max: 2 },
  { quantity: 'met', min: 1, max: 4 },
  { quantity: 'clo', min: 0, max: 1.5 },
];

/**
 * Highest average air speed ASHRAE 55-2023 §5.3.3 allows when occupants cannot control it, for
 * light, primarily sedentary activity (met < 1.3) and light clothing (clo < 0.7); other cases
 * have no such limit (Infinity). The limit depends on the operative temperature: 0.2 m/s up to
 * 23 °C, then the curve 50.49 − 4.4047·to + 0.096425·to² up to 25.5 °C, and 0.8 m/s above (the
 * same rule as pythermalcomfort's `airspeed_control=False`, with to by ISO 7726).
 *
 * @param tdb air temperature, °C
 * @param tr mean radiant temperature, °C
 * @param v average air speed, m/s
 * @param met metabolic rate, met
 * @param clo clothing insulation, clo
 * @returns the air speed limit, m/s
 */
export function ashraeAirSpeedLimitWithoutControl(
  tdb: number,
  tr: number,
  v: number,
  met: number,
  clo: number,
): number {
  if (!(clo < 0.7 && met < 1.3)) return Number.POSITIVE_INFINITY;
  const to = operativeTemperature(tdb, tr, v, 'iso');
  if (to <= 23) return 0.2;
  if (to < 25.5) return Math.min(0.8, 50.49 - 4.4047 * to + 0.096425 * to * to);
  return 0.8;
}

/**
 * Operative temperature.
 * - `iso`: ISO 7726:1998 Annex G, to = (tr + ta·√(10·va)) / (1 + √(10·va)).
 * - `ashrae`: ANSI/ASHRAE 55-2023 Normative Appendix A, to = A·ta + (1 − A)·tr with A = 0.5 below
 *   0.2 m/s, 0.6 from 0.2 to 0.6 m/s and 0.7 from 0.6 to 1.0 m/s (and above).
 *
 * @param tdb air temperature, °C (or °F: the formula is linear in temperature)
 * @param tr mean radiant temperature, same unit as tdb
 * @param v air speed, m/s
 * @returns operative temperature, unit of tdb
 */
export function operativeTemperature(tdb: number, tr: number, v: number, method: 'iso' | 'ashrae'): number {
  if (method === 'ashrae') {
    const a = v < 0.2 ? 0.5 : v < 0.6 ? 0.6 : 0.7;
    return a * tdb + (1 - a) * tr;
  }
  const k = Math.sqrt(10 * Math.max(v, 0));
  return (tr + tdb * k) / (1 + k);
}
