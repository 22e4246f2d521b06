import { describe, expect, it } from 'vitest';
import { availability, co2Avoided, meanInterval } from './mobility.calculator.ts';

const H = 3_600_000;

describe('the mobility KPIs’ formulas, checked by hand', () => {
  it('CO2 avoided: 5,000 km at 40 l/100 km and 2.467 kg/l against 6,500 kWh at 0.331 kg/kWh is 2,782.5 kg', () => {
    // 2,000 l of diesel × 2.467 = 4,934 kg; 6,500 kWh × 0.331 = 2,151.5 kg.
    const kg = co2Avoided({
      distanceKm: 5000,
      energyKwh: 6500,
      dieselLPer100Km: 40,
      dieselKgCo2PerL: 2.467,
      gridKgCo2PerKwh: 0.331,
    });
    expect(kg).toBeCloseTo(2782.5, 6);
  });

  it('charger availability: the share of the known time neither Faulted nor Unavailable', () => {
    // A day: Available from before it, Charging 08–09, Faulted 10–13, Available, Unavailable 22–24.
    const day = { from: 0, to: 24 * H };
    const history = [
      { at: -5 * H, status: 'Available' },
      { at: 8 * H, status: 'Charging' },
      { at: 9 * H, status: 'Available' },
      { at: 10 * H, status: 'Faulted' },
      { at: 13 * H, status: 'Available' },
      { at: 22 * H, status: 'Unavailable' },
    ];
    // Out of service 3 h + 2 h of 24 h: 19/24 = 79.1666… %.
    expect(availability(history, day.from, day.to)).toBeCloseTo((100 * 19) / 24, 9);
    // Before the first status nothing is known: only 12–24 counts, 1 h Faulted and 2 h Unavailable.
    expect(availability(history.slice(3), 12 * H, 24 * H)).toBeCloseTo((100 * 9) / 12, 9);
    expect(availability([], 0, H)).toBeNull();
    expect(availability([{ at: 2 * H, status: 'Available' }], 0, H)).toBeNull();
  });

  it('the interval between buses: each day’s departures, nights left out', () => {
    const m = 60_000;
    expect(meanInterval([[0, 8 * m, 16 * m, 30 * m]])).toBe(10);
    expect(
      meanInterval([
        [0, 8 * m],
        [24 * 60 * m, 24 * 60 * m + 12 * m],
      ]),
    ).toBe(10);
    expect(meanInterval([[5]])).toBeNull();
  });
});
