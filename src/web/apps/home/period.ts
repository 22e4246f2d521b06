import type { Interval } from '#common/api/readings.ts';
import { HOUR_MS, DAY_MS } from '#common/time.ts';

/** The periods a resident can look at, and the interval each is drawn in. */
export const PERIODS = {
  day: { days: 1, interval: 'hour' },
  week: { days: 7, interval: 'hour' },
  month: { days: 30, interval: 'day' },
  year: { days: 365, interval: 'day' },
} as const satisfies Record<string, { days: number; interval: Interval }>;
export type PeriodId = keyof typeof PERIODS;

/** The last `days` days up to now, from the start of an hour (epoch ms). */
export function lastDays(days: number, now = Date.now()): { from: number; to: number } {
  return { from: Math.floor(now / HOUR_MS) * HOUR_MS - days * DAY_MS, to: now };
}

/** The mean of the known values, or null. */
export function meanOf(values: readonly (number | null | undefined)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    sum += v;
    n++;
  }
  return n > 0 ? sum / n : null;
}

/** A period id from a route query value, or the fallback. */
export function periodFrom(value: unknown, fallback: PeriodId, allowed: readonly PeriodId[]): PeriodId {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value)
    ? (value as PeriodId)
    : fallback;
}

/**
 * A moment inside the day that starts at `start` (a local midnight of the city): days are named
 * from it, so a visitor in another time zone still sees the city's day.
 */
export const midDay = (start: number) => start + 12 * 3_600_000;
