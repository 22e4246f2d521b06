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
 * - `uncertain`: a root was found, but one of the two SETs it rests on (at the elevated speed, and
 *   in still air at the root) was read at, or within 1 % of, the two-node model's skin-wettedness
 *   limit (see `SetResult.atWettednessLimit`), where ASHRAE 55's program is
 *   discontinuous and cycles: the CE is then only known to within about 1 K. This happens in hot,
 *   sweating conditions only (PMV above about 1.2 to 2). The value is kept, flagged, so that a hot
 *   dwelling still shows as hot; strict callers refuse it.
 * - `failed`: no root was found within ±40 K or the SET model itself did not converge. The caller
 *   must not use a PMV then; `pmvPpd` returns NaN and says why.
 */

/** How the cooling-effect search ended. */
export type CoolingEffectStatus = 'not-applicable' | 'converged' | 'uncertain' | 'failed';

/** The statuses in a fixed order, for columns of codes (index = code). */
export const COOLING_EFFECT_STATUS_CODES = [
  'not-applicable',
  'converged',
  'uncertain',
  'failed',
] as const satisfies readonly CoolingEffectStatus[];

/** Result of {@link coolingEffect}. */
export interface CoolingEffectResult {
  /** Cooling effect, K; NaN when `status` is `failed`, 0 when `not-applicable`. */
  ce: number;
  status: CoolingEffectStatus;
  /** SET at the elevated air speed, °C (NaN when not computed). */
  setElevated: number;
  /** Number of SET evaluations the search made. */
  evaluations: number;
  /**
   * dg/dx at the root, where g(x) is the still-air SET with both temperatures lowered by x minus
   * the elevated-speed SET (about −1): what a search for nearby conditions can start from. NaN
   * when not found.
   */
  slope: number;
  /**
   * The higher skin-wettedness ratio of the two SETs the answer rests on (elevated speed, and
   * still air at the root); 1 or more is the model's limit (see `SetResult.wettednessRatio`).
   */
  wettednessRatio: number;
  /**
   * Thermoregulation regimes of the two SETs the answer rests on (`SetResult.regime`): the
   * elevated-speed SET's bits, and the still-air SET's shifted left by 8. The cooling effect is
   * smooth in the conditions only while this stays the same.
   */
  regime: number;
  /** Why the search failed or is uncertain, in words a person can act on; undefined otherwise. */
  reason?: string;
}

/** A starting point for {@link coolingEffect}, e.g. the answer for nearby conditions. */
export interface CoolingEffectGuess {
  /** Expected cooling effect, K. */
  ce: number;
  /** Expected dg/dx at the root (see {@link CoolingEffectResult.slope}); default −1. */
  slope?: number;
}

/** ASHRAE 55's still air, m/s: below it the PMV model applies without correction. */
export const STILL_AIR_SPEED = 0.1;
/** The search looks for CE within ±this many kelvin (the reference tools use [0, 40]). */
const SEARCH_LIMIT_K = 40;
/**
 * The search stops once the root is known to within this many kelvin: when the secant step from
 * the last evaluation, |g(x)/g'|, is below it, or two successive estimates differ by less.
 */
export const COOLING_EFFECT_TOLERANCE_K = 1e-4;
const MAX_EVALUATIONS = 100;
/** Plausible magnitudes of dg/dx, for trusting a guessed slope. */
const MIN_SLOPE = 0.05;
const MAX_SLOPE = 5;
/**
 * An answer whose SETs come within this share of the wettedness limit is flagged too: about 0.1 K
 * of air temperature away, the limit is reached and the answer jumps.
 */
const WETTEDNESS_MARGIN = 0.01;
const UNCERTAIN_REASON =
  'the SET model reached its skin-wettedness limit (hot, sweating conditions), where ASHRAE 55’s program jumps and cycles: the cooling effect is uncertain by up to about 1 K';

function clampToSearch(x: number): number {
  return Math.min(Math.max(x, -SEARCH_LIMIT_K), SEARCH_LIMIT_K);
}

