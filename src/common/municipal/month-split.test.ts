import { describe, expect, it } from 'vitest';
import { periodDays, splitByMonth } from './month-split.ts';

describe('splitting an invoice over calendar months', () => {
  it('gives each month its days: 15 December to 14 January, 3,100 kWh → 1,700 and 1,400', () => {
    expect(splitByMonth('2024-12-15', '2025-01-14', 3100)).toEqual([
      { month: '2024-12', days: 17, share: 1700 },
      { month: '2025-01', days: 14, share: 1400 },
    ]);
  });

  it('keeps a whole month whole and a leap February at 29 days', () => {
    expect(splitByMonth('2024-02-01', '2024-02-29', 290)).toEqual([
      { month: '2024-02', days: 29, share: 290 },
    ]);
    const three = splitByMonth('2024-01-20', '2024-03-10', 1000);
    expect(three.map((s) => [s.month, s.days])).toEqual([
      ['2024-01', 12],
      ['2024-02', 29],
      ['2024-03', 10],
    ]);
    expect(three.reduce((a, s) => a + s.share, 0)).toBe(1000);
  });

  it('refuses what is not a period', () => {
    expect(periodDays('2025-02-30', '2025-03-01')).toBeUndefined();
    expect(periodDays('2025-03-02', '2025-03-01')).toBeUndefined();
    expect(periodDays('2025-03-01', '2025-03-01')).toBe(1);
    expect(() => splitByMonth('2025-03-02', '2025-03-01', 1)).toThrow(RangeError);
  });
});
