import { DateTime } from 'luxon';
import type { Granularity } from '#common/api/kpi.ts';

/**
 * Calendar periods of KPIs, cut in the city's time zone: a year or month starts at local
 * midnight of its first day; periods are [start, end) in UTC epoch milliseconds.
 */

export interface Period {
  start: number;
  end: number;
}

/**
 * Time-zone arithmetic is slow next to the sums it cuts (a recomputation of a city asks for the
 * same months thousands of times): answers are remembered, a bounded number of them.
 */
function remembered<A extends (string | number)[], R>(compute: (...args: A) => R): (...args: A) => R {
  const cache = new Map<string, R>();
  return (...args: A) => {
    const key = args.join('|');
    let value = cache.get(key);
    if (value === undefined) {
      if (cache.size >= 50_000) cache.clear();
      value = compute(...args);
      cache.set(key, value);
    }
    return value;
  };
}

export const yearPeriod = remembered((year: number, zone: string): Period => {
  const start = DateTime.fromObject({ year, month: 1, day: 1 }, { zone });
  return { start: start.toMillis(), end: start.plus({ years: 1 }).toMillis() };
});

/** A month named YYYYMM (202501 = January 2025). */
export const monthPeriod = remembered((key: number, zone: string): Period => {
  const start = DateTime.fromObject({ year: Math.floor(key / 100), month: key % 100, day: 1 }, { zone });
  return { start: start.toMillis(), end: start.plus({ months: 1 }).toMillis() };
});

export function dayPeriod(t: number, zone: string): Period {
  const start = DateTime.fromMillis(t, { zone }).startOf('day');
  return { start: start.toMillis(), end: start.plus({ days: 1 }).toMillis() };
}

/** The local month holding `t`, as YYYYMM. */
export function monthKey(t: number, zone: string): number {
  const d = DateTime.fromMillis(t, { zone });
  return d.year * 100 + d.month;
}

/** The local year holding `t`. */
export function yearOf(t: number, zone: string): number {
  return DateTime.fromMillis(t, { zone }).year;
}

/** The months of a year, YYYYMM. */
export const monthsOf = (year: number): number[] => Array.from({ length: 12 }, (_, i) => year * 100 + i + 1);

/** Every local year that [from, to) touches, oldest first. */
export function yearsTouching(from: number, to: number, zone: string): number[] {
  const first = yearOf(from, zone);
  const last = yearOf(Math.max(from, to - 1), zone);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

/** Whether [start, end) is a calendar year, month or day of the city, or another span. */
export const granularityOf = remembered((start: number, end: number, zone: string): Granularity => {
  const s = DateTime.fromMillis(start, { zone });
  if (+s.startOf('day') !== start) return 'span';
  if (s.month === 1 && s.day === 1 && +s.plus({ years: 1 }) === end) return 'year';
  if (s.day === 1 && +s.plus({ months: 1 }) === end) return 'month';
  if (+s.plus({ days: 1 }) === end) return 'day';
  return 'span';
});

/** The months of a year as periods, in order. */
export const monthPeriodsOf = remembered((year: number, zone: string): Period[] =>
  Array.from({ length: 12 }, (_, i) => monthPeriod(year * 100 + i + 1, zone)),
);

/** The local days of a year as periods, in order. */
export const dayPeriodsOf = remembered((year: number, zone: string): Period[] => {
  const out: Period[] = [];
  for (
    let d = DateTime.fromObject({ year, month: 1, day: 1 }, { zone });
    d.year === year;
    d = d.plus({ days: 1 })
  )
    out.push({ start: d.toMillis(), end: d.plus({ days: 1 }).toMillis() });
  return out;
});

/**
 * The span a person names: a year (`2024`), a month (`2024-03`) or a day (`2024-03-31`), from
 * the local start of it to the local start of the next one; undefined for anything else.
 */
export function namedSpan(text: string, zone: string): Period | undefined {
  const unit = /^\d{4}$/.test(text)
    ? 'year'
    : /^\d{4}-\d{2}$/.test(text)
      ? 'month'
      : /^\d{4}-\d{2}-\d{2}$/.test(text)
        ? 'day'
        : undefined;
  if (!unit) return undefined;
  const start = DateTime.fromISO(text, { zone });
  if (!start.isValid || start.year < 1900 || start.year > 2200) return undefined;
  return { start: start.toMillis(), end: start.plus({ [`${unit}s`]: 1 }).toMillis() };
}
