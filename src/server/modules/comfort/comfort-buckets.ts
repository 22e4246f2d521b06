import type { ComfortBucket } from '#common/api/comfort.ts';
import { classifyPmv } from '#common/comfort/index.ts';
import { intervalIndex } from '../../timeseries/calendar.ts';
import type { HourAggregate, PointHour } from './comfort.store.ts';

/**
 * Folding stored comfort hours into intervals. Every point-hour with a PMV weighs the same: an
 * interval's PMV and PPD are the means over its point-hours (a dwelling's mean over its points,
 * a building's over all its points), and the category and status shares are the shares of its
 * point-hours in each class. The interval's own category and status are those of its mean PMV.
 */

function empty(): HourAggregate {
  return {
    hour: 0,
    hours: 0,
    pmvSum: 0,
    ppdSum: 0,
    catI: 0,
    catII: 0,
    catIII: 0,
    green: 0,
    yellow: 0,
    red: 0,
  };
}

function add(into: HourAggregate, h: HourAggregate): void {
  into.hours += h.hours;
  into.pmvSum += h.pmvSum;
  into.ppdSum += h.ppdSum;
  into.catI += h.catI;
  into.catII += h.catII;
  into.catIII += h.catIII;
  into.green += h.green;
  into.yellow += h.yellow;
  into.red += h.red;
}

/** One point-hour as an aggregate of one; hours without a PMV count for nothing. */
export function aggregateOf(h: PointHour): HourAggregate | undefined {
  if (h.pmv === null || h.ppd === null) return undefined;
  return {
    hour: h.hour,
    hours: 1,
    pmvSum: h.pmv,
    ppdSum: h.ppd,
    catI: h.category === 'I' ? 1 : 0,
    catII: h.category === 'II' ? 1 : 0,
    catIII: h.category === 'III' ? 1 : 0,
    green: h.status === 'green' ? 1 : 0,
    yellow: h.status === 'yellow' ? 1 : 0,
    red: h.status === 'red' ? 1 : 0,
  };
}

/** The bucket of an aggregate over [start, end). */
export function bucketOf(a: HourAggregate, start: number, end: number): ComfortBucket {
  if (a.hours === 0) {
    return {
      start,
      end,
      hours: 0,
      pmv: null,
      ppd: null,
      category: null,
      status: null,
      categories: null,
      statuses: null,
    };
  }
  const pmv = a.pmvSum / a.hours;
  const c = classifyPmv(pmv);
  return {
    start,
    end,
    hours: a.hours,
    pmv,
    ppd: a.ppdSum / a.hours,
    category: c.category,
    status: c.status,
    categories: {
      I: a.catI / a.hours,
      II: a.catII / a.hours,
      III: a.catIII / a.hours,
      outside: (a.hours - a.catI - a.catII - a.catIII) / a.hours,
    },
    statuses: { green: a.green / a.hours, yellow: a.yellow / a.hours, red: a.red / a.hours },
  };
}

/**
 * Folds hourly aggregates into the intervals between `boundaries` (sorted interval starts, the
 * last one the end of the last interval), and over the whole span.
 */
export function foldComfort(
  hours: Iterable<HourAggregate>,
  boundaries: number[],
): { buckets: ComfortBucket[]; total: ComfortBucket } {
  const sums = boundaries.slice(0, -1).map(() => empty());
  const total = empty();
  for (const h of hours) {
    const index = intervalIndex(boundaries, h.hour);
    if (index < 0) continue;
    add(sums[index], h);
    add(total, h);
  }
  return {
    buckets: sums.map((a, i) => bucketOf(a, boundaries[i], boundaries[i + 1])),
    total: bucketOf(total, boundaries[0], boundaries[boundaries.length - 1]),
  };
}
