import {
  airSpeedToSi,
  temperatureDeltaFromSi,
  temperatureFromSi,
  temperatureToSi,
  type UnitSystem,
} from './units.ts';
import { operativeTemperature } from './validity.ts';

/**
 * Adaptive comfort for naturally conditioned spaces: the comfortable indoor operative temperature
 * follows the running mean of the outdoor temperature (ANSI/ASHRAE 55-2023 §5.4, EN 16798-1:2019
 * Annex B). Both models report and never clamp: a running mean outside the model's range gives the
 * same numbers with `withinValidity: false`.
 */

/** Conditions for the adaptive models. */
export interface AdaptiveInput {
  /** Indoor air temperature, °C (°F with IP). */
  tdb: number;
  /** Indoor mean radiant temperature, °C (°F with IP); defaults to tdb. */
  tr?: number;
  /** Running mean (prevailing mean) outdoor temperature, °C (°F with IP). */
  trm: number;
  /** Indoor average air speed, m/s (fpm with IP); defaults to 0.1 m/s. */
  v?: number;
}

/** Options of the adaptive models. */
export interface AdaptiveOptions {
  /** Units of temperatures and air speed, in and out. Default `SI`. */
  units?: UnitSystem;
}

/** Result of {@link adaptiveAshrae}; temperatures in the caller's units, unrounded. */
export interface AdaptiveAshraeResult {
  standard: 'ANSI/ASHRAE 55-2023';
  /** Neutral (comfort) operative temperature, 0.31·t_pma(out) + 17.8 °C. */
  tComf: number;
  /** 80 % acceptability band: t_comf ± 3.5 K, upper end raised by the air-speed allowance. */
  tComf80Low: number;
  tComf80Up: number;
  /** 90 % acceptability band: t_comf ± 2.5 K, upper end raised by the air-speed allowance. */
  tComf90Low: number;
  tComf90Up: number;
  /** Indoor operative temperature the bands are compared with. */
  to: number;
  /** Allowance added to the upper limits for elevated air speed (a temperature difference). */
  airSpeedAllowance: number;
  acceptability80: boolean;
  acceptability90: boolean;
  /** False when the running mean is outside 10…33.5 °C, where ASHRAE 55 does not define the model. */
  withinValidity: boolean;
  units: UnitSystem;
}

/** Result of {@link adaptiveEn}; temperatures in the caller's units, unrounded. */
export interface AdaptiveEnResult {
  standard: 'EN 16798-1:2019';
  /** Comfort operative temperature, 0.33·θrm + 18.8 °C. */
  tComf: number;
  /** Category I: θc − 3 K … θc + 2 K (upper end raised by the air-speed allowance). */
  catILow: number;
  catIUp: number;
  /** Category II: θc − 4 K … θc + 3 K. */
  catIILow: number;
  catIIUp: number;
  /** Category III: θc − 5 K … θc + 4 K. */
  catIIILow: number;
  catIIIUp: number;
  /** Indoor operative temperature the limits are compared with. */
  to: number;
  /** Allowance added to the upper limits for elevated air speed (a temperature difference). */
  airSpeedAllowance: number;
  /** Best category whose range contains `to`; null when outside category III. */
  category: 'I' | 'II' | 'III' | null;
  /** False when the running mean is outside 10…30 °C, where EN 16798-1 gives the upper limits. */
  withinValidity: boolean;
  /** False when the running mean is outside 15…30 °C, where EN 16798-1 gives the lower limits. */
  lowerLimitsApply: boolean;
  units: UnitSystem;
}

/**
 * Allowance on the upper operative-temperature limit for elevated air speed in occupant-controlled
 * naturally conditioned spaces, ANSI/ASHRAE 55-2023 §5.4.2.4 (the same steps in EN 16798-1:2019
 * Annex B): at operative temperatures above 25 °C, +1.2 K from 0.6 m/s, +1.8 K from 0.9 m/s,
 * +2.2 K from 1.2 m/s.
 * @param to operative temperature, °C
 * @param v average air speed, m/s
 * @returns allowance, K
 */
export function adaptiveAirSpeedAllowance(to: number, v: number): number {
  if (!(to > 25)) return 0;
  if (v >= 1.2) return 2.2;
  if (v >= 0.9) return 1.8;
  if (v >= 0.6) return 1.2;
  return 0;
}

function readAdaptive(
  input: AdaptiveInput,
  units: UnitSystem,
): { tdb: number; tr: number; trm: number; v: number } {
  for (const [name, value] of Object.entries(input)) {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new RangeError(`${name} must be a finite number, got ${String(value)}`);
    }
  }
  const tdb = temperatureToSi(input.tdb, units);
  const v = input.v === undefined ? 0.1 : airSpeedToSi(input.v, units);
  if (v < 0) throw new RangeError(`v must not be negative, got ${input.v}`);
  return {
    tdb,
    tr: input.tr === undefined ? tdb : temperatureToSi(input.tr, units),
    trm: temperatureToSi(input.trm, units),
    v,
  };
}

/**
 * ASHRAE 55 adaptive model, ANSI/ASHRAE 55-2023 §5.4: t_comf = 0.31·t_pma(out) + 17.8 °C, 80 %
 * acceptability within ±3.5 K and 90 % within ±2.5 K of it, compared with the operative temperature
 * (Normative Appendix A weighting), for 10 °C ≤ t_pma(out) ≤ 33.5 °C.
 *
 * @param input indoor air and mean radiant temperature (°C or °F), prevailing mean outdoor
 *   temperature (°C or °F), indoor air speed (m/s or fpm)
 * @param options units (`SI` default)
 * @returns comfort temperature, acceptability limits and verdicts, in the caller's units
 */
