/**
 * Standard effective temperature (SET) from Gagge's two-node model of human thermoregulation
 * (Gagge, Fobelets & Berglund 1986), as ASHRAE 55-2020/2023 Normative Appendix D uses it to find the
 * cooling effect of elevated air speed. The structure, constants and iteration counts follow the
 * ASHRAE 55 program as carried by pythermalcomfort (`_gagge_two_nodes_optimized`) and the CBE comfort
 * tool (`comf.pierceSET`): 60 one-minute steps of the two-node model (the first minute is the initial
 * state, so 59 updates), then SET by Newton's method.
 *
 * Deliberate differences from those programs, each tiny against the 0.1 K rounding of ASHRAE's
 * validation table:
 * - The clothing temperature loop and the final SET solve run to 1e-6 K instead of 0.01 K, so that
 *   SET is a smooth function of the air temperature and the cooling-effect root search converges.
 * - External work enters the core heat balance in W/m² (wme × 58.2), and the standard clothing of
 *   the activity as met − wme; the programs subtract it in met from W/m² and as wme / 58.2 from met.
 *   With the usual wme = 0 nothing changes.
 */

/** W/m² per met in the two-node model (ASHRAE 55 Appendix D uses 58.2, ISO 7730 58.15). */
const MET_W_M2 = 58.2;
/** Stefan–Boltzmann constant, W/(m²·K⁴), as in the ASHRAE 55 program. */
const STEFAN_BOLTZMANN = 5.6697e-8;
const BODY_WEIGHT_KG = 70;
const SKIN_NEUTRAL_C = 33.7;
const CORE_NEUTRAL_C = 36.8;
const SKIN_BLOOD_FLOW_NEUTRAL = 6.3;
const MAX_SKIN_BLOOD_FLOW = 90;
const MAX_SWEATING = 500;
const SIMULATION_MINUTES = 60;
const TOLERANCE_K = 1e-6;
const MAX_INNER_ITERATIONS = 150;
/** The last minutes of the simulation in which the skin-wettedness limit is watched. */
const STEADY_WINDOW_MINUTES = 10;

/** Options of {@link standardEffectiveTemperature}. */
export interface SetOptions {
  /** Body surface area, m². Default 1.8258 (ASHRAE 55's reference person). */
  bodySurfaceArea?: number;
  /** Atmospheric pressure, Pa. Default 101325. */
  pAtm?: number;
  /** Posture, which sets the radiating fraction of the body: 0.73 standing, 0.70 sitting. Default standing. */
  posture?: 'standing' | 'sitting';
  /**
   * True when SET is computed for the cooling effect (ASHRAE 55 Appendix D). The model's own
   * activity-driven convection (h_c = 5.66 (met − 0.85)^0.39) is then left out, because the relative
   * air speed passed in already carries the air movement caused by the activity: counting both would
   * apply the activity's air speed twice. Default false.
   */
  forCoolingEffect?: boolean;
}

/** Saturation vapour pressure over water, Torr (Antoine form used by the ASHRAE 55 SET program). */
function saturationPressureTorr(tC: number): number {
  return Math.exp(18.6686 - 4030.183 / (tC + 235));
}

/** SET, and whether it was read where ASHRAE 55's program is discontinuous. */
export interface SetResult {
  /** Standard effective temperature, °C; NaN when an inner iteration did not converge. */
  set: number;
  /**
   * True when sweating hit the skin-wettedness limit in any of the last 10 simulated minutes.
   * At that limit the ASHRAE 55 program sets evaporation to (w_max + 0.06)·E_max instead of
   * w_max·E_max, a step of 6 % of the maximum evaporation: SET jumps there, and near it the model
   * cycles every few minutes instead of settling, so the SET read at minute 60 can land on either
   * of two branches about 0.6 K apart. This happens in hot, sweating conditions only (PMV above
   * about 1.2 to 2, depending on activity).
   */
  atWettednessLimit: boolean;
  /**
   * Highest skin wettedness the regulation asked for in the last 10 simulated minutes, as a share of
   * the limit (1 or more means the limit was reached): how close the conditions are to the
   * discontinuity. 0 when no SET was computed.
   */
  wettednessRatio: number;
  /**
   * Which thermoregulation responses were on in the last simulated minute, one bit each (see
   * {@link SET_REGIME}). SET is smooth in its inputs only while these stay the same: where one
   * switches on, it has a kink.
   */
  regime: number;
}

