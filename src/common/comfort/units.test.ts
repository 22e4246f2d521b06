import { describe, expect, it } from 'vitest';
import {
  airSpeedFromSi,
  airSpeedToSi,
  celsiusDeltaToFahrenheit,
  celsiusToFahrenheit,
  fahrenheitDeltaToCelsius,
  fahrenheitToCelsius,
  fpmToMetresPerSecond,
  metresPerSecondToFpm,
  temperatureDeltaFromSi,
  temperatureFromSi,
  temperatureToSi,
} from './units.ts';

describe('unit conversions', () => {
  it('temperatures carry the 32 °F offset', () => {
    expect(fahrenheitToCelsius(77)).toBeCloseTo(25, 12);
    expect(fahrenheitToCelsius(32)).toBe(0);
    expect(celsiusToFahrenheit(-40)).toBe(-40);
    expect(temperatureToSi(212, 'IP')).toBeCloseTo(100, 12);
    expect(temperatureFromSi(25, 'SI')).toBe(25);
  });

  it('temperature differences convert by ×1.8 and nothing else', () => {
    expect(celsiusDeltaToFahrenheit(2)).toBeCloseTo(3.6, 12);
    expect(fahrenheitDeltaToCelsius(9)).toBe(5);
    expect(temperatureDeltaFromSi(1.2, 'IP')).toBeCloseTo(2.16, 12);
    expect(temperatureDeltaFromSi(1.2, 'SI')).toBe(1.2);
    // Not the difference of two converted temperatures plus 32.
    expect(celsiusDeltaToFahrenheit(2)).not.toBeCloseTo(celsiusToFahrenheit(2), 1);
  });

  it('air speeds in feet per minute', () => {
    expect(fpmToMetresPerSecond(1)).toBeCloseTo(0.00508, 15);
    expect(metresPerSecondToFpm(0.1)).toBeCloseTo(19.685, 3);
    expect(airSpeedToSi(20, 'IP')).toBeCloseTo(0.1016, 12);
    expect(airSpeedFromSi(airSpeedToSi(137, 'IP'), 'IP')).toBeCloseTo(137, 10);
    expect(airSpeedToSi(0.2, 'SI')).toBe(0.2);
  });
});
