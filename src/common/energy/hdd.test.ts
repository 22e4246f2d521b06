import { describe, expect, it } from 'vitest';
import {
  dayDegreeDays,
  energyPerDegreeDay,
  eurostatDegreeDays,
  HDD_BASE_C,
  periodDegreeDays,
  relativeChange,
} from './hdd.ts';

// Every expected figure below was worked out by hand.
describe('heating degree days', () => {
  it('count how far a day’s mean lies below the base, and nothing above it', () => {
    expect(HDD_BASE_C).toBe(15);
    expect(dayDegreeDays(5)).toBe(10); // 15 − 5
    expect(dayDegreeDays(-2.5)).toBe(17.5); // 15 − (−2.5)
    expect(dayDegreeDays(14.5)).toBe(0.5);
    expect(dayDegreeDays(15)).toBe(0);
    expect(dayDegreeDays(22)).toBe(0);
    expect(dayDegreeDays(5, 18)).toBe(13); // on base 18 °C
  });

  it('follow Eurostat’s rule when asked: 18 °C − Tm on days at or below 15 °C', () => {
    expect(eurostatDegreeDays(5)).toBe(13);
    expect(eurostatDegreeDays(15)).toBe(3);
    expect(eurostatDegreeDays(15.1)).toBe(0);
  });

  it('add up over a period, a day without outdoor readings counting as the mean measured day', () => {
    // Measured: 10 + 5 + 0 = 15 K·day over 3 days, so 5 per day; the 4th day adds 5: 20.
    const p = periodDegreeDays([5, 10, null, 20]);
    expect(p.days).toBe(4);
    expect(p.measuredDays).toBe(3);
    expect(p.hdd).toBeCloseTo(20, 10);
    expect(p.meanOutdoorC).toBeCloseTo(35 / 3, 10);
    expect(periodDegreeDays([6, 8, 9], 18).hdd).toBeCloseTo(12 + 10 + 9, 10);
    expect(periodDegreeDays([null, null])).toEqual({
      days: 2,
      measuredDays: 0,
      hdd: null,
      meanOutdoorC: null,
    });
    expect(periodDegreeDays([]).hdd).toBeNull();
  });

  it('keep a colder winter from hiding a saving', () => {
    // Before: 900 kWh over 600 K·day = 1.5 kWh per degree day. After, in a colder winter:
    // 990 kWh (10 % more) over 900 K·day = 1.1 kWh per degree day: 26.7 % less per degree day.
    const before = energyPerDegreeDay(900, 600);
    const after = energyPerDegreeDay(990, 900);
    expect(before).toBe(1.5);
    expect(after).toBeCloseTo(1.1, 12);
    expect(relativeChange(900, 990)).toBeCloseTo(0.1, 12);
    expect(relativeChange(before, after)).toBeCloseTo(1.1 / 1.5 - 1, 12);
    expect(relativeChange(before, after)).toBeCloseTo(-0.2667, 4);
  });

  it('refuse to divide by a mild period or by nothing', () => {
    expect(energyPerDegreeDay(120, 9.9)).toBeNull(); // under 10 K·day
    expect(energyPerDegreeDay(120, 10)).toBe(12);
    expect(energyPerDegreeDay(null, 100)).toBeNull();
    expect(energyPerDegreeDay(100, null)).toBeNull();
    expect(relativeChange(0, 5)).toBeNull();
    expect(relativeChange(null, 5)).toBeNull();
  });
});
