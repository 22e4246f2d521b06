import { DateTime } from 'luxon';
import { HOUR_MS } from '#common/time.ts';

export type Interval = 'hour' | 'day' | 'month';

/**
 * Starts of the consecutive intervals covering [from, to] (epoch ms), cut in the given IANA
 * time zone: hours are UTC hours (every real time zone's offset is a whole number of hours
 * at the hours this matters for), days and months start at local midnight, so a day of a
 * DST change lasts 23 or 25 hours. The last element is the end of the last interval.
 */
export function intervalBoundaries(from: number, to: number, interval: Interval, zone: string): number[] {
  if (interval === 'hour') {
    const out: number[] = [];
    for (let t = Math.floor(from / HOUR_MS) * HOUR_MS; t <= to; t += HOUR_MS) out.push(t);
    out.push(out[out.length - 1] + HOUR_MS);
    return out;
  }
  const unit = interval === 'day' ? { days: 1 } : { months: 1 };
  let cursor = DateTime.fromMillis(from, { zone }).startOf(interval);
  const out: number[] = [cursor.toMillis()];
  while (cursor.toMillis() <= to) {
    cursor = cursor.plus(unit).startOf(interval);
    out.push(cursor.toMillis());
  }
  return out;
}

/** Index of the interval holding `t`, given sorted boundaries; -1 outside. */
export function intervalIndex(boundaries: number[], t: number): number {
  let lo = 0;
  let hi = boundaries.length - 1;
  if (t < boundaries[0] || t >= boundaries[hi]) return -1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (boundaries[mid] <= t) lo = mid;
    else hi = mid;
  }
  return lo;
}
