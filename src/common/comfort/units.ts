/**
 * Unit conversions for the comfort models. The models compute in SI; ASHRAE 55's I-P edition gives
 * temperatures in °F and air speeds in fpm (feet per minute).
 *
 * A temperature *difference* (a cooling effect, a comfort band width) converts by the factor 1.8 only:
 * adding the 32 °F offset to a difference is a classic error in comfort tools.
 */

/** `SI`: °C and m/s. `IP`: °F and fpm. */
export type UnitSystem = 'SI' | 'IP';

/** One foot is exactly 0.3048 m, so one foot per minute is 0.3048 / 60 m/s. */
const METRES_PER_SECOND_PER_FPM = 0.3048 / 60;

/**
 * Converts a temperature from °F to °C.
 * @param tF temperature, °F
 * @returns temperature, °C
 */
export function fahrenheitToCelsius(tF: number): number {
  return (tF - 32) / 1.8;
}

/**
 * Converts a temperature from °C to °F.
 * @param tC temperature, °C
 * @returns temperature, °F
 */
export function celsiusToFahrenheit(tC: number): number {
  return tC * 1.8 + 32;
}

/**
 * Converts a temperature difference from kelvin (°C difference) to °F difference: ×1.8, no offset.
 * @param deltaC temperature difference, K
 * @returns temperature difference, °F
 */
export function celsiusDeltaToFahrenheit(deltaC: number): number {
  return deltaC * 1.8;
}

/**
 * Converts a temperature difference from °F difference to kelvin: ÷1.8, no offset.
 * @param deltaF temperature difference, °F
 * @returns temperature difference, K
 */
export function fahrenheitDeltaToCelsius(deltaF: number): number {
  return deltaF / 1.8;
}

/**
 * Converts an air speed from feet per minute to metres per second (1 fpm = 0.00508 m/s exactly).
 * @param fpm air speed, ft/min
 * @returns air speed, m/s
 */
export function fpmToMetresPerSecond(fpm: number): number {
  return fpm * METRES_PER_SECOND_PER_FPM;
}

/**
 * Converts an air speed from metres per second to feet per minute.
 * @param ms air speed, m/s
 * @returns air speed, ft/min
 */
export function metresPerSecondToFpm(ms: number): number {
  return ms / METRES_PER_SECOND_PER_FPM;
}

/**
 * Converts a temperature given in `units` to °C.
 * @param t temperature, °C when `units` is `SI`, °F when `IP`
 * @returns temperature, °C
 */
export function temperatureToSi(t: number, units: UnitSystem): number {
  return units === 'IP' ? fahrenheitToCelsius(t) : t;
}

/**
 * Converts a temperature in °C to `units`.
 * @param tC temperature, °C
 * @returns temperature, °C for `SI`, °F for `IP`
 */
export function temperatureFromSi(tC: number, units: UnitSystem): number {
  return units === 'IP' ? celsiusToFahrenheit(tC) : tC;
}

/**
 * Converts a temperature difference in K to `units`.
 * @param deltaC temperature difference, K
 * @returns temperature difference, K for `SI`, °F for `IP`
 */
export function temperatureDeltaFromSi(deltaC: number, units: UnitSystem): number {
  return units === 'IP' ? celsiusDeltaToFahrenheit(deltaC) : deltaC;
}

/**
 * Converts an air speed given in `units` to m/s.
 * @param v air speed, m/s when `units` is `SI`, fpm when `IP`
 * @returns air speed, m/s
 */
export function airSpeedToSi(v: number, units: UnitSystem): number {
  return units === 'IP' ? fpmToMetresPerSecond(v) : v;
}

/**
 * Converts an air speed in m/s to `units`.
 * @param ms air speed, m/s
 * @returns air speed, m/s for `SI`, fpm for `IP`
 */
export function airSpeedFromSi(ms: number, units: UnitSystem): number {
  return units === 'IP' ? metresPerSecondToFpm(ms) : ms;
}
