/**
 * CIOP's comfort math: PMV/PPD by ISO 7730:2005 and ANSI/ASHRAE 55-2023, adaptive comfort by
 * ASHRAE 55 and EN 16798-1, classification, and the seasonal assumptions of the comfort jobs.
 * Pure TypeScript; the server and the web import it from here.
 */
export {
  adaptiveAirSpeedAllowance,
  adaptiveAshrae,
  adaptiveEn,
  nextRunningMeanOutdoorTemperature,
  runningMeanOutdoorTemperature,
  type AdaptiveAshraeResult,
  type AdaptiveEnResult,
  type AdaptiveInput,
  type AdaptiveOptions,
} from './adaptive.ts';
export {
  ashraeCompliant,
  classifyPmv,
  comfortCategory,
  ISO_7730_CATEGORY_LETTERS,
  ISO_7730_CATEGORY_LIMITS,
  RESIDENT_STATUS_THRESHOLDS,
  residentStatus,
  type CategoryCriterion,
  type CategoryOptions,
  type ComfortCategory,
  type PmvClassification,
  type ResidentStatus,
} from './classification.ts';
export {
  COOLING_EFFECT_STATUS_CODES,
  COOLING_EFFECT_TOLERANCE_K,
  coolingEffect,
  STILL_AIR_SPEED,
  type CoolingEffectGuess,
  type CoolingEffectResult,
  type CoolingEffectStatus,
} from './cooling-effect.ts';
export {
  clearCoolingEffectCache,
  coolingEffectBatch,
  LATTICE_CHECK_TOLERANCE_K,
  type CoolingEffectBatchInput,
  type CoolingEffectBatchOutput,
} from './cooling-effect-batch.ts';
export {
  comfortAssumptions,
  measuredComfortInput,
  SEASONAL_DEFAULTS,
  type ComfortAssumptions,
  type Season,
} from './defaults.ts';
export {
  fangerPmv,
  fangerPmvBatch,
  ppdFromPmv,
  type FangerBatchInput,
  type FangerBatchOutput,
} from './fanger.ts';
export {
  ComfortComputationError,
  ComfortInputError,
  ComfortRangeError,
  dynamicClothing,
  PMV_BATCH_FLAGS,
  pmvPpd,
  pmvPpdBatch,
  relativeAirSpeed,
  STANDARD_EDITIONS,
  type ComfortStandard,
  type MeasuredAirSpeedInput,
  type PmvBatchInput,
  type PmvBatchResult,
  type PmvInput,
  type PmvOptions,
  type PmvResult,
  type PmvRowDetail,
  type PmvRowDetails,
  type RangeViolation,
  type RelativeAirSpeedInput,
  type StandardEdition,
} from './pmv.ts';
export {
  SET_REGIME,
  standardEffectiveTemperature,
  standardEffectiveTemperatureDetailed,
  type SetOptions,
  type SetResult,
} from './set.ts';
export {
  airSpeedFromSi,
  airSpeedToSi,
  celsiusDeltaToFahrenheit,
  celsiusToFahrenheit,
  fahrenheitDeltaToCelsius,
  fahrenheitToCelsius,
  fpmToMetresPerSecond,
  metresPerSecondToFpm,
  temperatureDeltaFromSi,
  temperatureFromSi,
  temperatureToSi,
  type UnitSystem,
} from './units.ts';
export {
  ashraeAirSpeedLimitWithoutControl,
  ASHRAE_55_RANGES,
  ISO_7730_RANGES,
  operativeTemperature,
  type ValidityQuantity,
  type ValidityRange,
} from './validity.ts';
