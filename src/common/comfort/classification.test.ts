import { describe, expect, it } from 'vitest';
import {
  ashraeCompliant,
  classifyPmv,
  comfortCategory,
  RESIDENT_STATUS_THRESHOLDS,
  residentStatus,
} from './classification.ts';
import { pmvPpd } from './pmv.ts';

describe('classification works on the unrounded PMV', () => {
  it('PMV 0.5044 prints as 0.50 but is outside ±0.5', () => {
    expect(classifyPmv(0.5044)).toEqual({
      category: 'III',
      isoCategory: 'C',
      ashraeCompliant: false,
      status: 'yellow',
    });
    // Classifying the printed value would have called it comfortable.
    expect(classifyPmv(Number((0.5044).toFixed(2)))).toMatchObject({
      ashraeCompliant: true,
      status: 'green',
    });
  });

  it('26.4 °C, 50 % RH, 0.1 m/s, 1.2 met, 0.5 clo: PMV 0.504, not in category II, not ASHRAE compliant', () => {
    const { pmv } = pmvPpd({ tdb: 26.4, vr: 0.1, rh: 50, met: 1.2, clo: 0.5 });
    expect(pmv.toFixed(2)).toBe('0.50');
    expect(pmv).toBeGreaterThan(0.5);
    expect(comfortCategory(pmv)).toBe('III');
    expect(ashraeCompliant(pmv)).toBe(false);
    expect(residentStatus(pmv)).toBe('yellow');
  });
});

describe('ISO 7730 Annex A categories', () => {
  it('use strict limits ±0.2, ±0.5, ±0.7', () => {
    expect(comfortCategory(0)).toBe('I');
    expect(comfortCategory(-0.1999)).toBe('I');
    expect(comfortCategory(0.2)).toBe('II');
    expect(comfortCategory(-0.4999)).toBe('II');
    expect(comfortCategory(-0.5)).toBe('III');
    expect(comfortCategory(0.6999)).toBe('III');
    expect(comfortCategory(0.7)).toBeNull();
    expect(comfortCategory(-2.5)).toBeNull();
  });

  it('reading the PPD column literally narrows II to |PMV| < 0.489 and III to < 0.690', () => {
    expect(comfortCategory(0.495)).toBe('II');
    expect(comfortCategory(0.495, { criterion: 'pmv-and-ppd' })).toBe('III');
    expect(comfortCategory(0.488, { criterion: 'pmv-and-ppd' })).toBe('II');
    expect(comfortCategory(0.695, { criterion: 'pmv-and-ppd' })).toBeNull();
    expect(comfortCategory(0.19, { criterion: 'pmv-and-ppd' })).toBe('I');
  });
});

describe('ASHRAE 55 compliance and resident status', () => {
  it('ASHRAE 55 accepts −0.5…+0.5 inclusive', () => {
    expect(ashraeCompliant(-0.5)).toBe(true);
    expect(ashraeCompliant(0.5)).toBe(true);
    expect(ashraeCompliant(0.5000001)).toBe(false);
  });

  it('green to ±0.5, yellow to ±1.0, red beyond', () => {
    expect(RESIDENT_STATUS_THRESHOLDS).toEqual({ green: 0.5, yellow: 1.0 });
    expect(residentStatus(0)).toBe('green');
    expect(residentStatus(-0.5)).toBe('green');
    expect(residentStatus(0.5001)).toBe('yellow');
    expect(residentStatus(-1)).toBe('yellow');
    expect(residentStatus(1.0001)).toBe('red');
    expect(residentStatus(-2.7)).toBe('red');
  });

  it('refuses to classify a PMV that could not be computed', () => {
    expect(() => classifyPmv(Number.NaN)).toThrow(RangeError);
    expect(() => residentStatus(Number.POSITIVE_INFINITY)).toThrow(/not a finite number/);
  });
});
