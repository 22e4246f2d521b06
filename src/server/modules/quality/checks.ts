import { HOUR_MS } from '#common/time.ts';
import type { QualityCheck, QualityRules } from '#common/api/quality.ts';

/**
 * The checks of one medium's readings, as pure functions of a series and its rules. Readings are
 * never changed: what fails a check is returned as runs of consecutive readings, which the
 * quality job stores as flags.
 */

/** Consecutive readings of one series that failed one check. */
export interface FlagRun {
  check: QualityCheck;
  /** Times of the first and last reading of the run, epoch ms. */
  from: number;
  to: number;
  /** Readings in the run. */
  count: number;
  /** The first reading's value, in the medium's unit. */
  value: number;
}

/** Readings of one series in time order, unique times. */
export interface Readings {
  times: ArrayLike<number>;
  values: ArrayLike<number>;
}

/**
 * A step or a drop that lasts this long is a new level (a sensor moved, a meter replaced), not a
 * fault: its readings are not flagged and the new level is the reference from then on.
 */
export const LEVEL_SHIFT_MS = HOUR_MS;

/** Steps are compared between readings at most this far apart; after a longer gap anything goes. */
export const STEP_GAP_MS = HOUR_MS;

/** Rounding slack when comparing a spread with the resolution. */
const EPSILON = 1e-9;

/**
 * The default rules of the media CIOP knows. Indoor temperature −10…50 °C, relative humidity
 * 0…100 %, CO2 250…10,000 ppm, power 0…30 kW (a stand-in for the dwelling's contracted power,
 * which the registry does not hold), cumulative energy never decreasing (a drop to a value at or
 * under `resetBelow` is a counter reset or a new meter).
 */
export const DEFAULT_RULES: Readonly<Record<string, QualityRules>> = {
  temperature: rules({ min: -10, max: 50, maxStep: 5, stuckHours: 24, resolution: 0.1 }),
  humidity: rules({ min: 0, max: 100, maxStep: 25, stuckHours: 24, resolution: 0.1 }),
  co2: rules({ min: 250, max: 10_000, maxStep: 2_000, stuckHours: 24, resolution: 1 }),
  power: rules({ min: 0, max: 30_000, maxStep: 20_000, stuckHours: 24, resolution: 1 }),
  energy: rules({ min: 0, maxStep: 50, resolution: 0.001, neverDecreasing: true, resetBelow: 10 }),
};

/** Rules of a medium without defaults of its own: only readings from the future are flagged. */
export const FALLBACK_RULES: QualityRules = rules({});

function rules(r: Partial<QualityRules>): QualityRules {
  return {
    min: null,
    max: null,
    maxStep: null,
    stuckHours: null,
    resolution: 0,
    neverDecreasing: false,
    resetBelow: null,
    maxFutureS: 600,
    ...r,
  };
}

export function defaultRules(medium: string): QualityRules {
  return DEFAULT_RULES[medium] ?? FALLBACK_RULES;
}

const CHECKS: readonly QualityCheck[] = ['range', 'step', 'decrease', 'stuck', 'future'];
const BIT: Record<QualityCheck, number> = { range: 1, step: 2, decrease: 4, stuck: 8, future: 16 };

/**
 * Checks a series' readings against its medium's rules at `now` (epoch ms):
 * - `range`: below `min` or above `max`;
 * - `future`: later than `now` plus `maxFutureS` (a gateway whose clock runs ahead);
 * - `step`: further than `maxStep` from the last good reading less than an hour before (a spike;
 *   for a meter that never decreases, only a rise counts);
 * - `decrease`: a never-decreasing meter below its last good reading, unless at or under
 *   `resetBelow` (a reset);
 * - `stuck`: `stuckHours` or more without any change beyond `resolution`.
 * A step or decrease that lasts an hour or more is a new level, not a fault.
 */
