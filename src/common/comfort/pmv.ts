import {
  COOLING_EFFECT_STATUS_CODES,
  coolingEffect,
  STILL_AIR_SPEED,
  type CoolingEffectStatus,
} from './cooling-effect.ts';
import { coolingEffectBatch, type CoolingEffectBatchOutput } from './cooling-effect-batch.ts';
import { fangerPmv, ppdFromPmv } from './fanger.ts';
import {
  airSpeedFromSi,
  airSpeedToSi,
  temperatureDeltaFromSi,
  temperatureFromSi,
  temperatureToSi,
  type UnitSystem,
} from './units.ts';
import {
  ashraeAirSpeedLimitWithoutControl,
  ASHRAE_55_RANGES,
  ISO_7730_RANGES,
  type ValidityQuantity,
  type ValidityRange,
} from './validity.ts';

/**
 * PMV and PPD as each standard asks for them.
 *
 * ISO 7730:2005: Fanger's equations (§4.1) at the relative air speed, nothing else.
 *
 * ANSI/ASHRAE 55-2023 (the PMV procedure is unchanged from 55-2020): at a relative air speed above
 * 0.1 m/s the PMV is computed in still air (0.1 m/s) at air and mean radiant temperatures lowered by
 * the cooling effect found through SET (§5.3.3, Normative Appendix D). This is done whenever the
 * relative air speed exceeds 0.1 m/s, also when the cooling effect comes out as 0: the reference
 * tools then fall back to Fanger's equations at the elevated speed (pythermalcomfort `vr =
 * np.where(ce > 0, 0.1, vr)`), which gives e.g. −0.56 instead of −0.48 at 19.6 °C, 86 % RH, 0.13 m/s
 * (pythermalcomfort issue #74, comfort_tool issue #88).
 *
 * The activity corrections — relative air speed vr = v + 0.3·(met − 1) for met > 1 and, in
 * ASHRAE 55, dynamic clothing Icl·(0.6 + 0.4/met) for met > 1.2 — are applied at most once, and the
 * input says whether they still have to be: `vr` means "already relative, clothing already as worn
 * in this activity" (pythermalcomfort's convention for `vr` and `clo`), `v` means "average air speed
 * measured in the room, basic clothing insulation from the garment tables". Inside the cooling-effect
 * search the SET model's own activity convection is switched off for the same reason.
 */

/** Which standard's PMV procedure to apply. */
export type ComfortStandard = 'iso' | 'ashrae';

/** The edition each standard's procedure follows; reported with every result. */
export const STANDARD_EDITIONS = {
  iso: 'ISO 7730:2005',
  ashrae: 'ANSI/ASHRAE 55-2023',
} as const satisfies Record<ComfortStandard, string>;

/** The edition applied to a result. */
export type StandardEdition = (typeof STANDARD_EDITIONS)[ComfortStandard];

interface PmvConditions {
  /** Air temperature, °C (°F with `units: 'IP'`). */
  tdb: number;
  /** Mean radiant temperature, °C (°F with `units: 'IP'`); defaults to `tdb`. */
  tr?: number;
  /** Relative humidity, %. */
  rh: number;
  /** Metabolic rate, met. */
  met: number;
  /** Clothing insulation, clo: as worn in the activity with `vr`, basic (garment tables) with `v`. */
  clo: number;
  /** External work, met; defaults to 0. */
  wme?: number;
}

/** Conditions whose air speed is already the relative air speed (and clothing already dynamic). */
export interface RelativeAirSpeedInput extends PmvConditions {
  /** Relative air speed, m/s (fpm with `units: 'IP'`); used as given. */
  vr: number;
  v?: undefined;
}

/** Conditions measured in the room: the standard's activity corrections are applied once. */
export interface MeasuredAirSpeedInput extends PmvConditions {
  /** Average air speed measured in the space, m/s (fpm with `units: 'IP'`). */
  v: number;
  vr?: undefined;
}

