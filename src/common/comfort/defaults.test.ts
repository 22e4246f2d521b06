import { describe, expect, it } from 'vitest';
import { comfortAssumptions, measuredComfortInput, SEASONAL_DEFAULTS } from './defaults.ts';
import { pmvPpd } from './pmv.ts';

describe('seasonal comfort assumptions', () => {
  it('the seasonal defaults go in as measured conditions', () => {
    expect(SEASONAL_DEFAULTS.winter).toEqual({ clo: 1.0, met: 1.2, v: 0.1, wme: 0 });
    expect(SEASONAL_DEFAULTS.summer).toEqual({ clo: 0.5, met: 1.2, v: 0.1, wme: 0 });
    const assumptions = comfortAssumptions('winter', { clo: 0.9 });
    expect(assumptions).toEqual({ clo: 0.9, met: 1.2, v: 0.1, wme: 0 });
    const input = measuredComfortInput(21, 45, assumptions);
    expect(input.v).toBe(0.1);
    const result = pmvPpd(input, { standard: 'ashrae' });
    expect(result.applied.relativeAirSpeed).toBe(true);
    expect(result.applied.vr).toBe(0.1);
    expect(() => comfortAssumptions('summer', { met: -1 })).toThrow(/met must be a number from/);
  });

  it('refuses an unknown season', () => {
    expect(() => comfortAssumptions('spring' as never)).toThrow(/season must be/);
  });
});
