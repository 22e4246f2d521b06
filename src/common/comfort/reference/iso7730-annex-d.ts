/**
 * A literal transcription of the computer program printed in ISO 7730:2005, Annex D ("Computer
 * program for calculating PMV and PPD", written in BASIC). It is kept as the reference that CIOP's
 * production implementation is tested and benchmarked against, so it is written for clarity and
 * faithfulness, not speed: one statement per BASIC line, the BASIC names, the line numbers in the
 * comments, the GOTO loop kept as a loop that runs its body before testing.
 *
 * Transcription notes (every place where the TypeScript had to say something the BASIC leaves implicit):
 * - Lines 40–130 (screen input) become the function parameters; line 530–548 (printing, next run)
 *   become the return value.
 * - Line 150: the program takes either RH or the water vapour pressure PA; PA = 0 means "use RH".
 * - Line 200: the switch of the clothing area factor is at ICL ≤ 0.078 m²·K/W, as in §4.1 eq. (4);
 *   some reprints of the listing test `<`. Both branches give 1.1003…1.1006 there, so it hardly matters.
 * - Line 250: ISO 7730:2005 prints the first guess as TAA + (35.5 − TA) / (3.5 · ICL + 0.1); the 1994
 *   edition (and ASHRAE 55's copy) print 3.5 · (6.45 · ICL + 0.1). The guess only decides where the
 *   iteration starts, not where it ends (the CBE comfort tool notes the same).
 * - Lines 350–410: `IF ABS(XN − XF) > EPS GOTO 350` is a loop whose body runs once before the test,
 *   which is why XF = XN at line 320 does not stop it at once (ports that use a `while` loop start
 *   with XF = TCLA / 50 instead).
 * - Line 550: after 150 iterations the program sets PMV = 999999 and prints; PPD is never computed
 *   on that path, and BASIC's unset numeric variable is 0.
 *
 * Sources: ISO 7730:2005 Annex D; transcriptions of the same listing in the CBE comfort tool
 * (CenterForTheBuiltEnvironment/comfort_tool, static/js/comfort-models.js, `comf.pmv`) and in
 * pythermalcomfort (`_pmv_ppd_optimized`), which were used to check line 250 and line 200.
 */

/** Output of one run of the Annex D program. */
export interface AnnexDResult {
  /** Predicted mean vote, dimensionless; 999999 when the clothing temperature iteration did not converge. */
  pmv: number;
  /** Predicted percentage of dissatisfied, %. */
  ppd: number;
  /** Number of iterations the clothing surface temperature took (N at line 390). */
  iterations: number;
}

/**
 * Runs the ISO 7730:2005 Annex D program once.
 * @param CLO clothing, clo
 * @param MET metabolic rate, met
 * @param WME external work, met (normally around 0)
 * @param TA air temperature, °C
 * @param TR mean radiant temperature, °C
 * @param VEL relative air velocity, m/s
 * @param RH relative humidity, %
 * @param PA water vapour pressure, Pa (0: compute it from RH, as the program does)
 */