/** One set of conditions for {@link pmvPpd}: give `vr` or `v`, not both. */
export type PmvInput = RelativeAirSpeedInput | MeasuredAirSpeedInput;

/** Options of {@link pmvPpd} and {@link pmvPpdBatch}. */
export interface PmvOptions {
  /** Default `iso`. */
  standard?: ComfortStandard;
  /** Units of the temperatures and air speeds in and out. Default `SI`. */
  units?: UnitSystem;
  /**
   * ASHRAE 55 only: whether occupants control the air speed. Without control, ASHRAE 55 limits the
   * air speed for sedentary, lightly clothed occupants (reported as out of range). Default true.
   */
  airspeedControl?: boolean;
  /**
   * Refuse, by throwing, input outside the standard's validity range, a PMV that cannot be computed
   * and an uncertain cooling effect. Default false.
   */
  strict?: boolean;
  /**
   * {@link pmvPpdBatch} under ASHRAE 55 only: share the cooling-effect searches between rows
   * (identical rows once, warm starts, a checked lattice for dense groups; see
   * `cooling-effect-batch.ts`), which agrees with the row-by-row search within a few thousandths of
   * a kelvin. False searches every row as {@link pmvPpd} does, for bit-identical answers. Default true.
   */
  shareCoolingEffect?: boolean;
}

/** An input (or the PMV) outside the applied standard's validity range, in the caller's units. */
export interface RangeViolation {
  quantity: ValidityQuantity;
  value: number;
  min: number;
  max: number;
  /** Unit of value, min and max. */
  unit: string;
  /** The standard whose range was left. */
  standard: StandardEdition;
}

/** What {@link pmvPpd} returns. PMV and PPD are never rounded: classify on these values. */
export interface PmvResult {
  /** Predicted mean vote, dimensionless; NaN when `failure` says why it could not be computed. */
  pmv: number;
  /** Predicted percentage of dissatisfied, %; NaN with `pmv`. */
  ppd: number;
  /** Standard and edition whose procedure was applied. */
  standard: StandardEdition;
  /** Units of the temperatures and air speeds in this result. */
  units: UnitSystem;
  /** True when every input (and the PMV, for ISO 7730) is inside the standard's validity range. */
  withinValidity: boolean;
  /** The ranges that were left; empty when `withinValidity`. */
  violations: readonly RangeViolation[];
  /** The values Fanger's equations were evaluated at, after the standard's corrections. */
  applied: {
    /** Air temperature, °C or °F (lowered by the cooling effect under ASHRAE 55). */
    tdb: number;
    /** Mean radiant temperature, °C or °F (lowered by the cooling effect under ASHRAE 55). */
    tr: number;
    /** Air speed in Fanger's equations, m/s or fpm (0.1 m/s when the cooling effect was applied). */
    vr: number;
    /** Clothing insulation, clo. */
    clo: number;
    /** Whether the relative air speed was derived here from a measured `v`. */
    relativeAirSpeed: boolean;
    /** Whether the dynamic clothing insulation was derived here (ASHRAE 55, `v` input, met > 1.2). */
    dynamicClothing: boolean;
  };
  /** ASHRAE 55 cooling effect of elevated air speed. */
  coolingEffect: {
    /** K with `SI`, °F (a difference: ×1.8) with `IP`; 0 when not applicable, NaN when failed. */
    value: number;
    /** `uncertain`: value and PMV are kept but uncertain (see `reason`); `failed`: PMV is NaN. */
    status: CoolingEffectStatus;
    /** Why the status is `uncertain` or `failed`. */
    reason?: string;
  };
  /** Why `pmv` is NaN; undefined when it is not. */
  failure?: string;
}

/** Thrown for input no comfort model can take (missing, not finite, physically impossible). */
export class ComfortInputError extends RangeError {
  override name = 'ComfortInputError';
}