export function adaptiveAshrae(input: AdaptiveInput, options: AdaptiveOptions = {}): AdaptiveAshraeResult {
  const units = options.units ?? 'SI';
  const { tdb, tr, trm, v } = readAdaptive(input, units);
  const to = operativeTemperature(tdb, tr, v, 'ashrae');
  const tComf = 0.31 * trm + 17.8;
  const allowance = adaptiveAirSpeedAllowance(to, v);
  const low80 = tComf - 3.5;
  const up80 = tComf + 3.5 + allowance;
  const low90 = tComf - 2.5;
  const up90 = tComf + 2.5 + allowance;
  const out = (t: number): number => temperatureFromSi(t, units);
  return {
    standard: 'ANSI/ASHRAE 55-2023',
    tComf: out(tComf),
    tComf80Low: out(low80),
    tComf80Up: out(up80),
    tComf90Low: out(low90),
    tComf90Up: out(up90),
    to: out(to),
    airSpeedAllowance: temperatureDeltaFromSi(allowance, units),
    acceptability80: to >= low80 && to <= up80,
    acceptability90: to >= low90 && to <= up90,
    withinValidity: trm >= 10 && trm <= 33.5,
    units,
  };
}

/**
 * EN 16798-1:2019 adaptive model (Annex B): θc = 0.33·θrm + 18.8 °C; category I within −3/+2 K,
 * II within −4/+3 K, III within −5/+4 K of θc, compared with the operative temperature (ISO 7726).
 *
 * @param input indoor air and mean radiant temperature (°C or °F), running mean outdoor temperature
 *   θrm (°C or °F), indoor air speed (m/s or fpm)
 * @param options units (`SI` default)
 * @returns comfort temperature, category limits and the category reached, in the caller's units
 */
export function adaptiveEn(input: AdaptiveInput, options: AdaptiveOptions = {}): AdaptiveEnResult {
  const units = options.units ?? 'SI';
  const { tdb, tr, trm, v } = readAdaptive(input, units);
  const to = operativeTemperature(tdb, tr, v, 'iso');
  const tComf = 0.33 * trm + 18.8;
  const allowance = adaptiveAirSpeedAllowance(to, v);
  const limits = [
    ['I', tComf - 3, tComf + 2 + allowance],
    ['II', tComf - 4, tComf + 3 + allowance],
    ['III', tComf - 5, tComf + 4 + allowance],
  ] as const;
  let category: AdaptiveEnResult['category'] = null;
  for (const [name, low, up] of limits) {
    if (to >= low && to <= up) {
      category = name;
      break;
    }
  }
  const out = (t: number): number => temperatureFromSi(t, units);
  return {
    standard: 'EN 16798-1:2019',
    tComf: out(tComf),
    catILow: out(limits[0][1]),
    catIUp: out(limits[0][2]),
    catIILow: out(limits[1][1]),
    catIIUp: out(limits[1][2]),
    catIIILow: out(limits[2][1]),
    catIIIUp: out(limits[2][2]),
    to: out(to),
    airSpeedAllowance: temperatureDeltaFromSi(allowance, units),
    category,
    withinValidity: trm >= 10 && trm <= 30,
    lowerLimitsApply: trm >= 15 && trm <= 30,
    units,
  };
}

/**
 * Running mean outdoor temperature from daily mean outdoor temperatures, EN 16798-1:2019 Annex B
 * (the exponentially weighted series θrm = (1 − α)·(θed−1 + α·θed−2 + α²·θed−3 + …)), normalised by
 * the sum of the weights used so that a short history still gives a temperature.
 *
 * @param dailyMeans daily mean outdoor temperatures, newest first (yesterday, the day before, …), °C
 *   (or °F: the weighting is linear)
 * @param alpha weight decay per day, 0 ≤ α < 1; EN 16798-1 recommends 0.8 (ASHRAE 55 allows 0.6–0.9)
 * @returns running mean outdoor temperature, unit of the input
 */
export function runningMeanOutdoorTemperature(dailyMeans: readonly number[], alpha = 0.8): number {
  if (!(alpha >= 0 && alpha < 1)) throw new RangeError(`alpha must be in [0, 1), got ${alpha}`);
  if (dailyMeans.length === 0) throw new RangeError('at least one daily mean is needed');
  let weight = 1;
  let weighted = 0;
  let weights = 0;
  for (const t of dailyMeans) {
    if (!Number.isFinite(t)) throw new RangeError(`daily means must be finite numbers, got ${t}`);
    weighted += weight * t;
    weights += weight;
    weight *= alpha;
  }
  return weighted / weights;
}

/**
 * Running mean outdoor temperature of today from yesterday's, EN 16798-1:2019 Annex B recursive form:
 * θrm = (1 − α)·θed−1 + α·θrm−1. A server job keeps the series current with it day by day.
 *
 * @param previousRunningMean yesterday's running mean θrm−1, °C (or °F)
 * @param yesterdayMean yesterday's daily mean outdoor temperature θed−1, same unit
 * @param alpha weight decay per day, 0 ≤ α < 1; default 0.8 (EN 16798-1)
 * @returns today's running mean, same unit
 */
export function nextRunningMeanOutdoorTemperature(
  previousRunningMean: number,
  yesterdayMean: number,
  alpha = 0.8,
): number {
  if (!(alpha >= 0 && alpha < 1)) throw new RangeError(`alpha must be in [0, 1), got ${alpha}`);
  return (1 - alpha) * yesterdayMean + alpha * previousRunningMean;
}