export function checkReadings(points: Readings, r: QualityRules, now: number): FlagRun[] {
  const n = points.times.length;
  const { times, values } = points;
  const bits = new Uint8Array(n);
  const latest = r.maxFutureS === null ? Infinity : now + r.maxFutureS * 1000;

  let refT = NaN;
  let refV = NaN;
  /** Indices of readings that jumped away from the reference and have not come back yet. */
  let pending: number[] = [];
  let pendingBit = 0;

  for (let i = 0; i < n; i++) {
    const t = times[i];
    const v = values[i];
    if (t > latest) bits[i] |= BIT.future;
    if ((r.min !== null && v < r.min) || (r.max !== null && v > r.max)) bits[i] |= BIT.range;
    if (bits[i] !== 0) continue;
    if (pending.length > 0 && t - times[pending[0]] >= LEVEL_SHIFT_MS) {
      // Away for an hour: the new level stands, and what led to it was no fault.
      const last = pending[pending.length - 1];
      refT = times[last];
      refV = values[last];
      pending = [];
      pendingBit = 0;
    }
    let jump = 0;
    if (!Number.isNaN(refT)) {
      if (r.neverDecreasing && v < refV) {
        if (r.resetBelow === null || v > r.resetBelow) jump = BIT.decrease;
      } else if (r.maxStep !== null && t - refT <= STEP_GAP_MS) {
        const change = r.neverDecreasing ? v - refV : Math.abs(v - refV);
        if (change > r.maxStep + EPSILON) jump = BIT.step;
      }
    }
    if (jump !== 0) {
      pending.push(i);
      pendingBit |= jump;
      continue;
    }
    for (const p of pending) bits[p] |= pendingBit & BIT.decrease ? BIT.decrease : BIT.step;
    pending = [];
    pendingBit = 0;
    refT = t;
    refV = v;
  }
  // Readings still away at the end are flagged; a later reading brings them back into the check.
  for (const p of pending) bits[p] |= pendingBit & BIT.decrease ? BIT.decrease : BIT.step;

  if (r.stuckHours !== null) markStuck(points, r.resolution, r.stuckHours * HOUR_MS, bits);
  return runsOf(points, bits);
}

/** Marks runs of readings within `resolution` of each other lasting `minMs` or more. */
function markStuck(points: Readings, resolution: number, minMs: number, bits: Uint8Array): void {
  const { times, values } = points;
  let start = 0;
  let lo = values[0];
  let hi = values[0];
  const close = (end: number) => {
    if (end > start && times[end] - times[start] >= minMs) {
      for (let k = start; k <= end; k++) bits[k] |= BIT.stuck;
    }
  };
  for (let i = 1; i < times.length; i++) {
    const v = values[i];
    const nextLo = Math.min(lo, v);
    const nextHi = Math.max(hi, v);
    if (nextHi - nextLo > resolution + EPSILON) {
      close(i - 1);
      start = i;
      lo = v;
      hi = v;
    } else {
      lo = nextLo;
      hi = nextHi;
    }
  }
  if (times.length > 0) close(times.length - 1);
}

/**
 * The readings at both ends of a series that stay within `resolution` of each other: the time of
 * the last reading of the flat run that the first reading starts, and of the first reading of the
 * one the last reading ends (NaN when there are no readings). A checker reading a window of a
 * series reads further when such a run reaches into the hours it checks: it may be stuck.
 */
export function flatEnds(points: Readings, resolution: number): { headTo: number; tailFrom: number } {
  const { times, values } = points;
  const n = times.length;
  if (n === 0) return { headTo: NaN, tailFrom: NaN };
  let lo = values[0];
  let hi = values[0];
  let head = 0;
  while (head + 1 < n) {
    const v = values[head + 1];
    if (Math.max(hi, v) - Math.min(lo, v) > resolution + EPSILON) break;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    head++;
  }
  lo = values[n - 1];
  hi = values[n - 1];
  let tail = n - 1;
  while (tail > 0) {
    const v = values[tail - 1];
    if (Math.max(hi, v) - Math.min(lo, v) > resolution + EPSILON) break;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
    tail--;
  }
  return { headTo: times[head], tailFrom: times[tail] };
}

function runsOf(points: Readings, bits: Uint8Array): FlagRun[] {
  const runs: FlagRun[] = [];
  for (const check of CHECKS) {
    const bit = BIT[check];
    let run: FlagRun | undefined;
    for (let i = 0; i < bits.length; i++) {
      if (bits[i] & bit) {
        if (run) {
          run.to = points.times[i];
          run.count++;
        } else {
          run = { check, from: points.times[i], to: points.times[i], count: 1, value: points.values[i] };
          runs.push(run);
        }
      } else run = undefined;
    }
  }
  return runs.sort((a, b) => a.from - b.from || CHECKS.indexOf(a.check) - CHECKS.indexOf(b.check));
}