/** Thrown in strict mode for a condition outside the standard's validity range. */
export class ComfortRangeError extends RangeError {
  override name = 'ComfortRangeError';
  /** Every range that was left (the message names the first). */
  readonly violations: readonly RangeViolation[];
  constructor(violations: readonly RangeViolation[]) {
    super(describeViolation(violations[0]));
    this.violations = violations;
  }
}

/** Thrown in strict mode when the PMV could not be computed (a non-converging iteration). */
export class ComfortComputationError extends Error {
  override name = 'ComfortComputationError';
}

/**
 * Relative air speed: the room's average air speed plus the air speed the body's movement causes,
 * v_r = v + 0.3·(met − 1) for met > 1 (ANSI/ASHRAE 55-2023 §5.2; pythermalcomfort `v_relative`
 * notes that ISO 7730:2005 uses the same relation).
 * @param v average air speed, m/s
 * @param met metabolic rate, met
 * @returns relative air speed, m/s
 */
export function relativeAirSpeed(v: number, met: number): number {
  return met > 1 ? v + 0.3 * (met - 1) : v;
}

/**
 * Dynamic clothing insulation: the insulation of clothing worn during an activity, lowered by body
 * movement, I_cl,active = I_cl·(0.6 + 0.4/met) for met > 1.2 (ANSI/ASHRAE 55-2023 §5.2.2).
 * @param clo basic clothing insulation, clo
 * @param met metabolic rate, met
 * @returns dynamic clothing insulation, clo
 */
export function dynamicClothing(clo: number, met: number): number {
  return met > 1.2 ? clo * (0.6 + 0.4 / met) : clo;
}

/** The conditions in SI after the activity corrections; reused between evaluations. */
interface SiState {
  tdb: number;
  tr: number;
  rh: number;
  met: number;
  /** Clothing insulation in Fanger's equations (dynamic when derived here). */
  clo: number;
  /** Clothing insulation as given, which the validity range applies to. */
  cloGiven: number;
  wme: number;
  vr: number;
  /** Average air speed when measured, else the relative one. */
  vRoom: number;
  relativeAirSpeed: boolean;
  dynamicClothing: boolean;
  // Outputs of evaluate().
  pmv: number;
  ce: number;
  ceStatus: CoolingEffectStatus;
  vrApplied: number;
  failure: string | undefined;
  ceReason: string | undefined;
}

function newState(): SiState {
  return {
    tdb: 0,
    tr: 0,
    rh: 0,
    met: 0,
    clo: 0,
    cloGiven: 0,
    wme: 0,
    vr: 0,
    vRoom: 0,
    relativeAirSpeed: false,
    dynamicClothing: false,
    pmv: 0,
    ce: 0,
    ceStatus: 'not-applicable',
    vrApplied: 0,
    failure: undefined,
    ceReason: undefined,
  };
}

const FANGER_FAILURE = 'the clothing surface temperature iteration of ISO 7730 Annex D did not converge';

/** Evaluates the standard's procedure on `s` (SI, corrections done); writes pmv, ce, failure into it. */
function evaluate(s: SiState, standard: ComfortStandard): void {
  if (standard === 'ashrae' && s.vr > STILL_AIR_SPEED) {
    const result = coolingEffect(s.tdb, s.tr, s.vr, s.rh, s.met, s.clo, s.wme);
    evaluateWith(s, result.status, result.ce, result.reason);
  } else evaluateWith(s, 'not-applicable', 0, undefined);
}

/** Fanger's PMV on `s` after the cooling effect found for it (`not-applicable` under ISO 7730). */
function evaluateWith(s: SiState, status: CoolingEffectStatus, ce: number, reason: string | undefined): void {
  s.ce = 0;
  s.ceStatus = status;
  s.vrApplied = s.vr;
  s.failure = undefined;
  s.ceReason = reason;
  if (status === 'failed') {
    s.ce = Number.NaN;
    s.pmv = Number.NaN;
    s.failure = `cooling effect of elevated air speed not found: ${reason ?? 'unknown reason'}`;
    return;
  }
  if (status !== 'not-applicable') {
    s.ce = ce;
    s.vrApplied = STILL_AIR_SPEED;
  }
  s.pmv = fangerPmv(s.tdb - s.ce, s.tr - s.ce, s.vrApplied, s.rh, s.met, s.clo, s.wme);
  if (Number.isNaN(s.pmv)) s.failure = FANGER_FAILURE;
}

