import { tTwoSidedP } from './student-t.ts';

/**
 * Degree-day models of daily heat use, chosen the way CalTRACK 2.0 (daily methods, §3) chooses
 * them: an intercept-only model (base load alone) and a heating-degree-day model
 * `E = intercept + slope · max(0, balance point − T)` over a grid of balance points; the HDD
 * model is kept only where its slope is positive and significant (p < 0.1) and its adjusted R²
 * is the best. Energy in kWh per day, temperatures as daily means in °C.
 */

/** Lowest balance point searched, °C. */
export const BALANCE_POINT_MIN_C = 10;
/** Highest balance point searched, °C. */
export const BALANCE_POINT_MAX_C = 22;
/** Step of the balance point search, °C. */
export const BALANCE_POINT_STEP_C = 0.5;
/** A slope is significant below this two-sided p-value (CalTRACK 2.0 §3.4.3.2). */
export const SLOPE_P_MAX = 0.1;
/**
 * A balance point is a candidate only when this many days have degree days and they add up to
 * at least `MIN_TOTAL_DEGREE_DAYS` (CalTRACK 2.0 §3.2.2.3): with fewer, the slope rests on a
 * handful of days.
 */
export const MIN_DEGREE_DAY_DAYS = 10;
/** Degree days a candidate balance point needs over the data, K·day (CalTRACK 2.0 §3.2.2.3). */
export const MIN_TOTAL_DEGREE_DAYS = 20;

/** The balance points searched, °C: 10, 10.5, … 22. */
export const BALANCE_POINTS_C: readonly number[] = Array.from(
  { length: Math.round((BALANCE_POINT_MAX_C - BALANCE_POINT_MIN_C) / BALANCE_POINT_STEP_C) + 1 },
  (_, i) => BALANCE_POINT_MIN_C + i * BALANCE_POINT_STEP_C,
);

/** A fitted daily model. */
export interface DegreeDayModel {
  type: 'intercept-only' | 'hdd';
  /** Balance point of the HDD model, °C; null for intercept-only. */
  balancePointC: number | null;
  /** Base load, kWh/day. */
  interceptKWhPerDay: number;
  /** Heat per heating degree day, kWh/(K·day); 0 for intercept-only. */
  slopeKWhPerDegreeDay: number;
  /** Coefficient of determination in the fitted data. */
  r2: number;
  /** Adjusted R² (0 for intercept-only, as CalTRACK counts it). */
  adjR2: number;
  /** Two-sided p-value of the slope; null for intercept-only. */
  slopePValue: number | null;
  /** Standard deviation of the residuals, kWh/day: √(SSres / (n − p)). */
  residualStdKWh: number;
  /** Days fitted. */
  days: number;
  /** Parameters estimated: 1 (intercept-only) or 2 (intercept and slope; the balance point is searched, not estimated). */
  parameters: 1 | 2;
}

/** Heating degree days of a day of mean `temperatureC` on base `balancePointC`, K·day. */
export function heatingDegreeDays(temperatureC: number, balancePointC: number): number {
  return temperatureC < balancePointC ? balancePointC - temperatureC : 0;
}

/** The model's heat use on a day of mean outdoor temperature `temperatureC`, kWh. */
export function predictDay(model: DegreeDayModel, temperatureC: number): number {
  if (model.type === 'intercept-only' || model.balancePointC === null) return model.interceptKWhPerDay;
  return (
    model.interceptKWhPerDay +
    model.slopeKWhPerDegreeDay * heatingDegreeDays(temperatureC, model.balancePointC)
  );
}

/** Ordinary least squares of y on max(0, base − T) over the days `rows` (all when omitted). */
export interface HddRegression {
  intercept: number;
  slope: number;
  ssRes: number;
  ssTot: number;
  /** Σ (x − x̄)², K²·day². */
  sxx: number;
  n: number;
  /** Days with degree days. */
  degreeDayDays: number;
  /** Degree days in total, K·day. */
  totalDegreeDays: number;
}

