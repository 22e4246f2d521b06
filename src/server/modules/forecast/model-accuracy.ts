import { type DegreeDayModel, fitFromSums, HddSums, predictDay } from './degree-day-model.ts';

/**
 * Accuracy of a daily model on held-out weeks, with the figures of ASHRAE Guideline 14-2014
 * (§4.3.2.4, §5.2.11.3): CV(RMSE) and NMBE, and R².
 */

/** A building's daily series: each day with both its heat use and its mean outdoor temperature. */
export interface DailySeries {
  /** Calendar day numbers (days since 1970-01-01), ascending, no repeats. */
  day: Int32Array;
  /** Heat use of the day, kWh. */
  energyKWh: Float64Array;
  /** Mean outdoor temperature of the day, °C. */
  temperatureC: Float64Array;
}

/** Folds of the cross-validation. */
export const FOLDS = 5;
/** Seed that orders the weeks into folds, so the same data gives the same folds every time. */
export const FOLD_SEED = 20_140_101;
/** Fewest days with data for a model to be fitted: five weeks, one per fold. */
export const MIN_MODEL_DAYS = 35;
/** CalTRACK 2.0 §2.2: a baseline of a year… */
export const CALTRACK_SPAN_DAYS = 365;
/** …with at least 90 % of its days. */
export const CALTRACK_MIN_COVERAGE = 0.9;
/** ASHRAE Guideline 14: monthly CV(RMSE) at most 15 %. */
export const GUIDELINE14_CVRMSE_MONTHLY_PCT = 15;
/** ASHRAE Guideline 14: monthly NMBE within ±5 %. */
export const GUIDELINE14_NMBE_PCT = 5;

/** Monday-based week number of a calendar day number (1970-01-01 was a Thursday). */
export function weekOf(day: number): number {
  return Math.floor((day + 3) / 7);
}