/** Water vapour pressure, Pa, as ISO 7730 Annex D computes it from RH. */
function vapourPressure(tdb: number, rh: number): number {
  return rh * 10 * Math.exp(16.6536 - 4030.183 / (tdb + 235));
}

function quantityValue(s: SiState, quantity: ValidityQuantity): number {
  switch (quantity) {
    case 'tdb':
      return s.tdb;
    case 'tr':
      return s.tr;
    case 'vr':
      return s.vr;
    case 'v':
      return s.vRoom;
    case 'met':
      return s.met;
    case 'clo':
      return s.cloGiven;
    case 'pa':
      return vapourPressure(s.tdb, s.rh);
    case 'pmv':
      return s.pmv;
  }
}

/** Bit mask of the violated ranges (bit i = ranges[i]; the last bit for the no-control air speed). */
function violationMask(
  s: SiState,
  ranges: readonly ValidityRange[],
  standard: ComfortStandard,
  airspeedControl: boolean,
): number {
  let mask = 0;
  for (let i = 0; i < ranges.length; i++) {
    const range = ranges[i];
    // The PMV range can only be judged once there is a PMV.
    if (range.quantity === 'pmv' && Number.isNaN(s.pmv)) continue;
    const value = quantityValue(s, range.quantity);
    if (!(value >= range.min && value <= range.max)) mask |= 1 << i;
  }
  if (standard === 'ashrae' && !airspeedControl) {
    const limit = ashraeAirSpeedLimitWithoutControl(s.tdb, s.tr, s.vRoom, s.met, s.cloGiven);
    if (s.vRoom > limit) mask |= 1 << ranges.length;
  }
  return mask;
}

function unitOf(quantity: ValidityQuantity, units: UnitSystem): string {
  switch (quantity) {
    case 'tdb':
    case 'tr':
      return units === 'IP' ? '°F' : '°C';
    case 'vr':
    case 'v':
      return units === 'IP' ? 'fpm' : 'm/s';
    case 'met':
      return 'met';
    case 'clo':
      return 'clo';
    case 'pa':
      return 'Pa';
    case 'pmv':
      return '';
  }
}

function toCallerUnits(quantity: ValidityQuantity, value: number, units: UnitSystem): number {
  if (quantity === 'tdb' || quantity === 'tr') return temperatureFromSi(value, units);
  if (quantity === 'vr' || quantity === 'v') return airSpeedFromSi(value, units);
  return value;
}

function describeViolation(v: RangeViolation): string {
  const unit = v.unit === '' ? '' : ` ${v.unit}`;
  const fmt = (x: number): string => (Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : String(x));
  return `${v.quantity} = ${fmt(v.value)}${unit} is outside the validity range of ${v.standard} (${fmt(v.min)} to ${fmt(v.max)}${unit})`;
}

function violationsFromMask(
  mask: number,
  s: SiState,
  ranges: readonly ValidityRange[],
  standard: ComfortStandard,
  units: UnitSystem,
): RangeViolation[] {
  const edition = STANDARD_EDITIONS[standard];
  const out: RangeViolation[] = [];
  for (let i = 0; i < ranges.length; i++) {
    if ((mask & (1 << i)) === 0) continue;
    const { quantity, min, max } = ranges[i];
    out.push({
      quantity,
      value: toCallerUnits(quantity, quantityValue(s, quantity), units),
      min: toCallerUnits(quantity, min, units),
      max: toCallerUnits(quantity, max, units),
      unit: unitOf(quantity, units),
      standard: edition,
    });
  }
  if ((mask & (1 << ranges.length)) !== 0) {
    const limit = ashraeAirSpeedLimitWithoutControl(s.tdb, s.tr, s.vRoom, s.met, s.cloGiven);
    out.push({
      quantity: 'v',
      value: airSpeedFromSi(s.vRoom, units),
      min: 0,
      max: airSpeedFromSi(limit, units),
      unit: unitOf('v', units),
      standard: edition,
    });
  }
  return out;
}