/**
 * Cooling effect of elevated air speed by ASHRAE 55-2023 Normative Appendix D (SET equivalence).
 * The SETs are computed for the cooling effect (see {@link SetOptions.forCoolingEffect}): `vr` and
 * `clo` must already hold the relative air speed and the dynamic clothing insulation.
 *
 * The answer is the root of g(x) = SET(still air, tdb − x, tr − x) − SET(vr, tdb, tr) to within
 * {@link COOLING_EFFECT_TOLERANCE_K}; a `guess` (the answer for nearby conditions) only changes
 * how quickly it is found. The status is read from the two SETs the answer rests on: `uncertain`
 * when either is at the wettedness limit.
 *
 * @param tdb air temperature, °C
 * @param tr mean radiant temperature, °C
 * @param vr relative air speed, m/s; at or below 0.1 m/s the CE is not applicable
 * @param rh relative humidity, %
 * @param met metabolic rate, met
 * @param clo clothing insulation, clo
 * @param wme external work, met
 * @param guess where to start looking (K) and the expected slope; default: at 0
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
  guess?: CoolingEffectGuess,
): CoolingEffectResult {
  if (!(vr > STILL_AIR_SPEED)) {
    return {
      ce: 0,
      status: 'not-applicable',
      setElevated: Number.NaN,
      evaluations: 0,
      slope: Number.NaN,
      wettednessRatio: 0,
      regime: 0,
    };
  }
  const setOptions = { forCoolingEffect: true } as const;
  const elevated = standardEffectiveTemperatureDetailed(tdb, tr, vr, rh, met, clo, wme, setOptions);
  const setElevated = elevated.set;
  let evaluations = 1;
  // The still-air SET at the latest point evaluated: its flags describe the answer.
  let lastAtLimit = false;
  let lastRatio = 0;
  let lastRegime = 0;
  const found = (ce: number, slope: number): CoolingEffectResult => {
    const wettednessRatio = Math.max(elevated.wettednessRatio, lastRatio);
    const regime = elevated.regime | (lastRegime << 8);
    return elevated.atWettednessLimit || lastAtLimit || wettednessRatio >= 1 - WETTEDNESS_MARGIN
      ? {
          ce,
          status: 'uncertain',
          setElevated,
          evaluations,
          slope: Number.NaN,
          wettednessRatio,
          regime,
          reason: UNCERTAIN_REASON,
        }
      : { ce, status: 'converged', setElevated, evaluations, slope, wettednessRatio, regime };
  };
  const fail = (reason: string): CoolingEffectResult => ({
    ce: Number.NaN,
    status: 'failed',
    setElevated,
    evaluations,
    slope: Number.NaN,
    wettednessRatio: Math.max(elevated.wettednessRatio, lastRatio),
    regime: 0,
    reason,
  });
  if (!Number.isFinite(setElevated)) {
    return fail('the SET model did not converge at the elevated air speed');
  }

  // g decreases in x: SET moves roughly one to one with air and radiant temperature together.
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
    lastAtLimit = still.atWettednessLimit;
    lastRatio = still.wettednessRatio;
    lastRegime = still.regime;
    return still.set - setElevated;
  };
  const close = (gx: number, slope: number): boolean =>
    gx === 0 || (slope < 0 && Math.abs(gx / slope) < COOLING_EFFECT_TOLERANCE_K);

  // A guessed slope is only believed within what SET equivalence allows (g' is about −0.3 to −1.5;
  // across the wettedness limit a secant can read thousands).
  const slopeGuess =
    guess?.slope !== undefined && guess.slope <= -MIN_SLOPE && guess.slope >= -MAX_SLOPE ? guess.slope : -1;
  let a = guess === undefined || !Number.isFinite(guess.ce) ? 0 : clampToSearch(guess.ce);
  let ga = g(a);
  if (!Number.isFinite(ga)) return fail('the SET model did not converge in still air');
  if (ga === 0) return found(a, slopeGuess);

  // Bracket the root: a Newton step with the expected slope, then along the secant, overshooting a
  // little so that the next point usually lands beyond the root.
  const first = ga;
  let b = clampToSearch(a - ga / slopeGuess);
  let gb = g(b);
  let slope = (gb - ga) / (b - a);
  while (Number.isFinite(gb) && Math.sign(gb) === Math.sign(ga)) {
    if (close(gb, slope)) return found(b, slope);
    if (Math.abs(b) >= SEARCH_LIMIT_K) {
      return fail(
        `no air and radiant temperature shift within ±${SEARCH_LIMIT_K} K gives the same SET in still air`,
      );
    }
    const secantStep = slope < 0 ? (-1.5 * gb) / slope : Number.NaN;
    // A secant pointing the wrong way (g not decreasing there) falls back to doubling the distance.
    const step = secantStep * Math.sign(first) > 0 ? secantStep : b - a;
    a = b;
    ga = gb;
    b = clampToSearch(b + step);
    gb = g(b);
    slope = (gb - ga) / (b - a);
  }
  if (!Number.isFinite(gb)) return fail('the SET model did not converge while bracketing the cooling effect');
  if (close(gb, slope)) return found(b, slope);

  // Illinois variant of regula falsi: keeps the bracket, converges superlinearly on this smooth g.
  let side = 0;
  let previous = Number.NaN;
  while (evaluations < MAX_EVALUATIONS) {
    const c = (a * gb - b * ga) / (gb - ga);
    const gc = g(c);
    if (!Number.isFinite(gc)) return fail('the SET model did not converge during the cooling-effect search');
    slope = (gb - ga) / (b - a);
    if (close(gc, slope) || Math.abs(c - previous) < COOLING_EFFECT_TOLERANCE_K) return found(c, slope);
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