export function annexDPmvPpd(
  CLO: number,
  MET: number,
  WME: number,
  TA: number,
  TR: number,
  VEL: number,
  RH: number,
  PA = 0,
): AnnexDResult {
  // 140 DEF FNPS(T) = EXP(16.6536-4030.183/(T+235)): 'saturated vapour pressure, KPa
  const FNPS = (T: number): number => Math.exp(16.6536 - 4030.183 / (T + 235));
  // 150 IF PA = 0 THEN PA = RH*10*FNPS(TA): 'water vapour pressure, Pa
  if (PA === 0) PA = RH * 10 * FNPS(TA);
  // 160 ICL = .155 * CLO: 'thermal insulation of the clothing in m2K/W
  const ICL = 0.155 * CLO;
  // 170 M = MET * 58.15: 'metabolic rate in W/m2
  const M = MET * 58.15;
  // 180 W = WME * 58.15: 'external work in W/m2
  const W = WME * 58.15;
  // 190 MW = M - W: 'internal heat production in the human body
  const MW = M - W;
  // 200 IF ICL <= .078 THEN FCL = 1 + 1.29 * ICL ELSE FCL = 1.05 + .645 * ICL: 'clothing area factor
  let FCL: number;
  if (ICL <= 0.078) FCL = 1 + 1.29 * ICL;
  else FCL = 1.05 + 0.645 * ICL;
  // 210 HCF = 12.1 * SQR(VEL): 'heat transf. coeff. by forced convection
  const HCF = 12.1 * Math.sqrt(VEL);
  // 220 TAA = TA + 273: 'air temperature in Kelvin
  const TAA = TA + 273;
  // 230 TRA = TR + 273: 'mean radiant temperature in Kelvin
  const TRA = TR + 273;
  // 240 '---------CALCULATE SURFACE TEMPERATURE OF CLOTHING BY ITERATION---------
  // 250 TCLA = TAA + (35.5-TA) / (3.5 * ICL + .1): 'first guess for surface temperature of clothing
  const TCLA = TAA + (35.5 - TA) / (3.5 * ICL + 0.1);
  // 260 P1 = ICL * FCL: 'calculation term
  const P1 = ICL * FCL;
  // 270 P2 = P1 * 3.96: 'calculation term
  const P2 = P1 * 3.96;
  // 280 P3 = P1 * 100: 'calculation term
  const P3 = P1 * 100;
  // 290 P4 = P1 * TAA: 'calculation term
  const P4 = P1 * TAA;
  // 300 P5 = 308.7 - .028 * MW + P2 * (TRA/100) ^ 4: 'calculation term
  const P5 = 308.7 - 0.028 * MW + P2 * Math.pow(TRA / 100, 4);
  // 310 XN = TCLA / 100
  let XN = TCLA / 100;
  // 320 XF = XN
  let XF = XN;
  // 330 N = 0: 'N: number of iterations
  let N = 0;
  // 340 EPS = .00015: 'stop criteria in iteration
  const EPS = 0.00015;
  let HCN: number;
  let HC: number;
  do {
    // 350 XF = (XF + XN) / 2
    XF = (XF + XN) / 2;
    // 360 HCN = 2.38 * ABS(100 * XF - TAA) ^ .25: 'heat transf. coeff. by natural convection
    HCN = 2.38 * Math.pow(Math.abs(100 * XF - TAA), 0.25);
    // 370 IF HCF > HCN THEN HC = HCF ELSE HC = HCN
    if (HCF > HCN) HC = HCF;
    else HC = HCN;
    // 380 XN = (P5 + P4 * HC - P2 * XF ^ 4) / (100 + P3 * HC)
    XN = (P5 + P4 * HC - P2 * Math.pow(XF, 4)) / (100 + P3 * HC);
    // 390 N = N + 1
    N = N + 1;
    // 400 IF N > 150 THEN GOTO 550
    if (N > 150) {
      // 550 PMV = 999999!
      // 560 GOTO 530
      return { pmv: 999999, ppd: 0, iterations: N };
    }
    // 410 IF ABS(XN - XF) > EPS GOTO 350
  } while (Math.abs(XN - XF) > EPS);
  // 420 TCL = 100 * XN - 273: 'surface temperature of the clothing
  const TCL = 100 * XN - 273;
  // 430 '---------------------CALCULATE PMV AND PPD---------------------
  // 440 HL1 = 3.05 * .001 * (5733 - 6.99 * MW - PA): 'heat loss diff. through skin
  const HL1 = 3.05 * 0.001 * (5733 - 6.99 * MW - PA);
  // 450 IF MW > 58.15 THEN HL2 = .42 * (MW - 58.15) ELSE HL2 = 0!: 'heat loss by sweating (comfort)
  let HL2: number;
  if (MW > 58.15) HL2 = 0.42 * (MW - 58.15);
  else HL2 = 0;
  // 460 HL3 = 1.7 * .00001 * M * (5867 - PA): 'latent respiration heat loss
  const HL3 = 1.7 * 0.00001 * M * (5867 - PA);
  // 470 HL4 = .0014 * M * (34 - TA): 'dry respiration heat loss
  const HL4 = 0.0014 * M * (34 - TA);
  // 480 HL5 = 3.96 * FCL * (XN ^ 4 - (TRA/100) ^ 4): 'heat loss by radiation
  const HL5 = 3.96 * FCL * (Math.pow(XN, 4) - Math.pow(TRA / 100, 4));
  // 490 HL6 = FCL * HC * (TCL - TA): 'heat loss by convection
  const HL6 = FCL * HC * (TCL - TA);
  // 500 TS = .303 * EXP(-.036 * M) + .028: 'thermal sensation trans. coeff.
  const TS = 0.303 * Math.exp(-0.036 * M) + 0.028;
  // 510 PMV = TS * (MW - HL1 - HL2 - HL3 - HL4 - HL5 - HL6): 'predicted mean vote
  const PMV = TS * (MW - HL1 - HL2 - HL3 - HL4 - HL5 - HL6);
  // 520 PPD = 100 - 95 * EXP(-.03353 * PMV ^ 4 - .2179 * PMV ^ 2): 'predicted percentage dissatisfied
  const PPD = 100 - 95 * Math.exp(-0.03353 * Math.pow(PMV, 4) - 0.2179 * Math.pow(PMV, 2));
  // 530–548: print PMV and PPD, ask for the next run
  return { pmv: PMV, ppd: PPD, iterations: N };
}
