import { describe, expect, it } from 'vitest';
import { type ComfortDay, comfortDrafts, comfortSourceOf } from './comfort.calculator.ts';
import { monthPeriod, yearPeriod } from './kpi-periods.ts';

const ZONE = 'Europe/Madrid';
const DAY = 86_400_000;

const day = (
  start: number,
  hours: number,
  pmv: number,
  ppd: number,
  I: number,
  II: number,
  III: number,
): ComfortDay => ({
  start,
  end: start + DAY,
  hours,
  pmv,
  ppd,
  categories: { I, II, III, outside: 1 - I - II - III },
});

describe('the comfort calculator', () => {
  it('weighs each day by its occupied point-hours, per month and over the year', () => {
    const jan = monthPeriod(202501, ZONE).start;
    const feb = monthPeriod(202502, ZONE).start;
    const days = [
      day(jan, 20, 0.1, 5.2, 1, 0, 0),
      day(jan + DAY, 60, -0.9, 22, 0, 0, 0.5),
      day(feb, 40, -0.3, 6.9, 0.5, 0.5, 0),
      // Days without occupied hours count for nothing.
      { start: feb + DAY, end: feb + 2 * DAY, hours: 0, pmv: null, ppd: null, categories: null },
    ];
    const drafts = comfortDrafts(days, yearPeriod(2025, ZONE), ZONE);
    const value = (kpi: string, start: number, breakdown = '', end?: number) =>
      drafts.find(
        (d) =>
          d.kpi === kpi &&
          d.breakdown === breakdown &&
          d.period.start === start &&
          (end === undefined || d.period.end === end),
      )?.value;
    const janEnd = monthPeriod(202501, ZONE).end;
    // January: (20 × 0.1 + 60 × −0.9) / 80 = −0.65
    expect(value('CF_PMV', jan, '', janEnd)).toBeCloseTo(-0.65, 12);
    // January, category III: 60 × 0.5 / 80 = 37.5 %; outside: (60 × 0.5) / 80 = 37.5 %
    expect(value('CF_CATEGORY_SHARE', jan, 'III', janEnd)).toBeCloseTo(37.5, 12);
    expect(value('CF_CATEGORY_SHARE', jan, 'outside', janEnd)).toBeCloseTo(37.5, 12);
    // The year: (2 − 54 − 12) / 120 = −0.5333…; PPD (104 + 1320 + 276) / 120 = 14.1666…
    const year = yearPeriod(2025, ZONE);
    expect(value('CF_PMV', year.start, '', year.end)).toBeCloseTo(-64 / 120, 12);
    expect(value('CF_PPD', year.start, '', year.end)).toBeCloseTo(1700 / 120, 12);
    expect(drafts.filter((d) => d.period.start === feb)).toHaveLength(6);
    expect(comfortDrafts([], yearPeriod(2025, ZONE), ZONE)).toEqual([]);
  });

  it('reads the comfort module’s daily building averages, whose ranges include their end', async () => {
    const calls: unknown[] = [];
    const source = comfortSourceOf({
      averages: async (scope, from, to, interval) => {
        calls.push([scope, from, to, interval]);
        return { buckets: [day(from, 5, 0, 5, 1, 0, 0), day(to + 1, 5, 0, 5, 1, 0, 0)] };
      },
    });
    expect(source.available).toBe(true);
    const days = await source.buildingDays(7, 1000, 2000);
    expect(calls).toEqual([[{ buildingId: 7 }, 1000, 1999, 'day']]);
    expect(days.map((d) => d.start)).toEqual([1000]);
  });
});
