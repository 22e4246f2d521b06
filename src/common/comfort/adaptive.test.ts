import { describe, expect, it } from 'vitest';
import {
  adaptiveAirSpeedAllowance,
  adaptiveAshrae,
  adaptiveEn,
  nextRunningMeanOutdoorTemperature,
  runningMeanOutdoorTemperature,
} from './adaptive.ts';

describe('ASHRAE 55 adaptive model', () => {
  it('25 °C indoors at a prevailing mean of 20 °C (pythermalcomfort adaptive_ashrae example)', () => {
    const r = adaptiveAshrae({ tdb: 25, tr: 25, trm: 20, v: 0.1 });
    expect(r.tComf).toBeCloseTo(24.0, 10);
    expect([r.tComf80Low, r.tComf80Up, r.tComf90Low, r.tComf90Up].map((t) => +t.toFixed(6))).toEqual([
      20.5, 27.5, 21.5, 26.5,
    ]);
    expect(r.acceptability80).toBe(true);
    expect(r.acceptability90).toBe(true);
    expect(r.withinValidity).toBe(true);
  });

  it('the same in I-P: 77 °F, prevailing mean 68 °F', () => {
    const r = adaptiveAshrae({ tdb: 77, tr: 77, trm: 68, v: 18 }, { units: 'IP' });
    expect(r.tComf).toBeCloseTo(75.2, 6);
    expect(r.tComf80Low).toBeCloseTo(68.9, 6);
    expect(r.tComf80Up).toBeCloseTo(81.5, 6);
    expect(r.tComf90Low).toBeCloseTo(70.7, 6);
    expect(r.tComf90Up).toBeCloseTo(79.7, 6);
    // The band widths are differences: ±3.5 K is ±6.3 °F.
    expect(r.tComf80Up - r.tComf).toBeCloseTo(6.3, 10);
  });

  it('elevated air speed raises the upper limits above 25 °C operative temperature', () => {
    expect(adaptiveAirSpeedAllowance(26, 0.5)).toBe(0);
    expect(adaptiveAirSpeedAllowance(26, 0.6)).toBe(1.2);
    expect(adaptiveAirSpeedAllowance(26, 0.9)).toBe(1.8);
    expect(adaptiveAirSpeedAllowance(26, 1.5)).toBe(2.2);
    expect(adaptiveAirSpeedAllowance(25, 1.5)).toBe(0);
    const still = adaptiveAshrae({ tdb: 28, trm: 20, v: 0.1 });
    const fan = adaptiveAshrae({ tdb: 28, trm: 20, v: 0.9 });
    expect(still.acceptability80).toBe(false);
    expect(fan.airSpeedAllowance).toBe(1.8);
    expect(fan.tComf80Up).toBeCloseTo(27.5 + 1.8, 10);
    expect(fan.acceptability80).toBe(true);
    // In I-P the allowance is a difference too: 1.8 K = 3.24 °F.
    const fanIp = adaptiveAshrae({ tdb: 82.4, trm: 68, v: 0.9 / 0.00508 }, { units: 'IP' });
    expect(fanIp.airSpeedAllowance).toBeCloseTo(3.24, 10);
  });

  it('reports, does not refuse, a running mean outside 10…33.5 °C', () => {
    const r = adaptiveAshrae({ tdb: 25, trm: 9 });
    expect(r.withinValidity).toBe(false);
    expect(r.tComf).toBeCloseTo(0.31 * 9 + 17.8, 10);
  });
});

describe('EN 16798-1 adaptive model', () => {
  it('25 °C at a running mean of 20 °C is category I (pythermalcomfort adaptive_en example)', () => {
    const r = adaptiveEn({ tdb: 25, tr: 25, trm: 20, v: 0.1 });
    expect(r.tComf).toBeCloseTo(25.4, 10);
    expect(r.catIUp).toBeCloseTo(27.4, 10);
    expect(r.catILow).toBeCloseTo(22.4, 10);
    expect(r.category).toBe('I');
    expect(adaptiveEn({ tdb: 77, tr: 77, trm: 68, v: 18 }, { units: 'IP' }).tComf).toBeCloseTo(77.72, 10);
  });

  it('walks down the categories as the operative temperature leaves θc', () => {
    expect(adaptiveEn({ tdb: 28, trm: 20 }).category).toBe('II');
    expect(adaptiveEn({ tdb: 21.5, trm: 20 }).category).toBe('II');
    expect(adaptiveEn({ tdb: 29, trm: 20 }).category).toBe('III');
    expect(adaptiveEn({ tdb: 30, trm: 20 }).category).toBeNull();
  });

  it('reports the running-mean ranges of the upper (10…30 °C) and lower (15…30 °C) limits', () => {
    expect(adaptiveEn({ tdb: 22, trm: 12 })).toMatchObject({ withinValidity: true, lowerLimitsApply: false });
    expect(adaptiveEn({ tdb: 22, trm: 32 })).toMatchObject({
      withinValidity: false,
      lowerLimitsApply: false,
    });
  });
});

describe('running mean outdoor temperature', () => {
  it('is the temperature itself for a constant series (pythermalcomfort test values)', () => {
    expect(runningMeanOutdoorTemperature([20, 20], 0.7)).toBe(20);
    expect(runningMeanOutdoorTemperature([20, 20, 20, 20], 0.5)).toBe(20);
    expect(runningMeanOutdoorTemperature([77, 77, 77, 77, 77, 77, 77])).toBeCloseTo(77, 12);
  });

  it('weights yesterday most, by α^(days ago)', () => {
    expect(runningMeanOutdoorTemperature([10, 20], 0.8)).toBeCloseTo((10 + 0.8 * 20) / 1.8, 12);
  });

  it('agrees with EN 16798-1’s seven-day approximation within 0.1 K', () => {
    const week = [18, 16, 15, 17, 14, 13, 12];
    const approximation = (18 + 0.8 * 16 + 0.6 * 15 + 0.5 * 17 + 0.4 * 14 + 0.3 * 13 + 0.2 * 12) / 3.8;
    expect(Math.abs(runningMeanOutdoorTemperature(week) - approximation)).toBeLessThan(0.1);
  });

  it('the recursive form, day after day, converges to the same weighting', () => {
    // Start one long series 60 days back; after that the recursive and direct forms coincide.
    const days = Array.from({ length: 60 }, (_, i) => 10 + 8 * Math.sin(i / 5));
    let rm = days[0];
    for (let i = 1; i < days.length; i++) rm = nextRunningMeanOutdoorTemperature(rm, days[i]);
    const newestFirst = [...days].reverse();
    expect(rm).toBeCloseTo(runningMeanOutdoorTemperature(newestFirst), 4);
    expect(nextRunningMeanOutdoorTemperature(15, 20)).toBeCloseTo(0.2 * 20 + 0.8 * 15, 12);
  });

  it('refuses an empty series and a weight outside [0, 1)', () => {
    expect(() => runningMeanOutdoorTemperature([])).toThrow(RangeError);
    expect(() => runningMeanOutdoorTemperature([20], 1)).toThrow(/alpha/);
    expect(() => nextRunningMeanOutdoorTemperature(20, 20, -0.1)).toThrow(/alpha/);
  });
});
