import { standardEffectiveTemperatureDetailed } from './set.ts';

/**
 * Cooling effect of elevated air speed, ASHRAE 55-2023 §5.3.3 and Normative Appendix D: the CE is
 * the amount by which air and mean radiant temperature must both be lowered, in still air
 * (0.1 m/s), to give the same SET as the actual conditions at the elevated air speed.
 *
 * The reference tools search CE in [0, 40] K and, when their root finder fails (no sign change in
 * the bracket, as at 19.6 °C, 86 % RH, 0.13 m/s: pythermalcomfort issue #74), return 0 with at most
 * a warning and then evaluate Fanger's equations at the elevated speed as if there were no cooling
 * effect step. A zero from a failed search cannot be told from a real one. Here the search reports
 * how it ended:
 *
 * - `converged`: a root was found. CE may be exactly 0 (both air speeds are below the two-node
 *   model's natural-convection floor, so the moving air does not cool in SET terms) or negative
 *   (air warmer than the skin: moving it heats). Both are real answers of ASHRAE's definition.
 * - `uncertain`: a root was found, but some SET on the way was read at the two-node model's
 *   skin-wettedness limit (see `SetResult.atWettednessLimit`), where ASHRAE 55's program is
 *   discontinuous and cycles: the CE is then only known to within about 1 K. This happens in hot,
 *   sweating conditions only (PMV above about 1.2 to 2). The value is kept, flagged, so that a hot
 *   dwelling still shows as hot; strict callers refuse it.
 * - `failed`: no root was found within ±40 K or the SET model itself did not converge. The caller
 *   must not use a PMV then; `pmvPpd` returns NaN and says why.
 */

/** How the cooling-effect search ended. */
export type CoolingEffectStatus = 'not-applicable' | 'converged' | 'uncertain' | 'failed';

/** Result of {@link coolingEffect}. */
export interface CoolingEffectResult {
  /** Cooling effect, K; NaN when `status` is `failed`, 0 when `not-applicable`. */
  ce: number;
  status: CoolingEffectStatus;
  /** SET at the elevated air speed, °C (NaN when not computed). */
  setElevated: number;
  /** Number of SET evaluations the search made. */
  evaluations: number;
  /** Why the search failed or is uncertain, in words a person can act on; undefined otherwise. */
  reason?: string;
}

/** ASHRAE 55's still air, m/s: below it the PMV model applies without correction. */
export const STILL_AIR_SPEED = 0.1;
/** The search looks for CE within ±this many kelvin (the reference tools use [0, 40]). */
const SEARCH_LIMIT_K = 40;
const ROOT_TOLERANCE_K = 1e-4;
const MAX_EVALUATIONS = 100;

function clampToSearch(x: number): number {
  return Math.min(Math.max(x, -SEARCH_LIMIT_K), SEARCH_LIMIT_K);
}

/**
 * Cooling effect of elevated air speed by ASHRAE 55-2023 Normative Appendix D (SET equivalence).
 * The SETs are computed for the cooling effect (see {@link SetOptions.forCoolingEffect}): `vr` and
 * `clo` must already hold the relative air speed and the dynamic clothing insulation.
 *
 * @param tdb air temperature, °C
 * @param tr mean radiant temperature, °C
 * @param vr relative air speed, m/s; at or below 0.1 m/s the CE is not applicable
 * @param rh relative humidity, %
 * @param met metabolic rate, met
 * @param clo clothing insulation, clo
 * @param wme external work, met
 * @returns the cooling effect in K and how the search ended
 */
export function coolingEffect(
  tdb: number,
  tr: number,
  vr: number,
  rh: number,
  met: number,
  clo: number,
  wme = 0,
): CoolingEffectResult {
  if (!(vr > STILL_AIR_SPEED)) {
    return { ce: 0, status: 'not-applicable', setElevated: Number.NaN, evaluations: 0 };
  }
  const setOptions = { forCoolingEffect: true } as const;
  const elevated = standardEffectiveTemperatureDetailed(tdb, tr, vr, rh, met, clo, wme, setOptions);
  const setElevated = elevated.set;
  let evaluations = 1;
  let atLimit = elevated.atWettednessLimit;
  const found = (ce: number): CoolingEffectResult =>
    atLimit
      ? {
          ce,
          status: 'uncertain',
          setElevated,
          evaluations,
          reason:
            'the SET model reached its skin-wettedness limit (hot, sweating conditions), where ASHRAE 55’s program jumps and cycles: the cooling effect is uncertain by up to about 1 K',
        }
      : { ce, status: 'converged', setElevated, evaluations };
  const fail = (reason: string): CoolingEffectResult => ({
    ce: Number.NaN,
    status: 'failed',
    setElevated,
    evaluations,
    reason,
  });
  if (!Number.isFinite(setElevated)) {
    return fail('the SET model did not converge at the elevated air speed');
  }

  // g(x) = SET in still air with both temperatures lowered by x, minus the target; g decreases in x.
  const g = (x: number): number => {
    evaluations++;
    const still = standardEffectiveTemperatureDetailed(
      tdb - x,
      tr - x,
      STILL_AIR_SPEED,
      rh,
      met,
      clo,
      wme,
      setOptions,
    );
    atLimit ||= still.atWettednessLimit;
    return still.set - setElevated;
  };

  const g0 = g(0);
  if (!Number.isFinite(g0)) return fail('the SET model did not converge in still air');
  if (g0 === 0) return found(0);

  // Bracket the root. SET moves roughly one to one with air and radiant temperature together, so
  // g(0) itself is a good first guess of CE; then extrapolate along the secant, overshooting a little
  // so that the next point usually lands beyond the root.
  let a = 0;
  let ga = g0;
  let b = clampToSearch(g0);
  let gb = g(b);
  while (Number.isFinite(gb) && Math.sign(gb) === Math.sign(ga)) {
    if (Math.abs(b) >= SEARCH_LIMIT_K) {
      return fail(
        `no air and radiant temperature shift within ±${SEARCH_LIMIT_K} K gives the same SET in still air`,
      );
    }
    const slope = (gb - ga) / (b - a);
    const secantStep = slope < 0 ? (-1.5 * gb) / slope : Number.NaN;
    // A secant pointing the wrong way (g not decreasing there) falls back to doubling the distance.
    const step = secantStep * Math.sign(g0) > 0 ? secantStep : b - a;
    a = b;
    ga = gb;
    b = clampToSearch(b + step);
    gb = g(b);
  }
  if (!Number.isFinite(gb)) return fail('the SET model did not converge while bracketing the cooling effect');
  if (gb === 0) return found(b);

  // Illinois variant of regula falsi: keeps the bracket, converges superlinearly on this smooth g.
  let side = 0;
  let previous = Number.NaN;
  while (evaluations < MAX_EVALUATIONS) {
    const c = (a * gb - b * ga) / (gb - ga);
    const gc = g(c);
    if (!Number.isFinite(gc)) return fail('the SET model did not converge during the cooling-effect search');
    if (gc === 0 || Math.abs(c - previous) < ROOT_TOLERANCE_K) return found(c);
    previous = c;
    if (Math.sign(gc) === Math.sign(gb)) {
      b = c;
      gb = gc;
      if (side === -1) ga /= 2;
      side = -1;
    } else {
      a = c;
      ga = gc;
      if (side === 1) gb /= 2;
      side = 1;
    }
  }
  return fail(`the cooling-effect search did not converge in ${MAX_EVALUATIONS} SET evaluations`);
}