function requireFinite(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ComfortInputError(`${name} must be a finite number, got ${String(value)}`);
  }
  return value;
}

/** Reads one input into `s` (SI, corrections applied); throws ComfortInputError for impossible values. */
function load(
  s: SiState,
  tdbIn: number,
  trIn: number | undefined,
  rh: number,
  met: number,
  clo: number,
  wme: number,
  speed: number,
  measured: boolean,
  standard: ComfortStandard,
  units: UnitSystem,
): void {
  requireFinite('tdb', tdbIn);
  if (trIn !== undefined) requireFinite('tr', trIn);
  requireFinite('rh', rh);
  requireFinite('met', met);
  requireFinite('clo', clo);
  requireFinite('wme', wme);
  requireFinite(measured ? 'v' : 'vr', speed);
  if (rh < 0 || rh > 100) throw new ComfortInputError(`rh must be between 0 and 100 %, got ${rh}`);
  if (met <= 0) throw new ComfortInputError(`met must be positive, got ${met}`);
  if (clo < 0) throw new ComfortInputError(`clo must not be negative, got ${clo}`);
  if (speed < 0) throw new ComfortInputError(`${measured ? 'v' : 'vr'} must not be negative, got ${speed}`);
  if (wme < 0 || wme >= met) throw new ComfortInputError(`wme must be at least 0 and below met, got ${wme}`);

  s.tdb = temperatureToSi(tdbIn, units);
  s.tr = trIn === undefined ? s.tdb : temperatureToSi(trIn, units);
  s.rh = rh;
  s.met = met;
  s.wme = wme;
  s.cloGiven = clo;
  const speedSi = airSpeedToSi(speed, units);
  s.vRoom = speedSi;
  if (measured) {
    s.vr = relativeAirSpeed(speedSi, met);
    s.relativeAirSpeed = s.vr !== speedSi;
    s.clo = standard === 'ashrae' ? dynamicClothing(clo, met) : clo;
    s.dynamicClothing = s.clo !== clo;
  } else {
    s.vr = speedSi;
    s.relativeAirSpeed = false;
    s.clo = clo;
    s.dynamicClothing = false;
  }
}

const scratch = newState();

/**
 * PMV and PPD of one set of conditions by ISO 7730:2005 (§4.1 eqs. (1)–(4), §4.2 eq. (5)) or
 * ANSI/ASHRAE 55-2023 (§5.3 with the SET cooling effect of Normative Appendix D), with the validity
 * ranges of the chosen standard reported (or, with `strict`, enforced).
 *
 * @param input air and mean radiant temperature (°C, or °F with IP), relative humidity (%), `vr`
 *   relative or `v` measured air speed (m/s, or fpm with IP), metabolic rate (met), clothing (clo),
 *   external work (met)
 * @param options standard (`iso` default), units (`SI` default), airspeedControl (ASHRAE, default
 *   true), strict (default false)
 * @returns unrounded PMV (dimensionless) and PPD (%), what was applied, and the validity report
 * @throws ComfortInputError for missing or impossible input; in strict mode ComfortRangeError for a
 *   condition outside the validity range and ComfortComputationError when the PMV cannot be computed
 */
