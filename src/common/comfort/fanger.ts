/**
 * Fanger's predicted mean vote, the production kernel.
 *
 * The equations are those of ISO 7730:2005 §4.1, eqs. (1)–(4), with the constants of the Annex D
 * program (273 for the kelvin offset, 308.7 = 35.7 + 273, 58.15 W/m² per met).
 *
 * Why the clothing surface temperature (eq. 2) is found with Annex D's own damped fixed-point
 * iteration, same first guess, same damping, same stop rule, rather than with Newton's method:
 * Annex D stops when two iterates differ by less than 0.00015 (in units of 100 K), which leaves up
 * to ~0.004 K of error on the clothing temperature, i.e. up to 0.006 PMV. Solving eq. (2) exactly
 * (Newton from a closed-form guess was tried: 2–4 steps) therefore moves PMV by up to 0.006 and PPD
 * by up to 0.32 points away from the reference at |PMV| ≈ 1–2, more than the 0.1 PPD points that
 * CIOP promises against Annex D. Following the same trajectory keeps the answers equal to the
 * reference to ~1e-12; the speed comes instead from the arithmetic: `x^0.25` as two square roots,
 * `x^4` as two multiplications, every per-input constant hoisted out of the loop (the loop takes
 * 9 rounds on average over the validity range), and no allocation anywhere — the scalar kernel
 * returns a number, the batch kernel writes into the caller's typed arrays.
 */

/** Kelvin offset used by ISO 7730 Annex D (273, not 273.15: the constants were fitted with it). */
const KELVIN = 273;
/** W/m² per met in ISO 7730 (1 met = 58.15 W/m²). */
const MET_W_M2 = 58.15;
/** Annex D line 340: stop when two iterates of t_cl/100 differ by less than this. */
const ANNEX_D_EPS = 0.00015;
/** Annex D line 400: give up after this many iterations. */
const ANNEX_D_MAX_ITERATIONS = 150;

/**
 * Predicted mean vote by ISO 7730:2005 §4.1, eqs. (1)–(4) (Fanger's comfort equation), for the
 * conditions exactly as given: no standard-specific correction (relative air speed, dynamic clothing,
 * cooling effect) and no range check is applied here — see {@link pmvPpd} for those.
 *
 * @param tdb air temperature, °C
 * @param tr mean radiant temperature, °C
 * @param vr relative air speed, m/s
 * @param rh relative humidity, %
 * @param met metabolic rate, met (1 met = 58.15 W/m²)
 * @param clo clothing insulation, clo (1 clo = 0.155 m²·K/W)
 * @param wme external work, met
 * @returns PMV, dimensionless; NaN when the clothing temperature iteration does not converge in
 *   150 rounds (Annex D prints 999999 there)
 */
export function fangerPmv(
  tdb: number,
  tr: number,
  vr: number,
  rh: number,
  met: number,
  clo: number,
  wme = 0,
): number {
  // Water vapour pressure, Pa (Annex D lines 140–150: saturation pressure in kPa × 10 × RH).
  const pa = rh * 10 * Math.exp(16.6536 - 4030.183 / (tdb + 235));
  const icl = 0.155 * clo;
  const m = met * MET_W_M2;
  const mw = m - wme * MET_W_M2;
  // Eq. (4): clothing area factor.
  const fcl = icl <= 0.078 ? 1 + 1.29 * icl : 1.05 + 0.645 * icl;
  // Eq. (3), forced-convection branch; constant for the whole iteration.
  const hcf = 12.1 * Math.sqrt(vr);
  const taa = tdb + KELVIN;
  const tra100 = (tr + KELVIN) / 100;
  const tra100sq = tra100 * tra100;
  const tra100p4 = tra100sq * tra100sq;
  // Annex D lines 250–300, same terms in the same order.
  const tcla = taa + (35.5 - tdb) / (3.5 * icl + 0.1);
  const p1 = icl * fcl;
  const p2 = p1 * 3.96;
  const p3 = p1 * 100;
  const p4 = p1 * taa;
  const p5 = 308.7 - 0.028 * mw + p2 * tra100p4;

  let xn = tcla / 100;
  let xf = xn;
  let hc: number;
  let iterations = 0;
  do {
    xf = (xf + xn) / 2;
    const d = 100 * xf - taa;
    // Eq. (3): hc = max(2.38·|t_cl − t_a|^0.25, 12.1·√v_ar).
    const hcn = 2.38 * Math.sqrt(Math.sqrt(d < 0 ? -d : d));
    hc = hcf > hcn ? hcf : hcn;
    const xf2 = xf * xf;
    xn = (p5 + p4 * hc - p2 * xf2 * xf2) / (100 + p3 * hc);
    if (++iterations > ANNEX_D_MAX_ITERATIONS) return Number.NaN;
  } while (xn - xf > ANNEX_D_EPS || xf - xn > ANNEX_D_EPS);

  // Eq. (1): the heat-balance terms, as Annex D lines 420–510.
  const tcl = 100 * xn - KELVIN;
  const xn2 = xn * xn;
  const hl1 = 3.05e-3 * (5733 - 6.99 * mw - pa);
  const hl2 = mw > MET_W_M2 ? 0.42 * (mw - MET_W_M2) : 0;
  const hl3 = 1.7e-5 * m * (5867 - pa);
  const hl4 = 0.0014 * m * (34 - tdb);
  const hl5 = 3.96 * fcl * (xn2 * xn2 - tra100p4);
  const hl6 = fcl * hc * (tcl - tdb);
  const ts = 0.303 * Math.exp(-0.036 * m) + 0.028;
  return ts * (mw - hl1 - hl2 - hl3 - hl4 - hl5 - hl6);
}

