import { describe, expect, it } from 'vitest';
import { granularityOf, monthKey, monthPeriod, namedSpan, yearPeriod, yearsTouching } from './kpi-periods.ts';

const ZONE = 'Europe/Madrid';

describe('KPI periods in the city’s time zone', () => {
  it('cut years and months at local midnight, DST included', () => {
    expect(yearPeriod(2025, ZONE)).toEqual({
      start: Date.UTC(2024, 11, 31, 23),
      end: Date.UTC(2025, 11, 31, 23),
    });
    // March 2025 starts in winter time (UTC+1) and ends in summer time (UTC+2).
    expect(monthPeriod(202503, ZONE)).toEqual({
      start: Date.UTC(2025, 1, 28, 23),
      end: Date.UTC(2025, 2, 31, 22),
    });
    expect(monthKey(Date.UTC(2024, 11, 31, 23, 30), ZONE)).toBe(202501);
    expect(yearsTouching(Date.UTC(2024, 5, 1), Date.UTC(2026, 0, 1), ZONE)).toEqual([2024, 2025, 2026]);
  });

  it('tell a calendar year, month or day from any other span', () => {
    const year = yearPeriod(2025, ZONE);
    const march = monthPeriod(202503, ZONE);
    expect(granularityOf(year.start, year.end, ZONE)).toBe('year');
    expect(granularityOf(march.start, march.end, ZONE)).toBe('month');
    expect(granularityOf(march.start, march.start + 86_400_000, ZONE)).toBe('day');
    expect(granularityOf(march.start, march.start + 7 * 86_400_000, ZONE)).toBe('span');
    expect(granularityOf(march.start + 1, march.end, ZONE)).toBe('span');
  });

  it('read the spans people write: a year, a month or a day', () => {
    expect(namedSpan('2025', ZONE)).toEqual(yearPeriod(2025, ZONE));
    expect(namedSpan('2025-03', ZONE)).toEqual(monthPeriod(202503, ZONE));
    expect(namedSpan('2025-12-31', ZONE)).toEqual({
      start: Date.UTC(2025, 11, 30, 23),
      end: Date.UTC(2025, 11, 31, 23),
    });
    for (const bad of ['2025-13', '2025-02-30', 'last year', '25', ''])
      expect(namedSpan(bad, ZONE)).toBeUndefined();
  });
});