export function pmvPpd(input: PmvInput, options: PmvOptions = {}): PmvResult {
  const standard = options.standard ?? 'iso';
  const units = options.units ?? 'SI';
  if (standard !== 'iso' && standard !== 'ashrae') {
    throw new ComfortInputError(`standard must be "iso" or "ashrae", got ${String(standard)}`);
  }
  if (units !== 'SI' && units !== 'IP') {
    throw new ComfortInputError(`units must be "SI" or "IP", got ${String(units)}`);
  }
  const measured = input.v !== undefined;
  if (measured === (input.vr !== undefined)) {
    throw new ComfortInputError('give either vr (relative air speed) or v (measured air speed), not both');
  }
  const speed = measured ? input.v : input.vr;
  const s = scratch;
  load(
    s,
    input.tdb,
    input.tr,
    input.rh,
    input.met,
    input.clo,
    input.wme ?? 0,
    speed as number,
    measured,
    standard,
    units,
  );
  const ranges = standard === 'iso' ? ISO_7730_RANGES : ASHRAE_55_RANGES;
  const airspeedControl = options.airspeedControl ?? true;

  // Refuse before computing: a strict caller gets the input's violation, not a side effect of it.
  if (options.strict) {
    const inputMask = violationMask({ ...s, pmv: Number.NaN }, ranges, standard, airspeedControl);
    if (inputMask !== 0) {
      throw new ComfortRangeError(violationsFromMask(inputMask, s, ranges, standard, units));
    }
  }

  evaluate(s, standard);
  const mask = violationMask(s, ranges, standard, airspeedControl);
  const violations = mask === 0 ? [] : violationsFromMask(mask, s, ranges, standard, units);
  if (options.strict) {
    if (s.failure !== undefined) throw new ComfortComputationError(s.failure);
    if (violations.length > 0) throw new ComfortRangeError(violations);
    if (s.ceStatus === 'uncertain') {
      throw new ComfortComputationError(`cooling effect uncertain: ${s.ceReason}`);
    }
  }

  const result: PmvResult = {
    pmv: s.pmv,
    ppd: ppdFromPmv(s.pmv),
    standard: STANDARD_EDITIONS[standard],
    units,
    withinValidity: violations.length === 0,
    violations,
    applied: {
      tdb: temperatureFromSi(s.tdb - (Number.isNaN(s.ce) ? 0 : s.ce), units),
      tr: temperatureFromSi(s.tr - (Number.isNaN(s.ce) ? 0 : s.ce), units),
      vr: airSpeedFromSi(s.vrApplied, units),
      clo: s.clo,
      relativeAirSpeed: s.relativeAirSpeed,
      dynamicClothing: s.dynamicClothing,
    },
    coolingEffect: { value: temperatureDeltaFromSi(s.ce, units), status: s.ceStatus },
  };
  if (s.ceReason !== undefined) result.coolingEffect.reason = s.ceReason;
  if (s.failure !== undefined) result.failure = s.failure;
  return result;
}

/** Column-wise input of {@link pmvPpdBatch}: `vr` or `v`, not both; `tr` and `wme` optional. */
export interface PmvBatchInput {
  /** Air temperature, °C (°F with IP). */
  tdb: Float64Array;
  /** Mean radiant temperature, °C (°F with IP); defaults to tdb. */
  tr?: Float64Array;
  /** Relative humidity, %. */
  rh: Float64Array;
  /** Relative air speed, m/s (fpm with IP), used as given. */
  vr?: Float64Array;
  /** Average air speed measured in the room, m/s (fpm with IP); the activity corrections are applied. */
  v?: Float64Array;
  /** Metabolic rate, met. */
  met: Float64Array;
  /** Clothing insulation, clo (dynamic with `vr`, basic with `v`). */
  clo: Float64Array;
  /** External work, met; defaults to 0. */
  wme?: Float64Array;
}

/** Flag bits of {@link PmvBatchResult.flags}. */
export const PMV_BATCH_FLAGS = {
  /** The row is outside the standard's validity range. */
  outOfRange: 1,
  /** The row's PMV could not be computed (NaN): cooling effect or clothing temperature not found. */
  failed: 2,
  /** The row's cooling effect is uncertain (SET model at its wettedness limit); PMV kept. */
  uncertain: 4,
} as const;