/**
 * Predicted percentage of dissatisfied from the PMV, ISO 7730:2005 §4.2, eq. (5)
 * (also ASHRAE 55-2023 Normative Appendix B).
 * @param pmv predicted mean vote, dimensionless
 * @returns PPD, % (5 % at PMV = 0, symmetric in PMV)
 */
export function ppdFromPmv(pmv: number): number {
  const p2 = pmv * pmv;
  return 100 - 95 * Math.exp(-0.03353 * p2 * p2 - 0.2179 * p2);
}

/** Column-wise inputs of {@link fangerPmvBatch}, all in SI units. `wme` may be omitted (0 met). */
export interface FangerBatchInput {
  /** Air temperature, °C. */
  tdb: Float64Array;
  /** Mean radiant temperature, °C. */
  tr: Float64Array;
  /** Relative air speed, m/s. */
  vr: Float64Array;
  /** Relative humidity, %. */
  rh: Float64Array;
  /** Metabolic rate, met. */
  met: Float64Array;
  /** Clothing insulation, clo. */
  clo: Float64Array;
  /** External work, met. */
  wme?: Float64Array;
}

/** Column-wise outputs of {@link fangerPmvBatch}. */
export interface FangerBatchOutput {
  /** Predicted mean vote, dimensionless. */
  pmv: Float64Array;
  /** Predicted percentage of dissatisfied, %. */
  ppd: Float64Array;
}

/**
 * PMV and PPD (ISO 7730:2005 §4.1 eqs. (1)–(4) and §4.2 eq. (5)) for many conditions at once, as
 * {@link fangerPmv} and {@link ppdFromPmv} do for one. Works on typed arrays without allocating when
 * `out` is given, so a caller can reuse its buffers between batches.
 *
 * @param input columns in SI units (°C, m/s, %, met, clo); all of the same length
 * @param out optional output buffers of at least that length
 * @returns the output columns (PMV dimensionless, PPD %)
 */
export function fangerPmvBatch(input: FangerBatchInput, out?: FangerBatchOutput): FangerBatchOutput {
  const { tdb, tr, vr, rh, met, clo, wme } = input;
  const n = tdb.length;
  for (const column of [tr, vr, rh, met, clo, wme]) {
    if (column !== undefined && column.length !== n) {
      throw new RangeError(`fangerPmvBatch: every input column must hold ${n} values`);
    }
  }
  const result = out ?? { pmv: new Float64Array(n), ppd: new Float64Array(n) };
  if (result.pmv.length < n || result.ppd.length < n) {
    throw new RangeError(`fangerPmvBatch: the output columns must hold at least ${n} values`);
  }
  const { pmv, ppd } = result;
  for (let i = 0; i < n; i++) {
    const p = fangerPmv(tdb[i], tr[i], vr[i], rh[i], met[i], clo[i], wme === undefined ? 0 : wme[i]);
    pmv[i] = p;
    ppd[i] = ppdFromPmv(p);
  }
  return result;
}
