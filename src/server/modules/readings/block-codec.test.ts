import { describe, expect, it } from 'vitest';
import { decodeHours, decodePoints, encodeBlock, HOUR_MS, rollupHours } from './block-codec.ts';

const T0 = Date.UTC(2026, 0, 1);

function points(times: number[], values: number[]) {
  return { times: Float64Array.from(times), values: Float64Array.from(values) };
}

describe('block codec', () => {
  it('round-trips decimal readings exactly and codes a regular series in about two bytes a reading', () => {
    const times = Array.from({ length: 144 }, (_, i) => T0 + i * 600_000);
    const values = times.map((_, i) => Math.round((21 + Math.sin(i / 10) * 2) * 10) / 10);
    const data = encodeBlock(T0, points(times, values), false);
    const decoded = decodePoints(T0, data);
    expect(Array.from(decoded.times)).toEqual(times);
    expect(Array.from(decoded.values)).toEqual(values);
    expect(data.length / 144).toBeLessThan(3.5);
  });

  it('falls back to float64 for values that are not short decimals', () => {
    const times = [T0, T0 + 1000, T0 + 5000];
    const values = [Math.PI, -Math.E, 1e300];
    const decoded = decodePoints(T0, encodeBlock(T0, points(times, values), false));
    expect(Array.from(decoded.values)).toEqual(values);
  });

  it('keeps exact hourly rollups beside the points', () => {
    const times = [T0 + 1, T0 + 2, T0 + HOUR_MS + 5, T0 + 3 * HOUR_MS];
    const values = [1.5, -2.25, 7, 0.001];
    const hours = decodeHours(T0, encodeBlock(T0, points(times, values), false));
    expect(hours).toEqual([
      { hour: T0, count: 2, sum: -0.75, min: -2.25, max: 1.5, first: 1.5, last: -2.25, increase: 0 },
      { hour: T0 + HOUR_MS, count: 1, sum: 7, min: 7, max: 7, first: 7, last: 7, increase: 0 },
      {
        hour: T0 + 3 * HOUR_MS,
        count: 1,
        sum: 0.001,
        min: 0.001,
        max: 0.001,
        first: 0.001,
        last: 0.001,
        increase: 0,
      },
    ]);
  });

  it('counts the increase of a cumulative meter within an hour, a drop counting as nothing', () => {
    const p = points([T0, T0 + 1, T0 + 2, T0 + 3], [100, 102.5, 3, 4]);
    expect(rollupHours(p, true)[0].increase).toBeCloseTo(3.5, 9);
    expect(decodeHours(T0, encodeBlock(T0, p, true))[0].increase).toBeCloseTo(3.5, 9);
  });

  it('handles irregular times and negative values', () => {
    const times = [T0 + 17, T0 + 1000, T0 + 1001, T0 + 50_000, T0 + 50_001];
    const values = [-40.5, 0, 99999.125, -0.000001, 12];
    const decoded = decodePoints(T0, encodeBlock(T0, points(times, values), false));
    expect(Array.from(decoded.times)).toEqual(times);
    expect(Array.from(decoded.values)).toEqual(values);
  });
});