/** Bits of {@link SetResult.regime}. */
export const SET_REGIME = {
  /** Core warmer than neutral: vasodilation. */
  vasodilation: 1,
  /** Skin colder than neutral: vasoconstriction. */
  vasoconstriction: 2,
  /** Body warmer than neutral: regulatory sweating. */
  sweating: 4,
  /** Skin and core colder than neutral: shivering. */
  shivering: 8,
  /** Skin blood flow or sweating at one of the model's bounds. */
  bounded: 16,
} as const;

/**
 * Standard effective temperature by Gagge's two-node model (ASHRAE 55-2023 Normative Appendix D).
 * Returns NaN when one of the inner iterations does not converge; see
 * {@link standardEffectiveTemperatureDetailed} for whether it was read at the wettedness limit.
 *
 * @param tdb air temperature, °C
 * @param tr mean radiant temperature, °C
 * @param v air speed, m/s (values below 0.1 are taken as 0.1)
 * @param rh relative humidity, %
 * @param met metabolic rate, met (1 met = 58.2 W/m² here)
 * @param clo clothing insulation, clo
 * @param wme external work, met
 * @returns SET, °C
 */
export function standardEffectiveTemperature(
  tdb: number,
  tr: number,
  v: number,
  rh: number,
  met: number,
  clo: number,
  wme = 0,
  options: SetOptions = {},
): number {
  return standardEffectiveTemperatureDetailed(tdb, tr, v, rh, met, clo, wme, options).set;
}

/**
 * Standard effective temperature by Gagge's two-node model (ASHRAE 55-2023 Normative Appendix D),
 * and whether it was read at the skin-wettedness limit (see {@link SetResult.atWettednessLimit}).
 *
 * @param tdb air temperature, °C
 * @param tr mean radiant temperature, °C
 * @param v air speed, m/s (values below 0.1 are taken as 0.1)
 * @param rh relative humidity, %
 * @param met metabolic rate, met (1 met = 58.2 W/m² here)
 * @param clo clothing insulation, clo
 * @param wme external work, met
 * @returns SET, °C, and whether the wettedness limit was reached
 */