/** What a batch row that carries a flag has to say, in the caller's units. */
export interface PmvRowDetail {
  /** The ranges the row left; empty when only the cooling effect is flagged. */
  violations: readonly RangeViolation[];
  /** Why the row's PMV is NaN. */
  failure?: string;
  /** Why the row's cooling effect is uncertain or failed. */
  coolingEffectReason?: string;
}

/**
 * What the flagged rows of a batch are about, worked out when asked (from the batch's input
 * columns, which must then be as they were): a third of a batch may be out of range, and most
 * callers read a few of them.
 */
export interface PmvRowDetails {
  /** The detail of `row`; undefined when the row has no flag. */
  get(row: number): PmvRowDetail | undefined;
}

/** Column-wise output of {@link pmvPpdBatch}. */
export interface PmvBatchResult {
  /** Predicted mean vote, dimensionless, unrounded. */
  pmv: Float64Array;
  /** Predicted percentage of dissatisfied, %, unrounded. */
  ppd: Float64Array;
  /** ASHRAE 55 cooling effect, K (°F difference with IP); 0 where not applicable. */
  coolingEffect: Float64Array;
  /** Bit set per row: {@link PMV_BATCH_FLAGS}. */
  flags: Uint8Array;
  /** How each row's cooling-effect search ended: an index into {@link COOLING_EFFECT_STATUS_CODES}. */
  coolingEffectStatus: Uint8Array;
  /** For every row with a flag, what it is about (violations with their values, failure reasons). */
  details: PmvRowDetails;
  /** Standard and edition applied. */
  standard: StandardEdition;
}

/**
 * {@link pmvPpd} for many rows at once, on typed arrays: the same procedure and the same answers,
 * without one result object per row. Rows outside the validity range are flagged, never clamped;
 * in strict mode the first such row is refused with its index in the message.
 *
 * @param input columns of equal length, units as in {@link pmvPpd}
 * @param options as in {@link pmvPpd}
 * @returns PMV (dimensionless), PPD (%), cooling effect (K or °F difference) and flags per row
 * @throws ComfortInputError for impossible values (naming the row); in strict mode
 *   ComfortRangeError / ComfortComputationError for the first offending row
 */