/**
 * Least squares of energy on the heating degree days of one base, over the days listed in
 * `rows` (every day when omitted). Sums are taken about the mean energy, so large daily
 * figures keep their precision.
 */
export function regressHdd(
  temperatureC: ArrayLike<number>,
  energyKWh: ArrayLike<number>,
  baseC: number,
  rows?: ArrayLike<number>,
): HddRegression {
  const n = rows ? rows.length : energyKWh.length;
  let sx = 0;
  let sy = 0;
  let nonZero = 0;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k] : k;
    const t = temperatureC[i];
    const x = t < baseC ? baseC - t : 0;
    if (x > 0) nonZero++;
    sx += x;
    sy += energyKWh[i];
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k] : k;
    const t = temperatureC[i];
    const dx = (t < baseC ? baseC - t : 0) - mx;
    const dy = energyKWh[i] - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const ssRes = Math.max(0, syy - slope * sxy);
  return {
    intercept: my - slope * mx,
    slope,
    ssRes,
    ssTot: syy,
    sxx,
    n,
    degreeDayDays: nonZero,
    totalDegreeDays: sx,
  };
}

const POINTS = BALANCE_POINTS_C.length;
/** Values kept per balance point: days below it, ΣT, ΣT², Σy, ΣT·y over those days. */
const FIELDS = 5;

/**
 * The sums a degree-day fit needs at every balance point at once, gathered in one pass over the
 * days: for the days colder than each balance point b, their count and ΣT, ΣT², Σy, ΣT·y, from
 * which Σx, Σx² and Σxy of x = b − T follow; and Σy, Σy² over all days. Sums of disjoint sets of
 * days add and subtract, so a fold's training sums are the whole's minus the fold's. Energy is
 * taken relative to `shift` (about the mean), so that the sums keep their precision.
 */
export class HddSums {
  n = 0;
  sy = 0;
  syy = 0;
  /** Per balance point, after `finish`: [count, ΣT, ΣT², Σy, ΣT·y] over the days below it. */
  below = new Float64Array(POINTS * FIELDS);

  constructor(readonly shift = 0) {}

  /** Adds a day of mean temperature `t` (°C) and energy `y` (kWh); call `finish` after the last. */
  add(t: number, y: number): void {
    const v = y - this.shift;
    this.n++;
    this.sy += v;
    this.syy += v * v;
    // The first balance point above t: every later one has this day below it as well.
    let k = Math.floor((t - BALANCE_POINT_MIN_C) / BALANCE_POINT_STEP_C) + 1;
    if (k < 0) k = 0;
    if (k >= POINTS) return;
    const o = k * FIELDS;
    this.below[o] += 1;
    this.below[o + 1] += t;
    this.below[o + 2] += t * t;
    this.below[o + 3] += v;
    this.below[o + 4] += t * v;
  }

  /** Turns the per-point additions into sums over every day below each point. */
  finish(): this {
    for (let k = 1; k < POINTS; k++)
      for (let f = 0; f < FIELDS; f++) this.below[k * FIELDS + f] += this.below[(k - 1) * FIELDS + f];
    return this;
  }

  /** These sums less those of a subset of the same days (same shift). */
  minus(other: HddSums): HddSums {
    const out = new HddSums(this.shift);
    out.n = this.n - other.n;
    out.sy = this.sy - other.sy;
    out.syy = this.syy - other.syy;
    for (let i = 0; i < this.below.length; i++) out.below[i] = this.below[i] - other.below[i];
    return out;
  }

  /** These sums plus those of other days (same shift). */
  plus(other: HddSums): HddSums {
    const out = new HddSums(this.shift);
    out.n = this.n + other.n;
    out.sy = this.sy + other.sy;
    out.syy = this.syy + other.syy;
    for (let i = 0; i < this.below.length; i++) out.below[i] = this.below[i] + other.below[i];
    return out;
  }
}