export function standardEffectiveTemperatureDetailed(
  tdb: number,
  tr: number,
  v: number,
  rh: number,
  met: number,
  clo: number,
  wme = 0,
  options: SetOptions = {},
): SetResult {
  const bodySurfaceArea = options.bodySurfaceArea ?? 1.8258;
  const pAtmRatio = (options.pAtm ?? 101325) / 101325;
  const radiatingFraction = options.posture === 'sitting' ? 0.7 : 0.73;
  const forCoolingEffect = options.forCoolingEffect ?? false;

  const vaporPressure = (rh / 100) * saturationPressureTorr(tdb);
  const airSpeed = Math.max(v, 0.1);
  const rClo = 0.155 * clo;
  const fACl = 1 + 0.15 * clo;
  const lewis = 2.2 / pAtmRatio;
  const rm = (met - wme) * MET_W_M2;
  let m = met * MET_W_M2;
  const wmeW = wme * MET_W_M2;
  const iCl = clo > 0 ? 0.45 : 1;
  const wMax = clo > 0 ? 0.59 * Math.pow(airSpeed, -0.08) : 0.38 * Math.pow(airSpeed, -0.29);

  // Convective coefficient, W/(m²·K): still air, forced by air speed, or (outside the CE search)
  // driven by the activity itself.
  const hActivity = met > 0.85 ? 5.66 * Math.pow(met - 0.85, 0.39) : 0;
  let hCc = Math.max(3 * Math.pow(pAtmRatio, 0.53), 8.600001 * Math.pow(airSpeed * pAtmRatio, 0.53));
  if (!forCoolingEffect) hCc = Math.max(hCc, hActivity);

  let hR = 4.7;
  let hT = hR + hCc;
  let rA = 1 / (fACl * hT);
  let tOp = (hR * tr + hCc * tdb) / hT;

  let tSkin = SKIN_NEUTRAL_C;
  let tCore = CORE_NEUTRAL_C;
  let skinBloodFlow = SKIN_BLOOD_FLOW_NEUTRAL;
  let alfa = 0.1;
  const tBodyNeutral = alfa * SKIN_NEUTRAL_C + (1 - alfa) * CORE_NEUTRAL_C;
  let eSkin = 0.1 * met;
  let qSensible = 0;
  let w = 0;
  let cappedMinutes = 0;
  let wettednessRatio = 0;
  let regime = 0;

  const qRes = 0.0023 * m * (44 - vaporPressure);
  const cRes = 0.0014 * m * (34 - tdb);
  const rEa = 1 / (lewis * fACl * hCc);
  const rEcl = rClo / (lewis * iCl);

  // The clothing temperature solves t_cl = (R_a·t_sk + R_cl·t_o) / (R_a + R_cl) with R_a and t_o
  // depending on t_cl through h_r. Multiplied through by f_a,cl·h_t, one update needs one division
  // instead of three: the same iteration, to the last few bits.
  const hRFactor = 4 * 0.95 * STEFAN_BOLTZMANN * radiatingFraction;
  const cloFactor = rClo * fACl;
  const convectiveTa = hCc * tdb;
  for (let minute = 2; minute <= SIMULATION_MINUTES; minute++) {
    let tCl = (rA * tSkin + rClo * tOp) / (rA + rClo);
    let converged = false;
    for (let i = 0; i < MAX_INNER_ITERATIONS; i++) {
      const tMean = (tCl + tr) * 0.5 + 273.15;
      // Linearised radiative coefficient; 0.95 is the clothing emissivity (ASHRAE Fundamentals ch. 9).
      hR = hRFactor * tMean * tMean * tMean;
      const tClNew = (tSkin + cloFactor * (hR * tr + convectiveTa)) / (1 + cloFactor * (hR + hCc));
      const change = tClNew - tCl;
      tCl = tClNew;
      if (change <= TOLERANCE_K && change >= -TOLERANCE_K) {
        converged = true;
        break;
      }
    }
    if (!converged) return { set: Number.NaN, atWettednessLimit: false, wettednessRatio: 0, regime: 0 };
    hT = hR + hCc;
    rA = 1 / (fACl * hT);
    tOp = (hR * tr + convectiveTa) / hT;

    qSensible = (tSkin - tOp) / (rA + rClo);
    // Core-to-skin heat flow: tissue conductance 5.28 W/(m²·K) plus blood, 1.163 Wh/(L·K).
    const coreToSkin = (tCore - tSkin) * (5.28 + 1.163 * skinBloodFlow);
    const storageCore = m - coreToSkin - qRes - cRes - wmeW;
    const storageSkin = coreToSkin - qSensible - eSkin;
    const capacitySkin = 0.97 * alfa * BODY_WEIGHT_KG;
    const capacityCore = 0.97 * (1 - alfa) * BODY_WEIGHT_KG;
    tSkin += (storageSkin * bodySurfaceArea) / (capacitySkin * 60);
    tCore += (storageCore * bodySurfaceArea) / (capacityCore * 60);
    const tBody = alfa * tSkin + (1 - alfa) * tCore;

    const skinSignal = tSkin - SKIN_NEUTRAL_C;
    const warmSkin = skinSignal > 0 ? skinSignal : 0;
    const coldSkin = skinSignal < 0 ? -skinSignal : 0;
    const coreSignal = tCore - CORE_NEUTRAL_C;
    const warmCore = coreSignal > 0 ? coreSignal : 0;
    const coldCore = coreSignal < 0 ? -coreSignal : 0;
    const bodySignal = tBody - tBodyNeutral;
    const warmBody = bodySignal > 0 ? bodySignal : 0;

    // Thermoregulation: vasodilation 120, vasoconstriction 0.5, sweating 170 (ASHRAE 55 program).
    skinBloodFlow = (SKIN_BLOOD_FLOW_NEUTRAL + 120 * warmCore) / (1 + 0.5 * coldSkin);
    skinBloodFlow = Math.min(Math.max(skinBloodFlow, 0.5), MAX_SKIN_BLOOD_FLOW);
    // No regulatory sweating without a warm body: skip the exponential then (most comfort cases).
    const regulatorySweat =
      warmBody > 0 ? Math.min(170 * warmBody * Math.exp(warmSkin / 10.7), MAX_SWEATING) : 0;
    let eRsw = 0.68 * regulatorySweat;
    let eMax = (saturationPressureTorr(tSkin) - vaporPressure) / (rEa + rEcl);
    if (eMax === 0) eMax = 0.001;
    let pRsw = eRsw / eMax;
    w = 0.06 + 0.94 * pRsw;
    let eDiff = w * eMax - eRsw;
    const capped = w > wMax;
    if (minute > SIMULATION_MINUTES - STEADY_WINDOW_MINUTES) {
      if (capped) cappedMinutes++;
      if (w > wettednessRatio * wMax) wettednessRatio = w / wMax;
    }
    if (capped) {
      w = wMax;
      pRsw = wMax / 0.94;
      eRsw = pRsw * eMax;
      eDiff = 0.06 * (1 - pRsw) * eMax;
    }
    if (eMax < 0) {
      eDiff = 0;
      eRsw = 0;
      w = wMax;
    }
    eSkin = eRsw + eDiff;
    m = rm + 19.4 * coldSkin * coldCore;
    if (minute === SIMULATION_MINUTES) {
      regime =
        (warmCore > 0 ? SET_REGIME.vasodilation : 0) |
        (coldSkin > 0 ? SET_REGIME.vasoconstriction : 0) |
        (warmBody > 0 ? SET_REGIME.sweating : 0) |
        (coldSkin > 0 && coldCore > 0 ? SET_REGIME.shivering : 0) |
        (skinBloodFlow === 0.5 || skinBloodFlow === MAX_SKIN_BLOOD_FLOW || regulatorySweat === MAX_SWEATING
          ? SET_REGIME.bounded
          : 0);
    }
    alfa = 0.0417737 + 0.7451833 / (skinBloodFlow + 0.585417);
  }

  const qSkin = qSensible + eSkin;
  const pSkin = saturationPressureTorr(tSkin);

  // The standard environment: still air, 50 % RH, standard clothing for the activity.
  let hCs = 3 * Math.pow(pAtmRatio, 0.53);
  if (!forCoolingEffect && met > 0.85) hCs = Math.max(hCs, hActivity);
  hCs = Math.max(hCs, 3);
  const hTs = hCs + hR;
  const rCloS = 1.52 / (met - wme + 0.6944) - 0.1835;
  const rClS = 0.155 * rCloS;
  const fAClS = 1 + 0.25 * rCloS;
  const fClS = 1 / (1 + 0.155 * fAClS * hTs * rCloS);
  const iMs = 0.45;
  const iClS = (((iMs * hCs) / hTs) * (1 - fClS)) / (hCs / hTs - fClS * iMs);
  const rAs = 1 / (fAClS * hTs);
  const rEas = 1 / (lewis * fAClS * hCs);
  const rEcls = rClS / (lewis * iClS);
  const hDs = 1 / (rAs + rClS);
  const hEs = 1 / (rEas + rEcls);

  // SET solves qSkin = hDs·(tSkin − SET) + w·hEs·(pSkin − 0.5·psat(SET)); Newton with the exact derivative.
  let set = tSkin - qSkin / hDs;
  for (let i = 0; i < MAX_INNER_ITERATIONS; i++) {
    const pSat = saturationPressureTorr(set);
    const residual = qSkin - hDs * (tSkin - set) - w * hEs * (pSkin - 0.5 * pSat);
    const slope = hDs + w * hEs * 0.5 * pSat * (4030.183 / ((set + 235) * (set + 235)));
    const step = residual / slope;
    set -= step;
    if (step <= TOLERANCE_K && step >= -TOLERANCE_K) {
      return { set, atWettednessLimit: cappedMinutes > 0, wettednessRatio, regime };
    }
  }
  return { set: Number.NaN, atWettednessLimit: false, wettednessRatio: 0, regime: 0 };
}