/** A well-mixed hash of a week number and a seed, in [0, 2³²). */
function weekHash(week: number, seed: number): number {
  let h = Math.imul(week ^ seed, 0x85ebca6b) ^ Math.imul(seed, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The fold of each day: the series' weeks are put in an order drawn from `seed` and dealt to the
 * folds in turn, so every fold holds whole weeks and the folds are as large as they can be made
 * equal. Two series over the same weeks get the same folds.
 */
export function weekFolds(day: ArrayLike<number>, folds = FOLDS, seed = FOLD_SEED): Uint8Array {
  const weeks = new Set<number>();
  for (let i = 0; i < day.length; i++) weeks.add(weekOf(day[i]));
  const order = [...weeks].sort((a, b) => weekHash(a, seed) - weekHash(b, seed) || a - b);
  const foldOfWeek = new Map<number, number>();
  order.forEach((w, k) => foldOfWeek.set(w, k % folds));
  const out = new Uint8Array(day.length);
  for (let i = 0; i < day.length; i++) out[i] = foldOfWeek.get(weekOf(day[i])) as number;
  return out;
}

/** Rows of each fold's training set and test set. */
export function foldRows(fold: Uint8Array, folds = FOLDS): { train: Int32Array; test: Int32Array }[] {
  const out = [];
  for (let f = 0; f < folds; f++) {
    let testCount = 0;
    for (let i = 0; i < fold.length; i++) if (fold[i] === f) testCount++;
    const train = new Int32Array(fold.length - testCount);
    const test = new Int32Array(testCount);
    let a = 0;
    let b = 0;
    for (let i = 0; i < fold.length; i++) {
      if (fold[i] === f) test[b++] = i;
      else train[a++] = i;
    }
    out.push({ train, test });
  }
  return out;
}

/**
 * Out-of-fold predictions: each day predicted by a model fitted without its fold. `fit` is handed
 * the training rows and the test rows and returns the predictions of the test rows (kWh).
 */
export function heldOutPredictions(
  series: DailySeries,
  fit: (train: Int32Array, test: Int32Array) => ArrayLike<number>,
  fold = weekFolds(series.day),
): Float64Array {
  const predicted = new Float64Array(series.day.length).fill(Number.NaN);
  for (const { train, test } of foldRows(fold)) {
    if (test.length === 0 || train.length < 3) continue;
    const p = fit(train, test);
    for (let k = 0; k < test.length; k++) predicted[test[k]] = p[k];
  }
  return predicted;
}

/** Accuracy figures of predictions against what happened. */
export interface Accuracy {
  /** Days compared. */
  days: number;
  /** CV(RMSE) of the daily values, %: √(Σ(y − ŷ)² / (n − p)) / ȳ. */
  cvrmse: number;
  /** CV(RMSE) of the calendar months' totals, %: the figure Guideline 14's monthly threshold applies to. */
  cvrmseMonthly: number | null;
  /** Normalised mean bias error, %: Σ(y − ŷ) / ((n − p) · ȳ); positive when the model under-predicts. */
  nmbe: number;
  /** 1 − SSres/SStot of the daily values. */
  r2: number;
  /** Whether monthly CV(RMSE) ≤ 15 % and |NMBE| ≤ 5 % (ASHRAE Guideline 14-2014, monthly). */
  meetsGuideline14: boolean;
}

const months = new Map<number, number>();
/** Calendar month (year·12 + month) of a day number (remembered: a city's days are few, its buildings many). */
function monthOf(day: number): number {
  let m = months.get(day);
  if (m === undefined) {
    const d = new Date(day * 86_400_000);
    m = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (months.size < 100_000) months.set(day, m);
  }
  return m;
}

/**
 * CV(RMSE), NMBE and R² of `predicted` against `actual` (days whose prediction is NaN left out),
 * with `parameters` the model's number of parameters p (ASHRAE Guideline 14-2014, eq. 4-5, 4-6).
 */
export function accuracyOf(
  day: ArrayLike<number>,
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  parameters: number,
): Accuracy {
  let n = 0;
  let sum = 0;
  for (let i = 0; i < actual.length; i++) {
    if (Number.isNaN(predicted[i])) continue;
    n++;
    sum += actual[i];
  }
  const mean = sum / n;
  let ssRes = 0;
  let ssTot = 0;
  let bias = 0;
  const byMonth = new Map<number, [number, number]>();
  for (let i = 0; i < actual.length; i++) {
    if (Number.isNaN(predicted[i])) continue;
    const r = actual[i] - predicted[i];
    ssRes += r * r;
    bias += r;
    ssTot += (actual[i] - mean) ** 2;
    const m = monthOf(day[i]);
    const acc = byMonth.get(m) ?? [0, 0];
    acc[0] += actual[i];
    acc[1] += predicted[i];
    byMonth.set(m, acc);
  }
  const dof = Math.max(1, n - parameters);
  const cvrmse = (100 * Math.sqrt(ssRes / dof)) / mean;
  const nmbe = (100 * bias) / (dof * mean);
  let cvrmseMonthly: number | null = null;
  if (byMonth.size > parameters) {
    let mSum = 0;
    let mRes = 0;
    for (const [a, p] of byMonth.values()) {
      mSum += a;
      mRes += (a - p) ** 2;
    }
    cvrmseMonthly = (100 * Math.sqrt(mRes / (byMonth.size - parameters))) / (mSum / byMonth.size);
  }
  return {
    days: n,
    cvrmse,
    cvrmseMonthly,
    nmbe,
    r2: ssTot > 0 ? 1 - ssRes / ssTot : 0,
    meetsGuideline14:
      cvrmseMonthly !== null &&
      cvrmseMonthly <= GUIDELINE14_CVRMSE_MONTHLY_PCT &&
      Math.abs(nmbe) <= GUIDELINE14_NMBE_PCT,
  };
}

/** How much data a series has, and whether it is enough. */
export interface DataSufficiency {
  /** First and last day with data, YYYY-MM-DD; null without data. */
  firstDate: string | null;
  lastDate: string | null;
  /** Days from the first to the last day with data, both counted. */
  spanDays: number;
  daysWithData: number;
  /** Days within the span without heat use or temperature. */
  missingDays: number;
  /** daysWithData / spanDays. */
  coverage: number;
  /** Whether a model is fitted (at least `MIN_MODEL_DAYS` days). */
  enough: boolean;
  /** Whether CalTRACK would accept it as a baseline: a year or more, 90 % of its days. */
  calTrack: boolean;
  /** Why not, when it is not enough or not a CalTRACK baseline. */
  reason: 'no-data' | 'too-few-days' | 'shorter-than-a-year' | 'low-coverage' | null;
}

/** The calendar date of a day number, YYYY-MM-DD. */
export function dateOfDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** Data sufficiency of a series (CalTRACK 2.0 §2.2 for the baseline rules). */
export function sufficiencyOf(series: DailySeries): DataSufficiency {
  const n = series.day.length;
  if (n === 0)
    return {
      firstDate: null,
      lastDate: null,
      spanDays: 0,
      daysWithData: 0,
      missingDays: 0,
      coverage: 0,
      enough: false,
      calTrack: false,
      reason: 'no-data',
    };
  const spanDays = series.day[n - 1] - series.day[0] + 1;
  const coverage = n / spanDays;
  const enough = n >= MIN_MODEL_DAYS;
  const longEnough = spanDays >= CALTRACK_SPAN_DAYS;
  const covered = coverage >= CALTRACK_MIN_COVERAGE;
  return {
    firstDate: dateOfDay(series.day[0]),
    lastDate: dateOfDay(series.day[n - 1]),
    spanDays,
    daysWithData: n,
    missingDays: spanDays - n,
    coverage,
    enough,
    calTrack: longEnough && covered,
    reason: !enough ? 'too-few-days' : !longEnough ? 'shorter-than-a-year' : !covered ? 'low-coverage' : null,
  };
}

/** A building's model with its accuracy on held-out weeks. */
export interface BuildingModelResult {
  model: DegreeDayModel;
  accuracy: Accuracy;
  /** Out-of-fold predictions, kWh, one per day of the series. */
  heldOut: Float64Array;
}

/**
 * Fits the CalTRACK model to the whole series and measures the same choice, made again without
 * each fold, on that fold's weeks (5 folds, fixed seed).
 */
export function fitWithAccuracy(series: DailySeries, fold = weekFolds(series.day)): BuildingModelResult {
  const { temperatureC, energyKWh } = series;
  const n = energyKWh.length;
  let shift = 0;
  for (let i = 0; i < n; i++) shift += energyKWh[i];
  shift = n > 0 ? shift / n : 0;
  // One pass gathers each fold's sums; a fold's training sums are the whole's minus its own.
  const perFold = Array.from({ length: FOLDS }, () => new HddSums(shift));
  for (let i = 0; i < n; i++) perFold[fold[i]].add(temperatureC[i], energyKWh[i]);
  for (const s of perFold) s.finish();
  const whole = perFold.reduce((a, b) => a.plus(b));
  const model = fitFromSums(whole);
  const heldOut = new Float64Array(n).fill(Number.NaN);
  const models = perFold.map((s) => (s.n > 0 && whole.n - s.n >= 3 ? fitFromSums(whole.minus(s)) : null));
  for (let i = 0; i < n; i++) {
    const m = models[fold[i]];
    if (m) heldOut[i] = predictDay(m, temperatureC[i]);
  }
  return { model, accuracy: accuracyOf(series.day, energyKWh, heldOut, model.parameters), heldOut };
}