/** The sums of the days listed in `rows` (every day when omitted). */
export function hddSums(
  temperatureC: ArrayLike<number>,
  energyKWh: ArrayLike<number>,
  rows?: ArrayLike<number>,
  shift?: number,
): HddSums {
  const n = rows ? rows.length : energyKWh.length;
  let centre = shift;
  if (centre === undefined) {
    centre = 0;
    for (let k = 0; k < n; k++) centre += energyKWh[rows ? rows[k] : k];
    centre = n > 0 ? centre / n : 0;
  }
  const sums = new HddSums(centre);
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k] : k;
    sums.add(temperatureC[i], energyKWh[i]);
  }
  return sums.finish();
}

/**
 * The candidate CalTRACK keeps, from the sums of the days fitted: the HDD model at the balance
 * point of best adjusted R² among those whose slope is positive with p < 0.1 (and enough degree
 * days), when it beats the intercept-only model's adjusted R² of 0; otherwise the intercept-only
 * model.
 */
export function fitFromSums(s: HddSums): DegreeDayModel {
  const n = s.n;
  if (n < 3) throw new RangeError(`a degree-day model needs at least 3 days, not ${n}`);
  const meanY = s.sy / n;
  const ssTot = Math.max(0, s.syy - s.sy * meanY);
  let best: DegreeDayModel = {
    type: 'intercept-only',
    balancePointC: null,
    interceptKWhPerDay: meanY + s.shift,
    slopeKWhPerDegreeDay: 0,
    r2: 0,
    adjR2: 0,
    slopePValue: null,
    residualStdKWh: Math.sqrt(ssTot / Math.max(1, n - 1)),
    days: n,
    parameters: 1,
  };
  for (let k = 0; k < POINTS; k++) {
    const o = k * FIELDS;
    const count = s.below[o];
    const b = BALANCE_POINTS_C[k];
    const st = s.below[o + 1];
    const sx = count * b - st;
    if (count < MIN_DEGREE_DAY_DAYS || sx < MIN_TOTAL_DEGREE_DAYS) continue;
    const sxxRaw = count * b * b - 2 * b * st + s.below[o + 2];
    const sxyRaw = b * s.below[o + 3] - s.below[o + 4];
    const sxx = sxxRaw - (sx * sx) / n;
    const sxy = sxyRaw - (sx * s.sy) / n;
    if (!(sxx > 1e-9)) continue;
    const slope = sxy / sxx;
    if (!(slope > 0)) continue;
    const ssRes = Math.max(0, ssTot - slope * sxy);
    const df = n - 2;
    const residualVariance = ssRes / df;
    const standardError = Math.sqrt(residualVariance / sxx);
    const p = standardError > 0 ? tTwoSidedP(slope / standardError, df) : 0;
    if (!(p < SLOPE_P_MAX)) continue;
    const r2 = ssTot > 0 ? 1 - ssRes / ssTot : 1;
    const adjR2 = 1 - ((1 - r2) * (n - 1)) / (n - 2);
    if (adjR2 <= best.adjR2) continue;
    best = {
      type: 'hdd',
      balancePointC: b,
      interceptKWhPerDay: meanY - (slope * sx) / n + s.shift,
      slopeKWhPerDegreeDay: slope,
      r2,
      adjR2,
      slopePValue: p,
      residualStdKWh: Math.sqrt(residualVariance),
      days: n,
      parameters: 2,
    };
  }
  return best;
}

/** Fits both candidates to the days listed in `rows` (every day when omitted); see {@link fitFromSums}. */
export function fitDegreeDayModel(
  temperatureC: ArrayLike<number>,
  energyKWh: ArrayLike<number>,
  rows?: ArrayLike<number>,
): DegreeDayModel {
  return fitFromSums(hddSums(temperatureC, energyKWh, rows));
}
