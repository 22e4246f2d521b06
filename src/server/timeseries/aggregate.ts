import type { HourRollup } from './block-codec.ts';
import { intervalIndex } from './calendar.ts';

/** Aggregate of one series over one interval. Quantities are in the series' unit. */
export interface Bucket {
  /** Interval start and end, epoch ms. */
  start: number;
  end: number;
  count: number;
  min: number | null;
  max: number | null;
  avg: number | null;
  sum: number | null;
  /** Cumulative meters: what was consumed in the interval; a counter drop counts as nothing. */
  consumption?: number | null;
}

/**
 * Folds hourly rollups into intervals. For a cumulative meter the consumption of an interval
 * is the increase within its hours plus the increase from each hour's predecessor, `before`
 * being the last reading before the first hour.
 */
export function foldHours(
  hours: HourRollup[],
  boundaries: number[],
  cumulative: boolean,
  before?: number,
): Bucket[] {
  const buckets: Bucket[] = [];
  for (let i = 0; i < boundaries.length - 1; i++) {
    buckets.push({
      start: boundaries[i],
      end: boundaries[i + 1],
      count: 0,
      min: null,
      max: null,
      avg: null,
      sum: null,
      ...(cumulative ? { consumption: null } : {}),
    });
  }
  let previousLast = before;
  for (const h of hours) {
    const index = intervalIndex(boundaries, h.hour);
    const step = previousLast !== undefined && h.first >= previousLast ? h.first - previousLast : 0;
    previousLast = h.last;
    if (index < 0) continue;
    const b = buckets[index];
    b.count += h.count;
    b.sum = (b.sum ?? 0) + h.sum;
    b.min = b.min === null ? h.min : Math.min(b.min, h.min);
    b.max = b.max === null ? h.max : Math.max(b.max, h.max);
    if (cumulative) b.consumption = (b.consumption ?? 0) + h.increase + step;
  }
  for (const b of buckets) if (b.count > 0 && b.sum !== null) b.avg = b.sum / b.count;
  return buckets;
}

/** Average across a group of series of one interval. */
export interface GroupBucket {
  start: number;
  end: number;
  /** Mean of the members' interval means: each sensor weighs the same. */
  mean: number | null;
  /** Lowest and highest member mean. */
  min: number | null;
  max: number | null;
  /** Members with readings in the interval. */
  members: number;
  /**
   * Building and district means: readings of the interval that a quality check flagged, left
   * out of the mean unless included.
   */
  flagged?: number;
}

/**
 * Averages members' buckets (all cut on the same boundaries): their means, or for cumulative
 * meters their consumption.
 */
export function averageAcross(members: Bucket[][], boundaries: number[], cumulative = false): GroupBucket[] {
  const out: GroupBucket[] = [];
  for (let i = 0; i < boundaries.length - 1; i++) {
    let total = 0;
    let n = 0;
    let min: number | null = null;
    let max: number | null = null;
    for (const buckets of members) {
      const avg = cumulative ? buckets[i]?.consumption : buckets[i]?.avg;
      if (avg === null || avg === undefined) continue;
      total += avg;
      n++;
      min = min === null ? avg : Math.min(min, avg);
      max = max === null ? avg : Math.max(max, avg);
    }
    out.push({
      start: boundaries[i],
      end: boundaries[i + 1],
      mean: n > 0 ? total / n : null,
      min,
      max,
      members: n,
    });
  }
  return out;
}
