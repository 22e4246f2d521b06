import type { MeasuredAirSpeedInput } from './pmv.ts';

/**
 * What CIOP assumes about the people in a dwelling when only temperature and humidity are measured:
 * sedentary activity at home, 1.2 met (70 W/m², ISO 7730:2005 Annex B, Table B.1); typical indoor
 * clothing of 1.0 clo in winter and 0.5 clo in summer (ISO 7730:2005 Annex C, Table C.1; ASHRAE 55's
 * garment table gives the same for trousers, long-sleeved shirt and sweater vs. light trousers and
 * short-sleeved shirt); still room air, 0.1 m/s. The air speed is an average room air speed, as a
 * sensor would measure it, so the PMV procedure adds the activity's relative air speed to it once.
 */

/** The two clothing seasons. */
export type Season = 'winter' | 'summer';

/** Assumed occupant and air-movement conditions for a season. */
export interface ComfortAssumptions {
  /** Basic clothing insulation, clo. */
  clo: number;
  /** Metabolic rate, met. */
  met: number;
  /** Average air speed in the room, m/s. */
  v: number;
  /** External work, met. */
  wme: number;
}

/** CIOP's default assumptions per season (a building may override any of them). */
export const SEASONAL_DEFAULTS = {
  winter: { clo: 1.0, met: 1.2, v: 0.1, wme: 0 },
  summer: { clo: 0.5, met: 1.2, v: 0.1, wme: 0 },
} as const satisfies Record<Season, ComfortAssumptions>;

/**
 * The assumptions for a season with a building's overrides applied, checked for plausibility.
 * @param season winter or summer clothing
 * @param overrides per-building values: clo (clo), met (met), v (m/s), wme (met)
 * @returns the merged assumptions
 * @throws RangeError when an override is not a finite, physically possible value
 */
export function comfortAssumptions(
  season: Season,
  overrides: Partial<ComfortAssumptions> = {},
): ComfortAssumptions {
  const base = SEASONAL_DEFAULTS[season];
  if (base === undefined) throw new RangeError(`season must be "winter" or "summer", got ${String(season)}`);
  const merged: ComfortAssumptions = { ...base, ...overrides };
  const checks: [keyof ComfortAssumptions, number, number][] = [
    ['clo', 0, 4],
    ['met', 0.5, 6],
    ['v', 0, 5],
    ['wme', 0, 6],
  ];
  for (const [key, min, max] of checks) {
    const value = merged[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      throw new RangeError(`${key} must be a number from ${min} to ${max}, got ${String(value)}`);
    }
  }
  return merged;
}

/**
 * The PMV input for one measured air temperature and humidity under the given assumptions: the
 * air speed is passed as the measured room air speed `v`, so the standard's activity corrections
 * (relative air speed, ASHRAE dynamic clothing) are applied exactly once, by the PMV procedure.
 *
 * @param tdb air temperature, °C
 * @param rh relative humidity, %
 * @param assumptions clothing, activity and air speed, e.g. from {@link comfortAssumptions}
 * @param tr mean radiant temperature, °C; defaults to tdb (no radiant sensor)
 * @returns an input for `pmvPpd`
 */
export function measuredComfortInput(
  tdb: number,
  rh: number,
  assumptions: ComfortAssumptions,
  tr?: number,
): MeasuredAirSpeedInput {
  return { tdb, tr, rh, v: assumptions.v, met: assumptions.met, clo: assumptions.clo, wme: assumptions.wme };
}