export function pmvPpdBatch(input: PmvBatchInput, options: PmvOptions = {}): PmvBatchResult {
  const standard = options.standard ?? 'iso';
  const units = options.units ?? 'SI';
  const airspeedControl = options.airspeedControl ?? true;
  const measured = input.v !== undefined;
  if (measured === (input.vr !== undefined)) {
    throw new ComfortInputError('give either vr (relative air speed) or v (measured air speed), not both');
  }
  const speed = (measured ? input.v : input.vr) as Float64Array;
  const { tdb, tr, rh, met, clo, wme } = input;
  const n = tdb.length;
  for (const [name, column] of [
    ['tr', tr],
    ['rh', rh],
    [measured ? 'v' : 'vr', speed],
    ['met', met],
    ['clo', clo],
    ['wme', wme],
  ] as const) {
    if (column !== undefined && column.length !== n) {
      throw new ComfortInputError(`${name} holds ${column.length} values, tdb holds ${n}`);
    }
  }
  const ranges = standard === 'iso' ? ISO_7730_RANGES : ASHRAE_55_RANGES;
  const pmv = new Float64Array(n);
  const ppd = new Float64Array(n);
  const ce = new Float64Array(n);
  const flags = new Uint8Array(n);
  const ceStatus = new Uint8Array(n);
  const masks = new Uint32Array(n);
  // Failure reasons and cooling-effect reasons, the few rows that have one.
  const notes = new Map<number, { failure?: string; coolingEffectReason?: string }>();
  const s = newState();
  const loadRow = (i: number, state = s): void => {
    try {
      load(
        state,
        tdb[i],
        tr === undefined ? undefined : tr[i],
        rh[i],
        met[i],
        clo[i],
        wme === undefined ? 0 : wme[i],
        speed[i],
        measured,
        standard,
        units,
      );
    } catch (error) {
      if (error instanceof ComfortInputError) throw new ComfortInputError(`row ${i}: ${error.message}`);
      throw error;
    }
  };
  // ASHRAE 55 at elevated air speed: the cooling effects of all rows first, sharing the work.
  let shared: CoolingEffectBatchOutput | undefined;
  if (standard === 'ashrae' && (options.shareCoolingEffect ?? true)) {
    const columns = {
      tdb: new Float64Array(n),
      tr: new Float64Array(n),
      vr: new Float64Array(n),
      rh: new Float64Array(n),
      met: new Float64Array(n),
      clo: new Float64Array(n),
      wme: new Float64Array(n),
    };
    for (let i = 0; i < n; i++) {
      loadRow(i);
      columns.tdb[i] = s.tdb;
      columns.tr[i] = s.tr;
      columns.vr[i] = s.vr;
      columns.rh[i] = s.rh;
      columns.met[i] = s.met;
      columns.clo[i] = s.clo;
      columns.wme[i] = s.wme;
    }
    shared = coolingEffectBatch(columns);
  }
  for (let i = 0; i < n; i++) {
    loadRow(i);
    if (shared) {
      evaluateWith(s, COOLING_EFFECT_STATUS_CODES[shared.status[i]], shared.ce[i], shared.reasons.get(i));
    } else evaluate(s, standard);
    const mask = violationMask(s, ranges, standard, airspeedControl);
    if (options.strict) {
      if (mask !== 0) {
        const violations = violationsFromMask(mask, s, ranges, standard, units);
        const error = new ComfortRangeError(violations);
        error.message = `row ${i}: ${error.message}`;
        throw error;
      }
      if (s.failure !== undefined) throw new ComfortComputationError(`row ${i}: ${s.failure}`);
      if (s.ceStatus === 'uncertain') {
        throw new ComfortComputationError(`row ${i}: cooling effect uncertain: ${s.ceReason}`);
      }
    }
    pmv[i] = s.pmv;
    ppd[i] = ppdFromPmv(s.pmv);
    ce[i] = temperatureDeltaFromSi(s.ce, units);
    const rowFlags =
      (mask !== 0 ? PMV_BATCH_FLAGS.outOfRange : 0) |
      (s.failure !== undefined ? PMV_BATCH_FLAGS.failed : 0) |
      (s.ceStatus === 'uncertain' ? PMV_BATCH_FLAGS.uncertain : 0);
    flags[i] = rowFlags;
    ceStatus[i] = COOLING_EFFECT_STATUS_CODES.indexOf(s.ceStatus);
    masks[i] = mask;
    if (rowFlags !== 0 && (s.failure !== undefined || s.ceReason !== undefined)) {
      notes.set(i, { failure: s.failure, coolingEffectReason: s.ceReason });
    }
  }
  const scratch = newState();
  const details: PmvRowDetails = {
    get(row: number): PmvRowDetail | undefined {
      if (!(row >= 0 && row < n) || flags[row] === 0) return undefined;
      let violations: RangeViolation[] = [];
      if (masks[row] !== 0) {
        // The violated quantities are the row's inputs, as loaded, and its PMV.
        loadRow(row, scratch);
        scratch.pmv = pmv[row];
        violations = violationsFromMask(masks[row], scratch, ranges, standard, units);
      }
      const detail: PmvRowDetail = { violations };
      const note = notes.get(row);
      if (note?.failure !== undefined) detail.failure = note.failure;
      if (note?.coolingEffectReason !== undefined) detail.coolingEffectReason = note.coolingEffectReason;
      return detail;
    },
  };
  return {
    pmv,
    ppd,
    coolingEffect: ce,
    flags,
    coolingEffectStatus: ceStatus,
    details,
    standard: STANDARD_EDITIONS[standard],
  };
}
