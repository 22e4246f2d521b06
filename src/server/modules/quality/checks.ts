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
 * 0…100 %, CO2 250…10,000 ppm, power 0…30 kW (the bound of a sensor whose dwelling has no
 * contracted power; see `Ceiling`), cumulative energy never decreasing (a drop to a value at or
 * under `resetBelow` is a counter reset or a new meter).
 */
export const DEFAULT_RULES: Readonly<Record<string, QualityRules>> = {
  temperature: rules({ min: -10, max: 50, maxStep: 5, stuckHours: 24, resolution: 0.1 }),
  humidity: rules({ min: 0, max: 100, maxStep: 25, stuckHours: 24, resolution: 0.1 }),
  co2: rules({ min: 250, max: 10_000, maxStep: 2_000, stuckHours: 24, resolution: 1 }),
  power: rules({ min: 0, max: 30_000, maxStep: 20_000, stuckHours: 24, resolution: 1 }),
  energy: rules({ min: 0, maxStep: 50, resolution: 0.001, neverDecreasing: true, resetBelow: 10 }),
};

/** Rules of a medium without defaults of its own: only a gateway's clock is checked. */
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
    maxPastS: 7200,
    ...r,
  };
}

export function defaultRules(medium: string): QualityRules {
  return DEFAULT_RULES[medium] ?? FALLBACK_RULES;
}

/** The medium whose readings are bounded by the contracted power of the dwelling they come from. */
export const CONTRACTED_POWER_MEDIUM = 'power';

/**
 * A span of time over which a series' readings have an upper bound of their own instead of their
 * rules' `max`: the contracted power (W) of the dwelling its gateway served then. Spans of one
 * series do not overlap; `from` is inclusive, `to` exclusive (Infinity: still serving), epoch ms.
 */
export interface Ceiling {
  from: number;
  to: number;
  max: number;
}

/** The checks of the readings themselves; `behind` is judged from their arrival (see `QualityService`). */
const CHECKS: readonly QualityCheck[] = ['range', 'step', 'decrease', 'stuck', 'future'];
const BIT: Record<Exclude<QualityCheck, 'behind'>, number> = {
  range: 1,
  step: 2,
  decrease: 4,
  stuck: 8,
  future: 16,
};

/** One hour of a neighbour's readings: its hourly rollup's extremes. */
export interface NeighbourHour {
  /** Start of the hour, epoch ms. */
  hour: number;
  count: number;
  min: number;
  max: number;
}

/**
 * Whether a flat run of readings from `from` to `to` (epoch ms) is a stuck sensor. Without one,
 * every flat run of the stuck time is.
 */
export type StuckJudge = (from: number, to: number) => boolean;

/**
 * Judges flat runs by the neighbours' hourly rollups (other sensors of the medium in the building):
 * a run is stuck when at least one neighbour changed by more than `resolution` within the hours the
 * run spans (from the hour of its first reading to that of its last), and also when no neighbour has
 * a reading in those hours (a sensor alone in its building, as without neighbours). It is not stuck
 * when every neighbour with readings held as still: an empty home where nothing moves.
 */
export function neighboursMoved(
  neighbours: readonly (readonly NeighbourHour[])[],
  resolution: number,
): StuckJudge {
  return (from, to) => {
    const first = Math.floor(from / HOUR_MS) * HOUR_MS;
    const last = Math.floor(to / HOUR_MS) * HOUR_MS;
    let seen = false;
    for (const hours of neighbours) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const h of hours) {
        if (h.hour < first || h.hour > last || h.count === 0) continue;
        lo = Math.min(lo, h.min);
        hi = Math.max(hi, h.max);
      }
      if (lo > hi) continue;
      seen = true;
      if (hi - lo > resolution + EPSILON) return true;
    }
    return !seen;
  };
}

/**
 * Checks a series' readings against its medium's rules at `now` (epoch ms):
 * - `range`: below `min` or above `max`;
 * - `future`: later than `now` plus `maxFutureS` (a gateway whose clock runs ahead);
 * - `step`: further than `maxStep` from the last good reading less than an hour before (a spike;
 *   for a meter that never decreases, only a rise counts);
 * - `decrease`: a never-decreasing meter below its last good reading, unless at or under
 *   `resetBelow` (a reset);
 * - `stuck`: `stuckHours` or more without any change beyond `resolution`, when `stuck` says the
 *   run is (see `neighboursMoved`; without it, always).
 * A step or decrease that lasts an hour or more is a new level, not a fault. Within a span of
 * `ceilings` (in time order), the span's bound replaces `max`; `min` stays.
 */
export function checkReadings(
  points: Readings,
  r: QualityRules,
  now: number,
  stuck?: StuckJudge,
  ceilings: readonly Ceiling[] = [],
): FlagRun[] {
  const n = points.times.length;
  const { times, values } = points;
  const bits = new Uint8Array(n);
  const latest = r.maxFutureS === null ? Infinity : now + r.maxFutureS * 1000;
  let span = 0;

  let refT = NaN;
  let refV = NaN;
  /** Indices of readings that jumped away from the reference and have not come back yet. */
  let pending: number[] = [];
  let pendingBit = 0;

  for (let i = 0; i < n; i++) {
    const t = times[i];
    const v = values[i];
    if (t > latest) bits[i] |= BIT.future;
    while (span < ceilings.length && ceilings[span].to <= t) span++;
    const max = span < ceilings.length && ceilings[span].from <= t ? ceilings[span].max : r.max;
    if ((r.min !== null && v < r.min) || (max !== null && v > max)) bits[i] |= BIT.range;
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

  if (r.stuckHours !== null) {
    for (const run of flatRuns(points, r.resolution, r.stuckHours * HOUR_MS)) {
      if (stuck && !stuck(points.times[run.start], points.times[run.end])) continue;
      for (let k = run.start; k <= run.end; k++) bits[k] |= BIT.stuck;
    }
  }
  return runsOf(points, bits);
}

/**
 * Runs of readings within `resolution` of each other lasting `minMs` or more: the indices of
 * their first and last readings. These are the candidates of the `stuck` check.
 */
export function flatRuns(
  points: Readings,
  resolution: number,
  minMs: number,
): { start: number; end: number }[] {
  const { times, values } = points;
  const out: { start: number; end: number }[] = [];
  let start = 0;
  let lo = values[0];
  let hi = values[0];
  const close = (end: number) => {
    if (end > start && times[end] - times[start] >= minMs) out.push({ start, end });
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
  return out;
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
    const bit = BIT[check as Exclude<QualityCheck, 'behind'>];
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
