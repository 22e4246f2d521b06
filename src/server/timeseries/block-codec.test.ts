import { describe, expect, it } from 'vitest';
import { appendToBlock, decodeHours, decodePoints, encodeBlock, rollupHours } from './block-codec.ts';
import { HOUR_MS } from '#common/time.ts';

const T0 = Date.UTC(2026, 0, 1);

function points(times: number[], values: number[]) {
  return { times: Float64Array.from(times), values: Float64Array.from(values) };
}

describe('block codec', () => {
  it('round-trips decimal readings exactly and codes a regular series in about two bytes a reading', () => {
    const times = Array.from({ length: 1000 }, (_, i) => T0 + i * 600_000);
    const values = times.map((_, i) => Math.round((21 + Math.sin(i / 10) * 2) * 10) / 10);
    const data = encodeBlock(T0, points(times, values), false);
    const decoded = decodePoints(T0, data);
    expect(Array.from(decoded.times)).toEqual(times);
    expect(Array.from(decoded.values)).toEqual(values);
    expect(data.length / 1000).toBeLessThan(3.5);
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

describe('appending to a block', () => {
  /** A deterministic pseudo-random sequence in [0, 1). */
  const random = (seed: number) => () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };

  it('gives exactly what coding the whole block again gives, in many random cases', () => {
    for (let run = 0; run < 300; run++) {
      const r = random(run + 1);
      const cumulative = run % 3 === 0;
      const decimals = run % 5 === 4 ? -1 : Math.floor(r() * 3);
      const value = (i: number) =>
        decimals < 0
          ? r() * 1000 - 500
          : Math.round((cumulative ? i * 2.5 + r() * 2 : r() * 400 - 200) * 10 ** decimals) / 10 ** decimals;
      const total = 2 + Math.floor(r() * 300);
      const times: number[] = [];
      let t = T0 + Math.floor(r() * HOUR_MS);
      for (let i = 0; i < total; i++) {
        times.push(t);
        t += 1 + Math.floor(r() * (r() < 0.1 ? 5 * HOUR_MS : 900_000));
      }
      const values = times.map((_, i) => value(i) + 0); // no -0: a reading of zero has no sign
      const cut = 1 + Math.floor(r() * (total - 1));
      const head = points(times.slice(0, cut), values.slice(0, cut));
      const rest = points(times.slice(cut), values.slice(cut));
      let data = encodeBlock(T0, head, cumulative);
      const appended = appendToBlock(T0, data, rest, cumulative);
      const whole = encodeBlock(T0, points(times, values), cumulative);
      if (!appended) {
        // Only when the new values need more decimals than the block codes.
        expect(decimals).toBeGreaterThanOrEqual(0);
        continue;
      }
      data = appended;
      expect(Array.from(decodePoints(T0, data).times)).toEqual(times);
      expect(Array.from(decodePoints(T0, data).values)).toEqual(values);
      const got = decodeHours(T0, data);
      const want = decodeHours(T0, whole);
      expect(got.length).toBe(want.length);
      got.forEach((h, i) => {
        for (const k of ['hour', 'count', 'min', 'max', 'first', 'last'] as const)
          expect(h[k], `${run} ${k}`).toBe(want[i][k]);
        expect(h.sum).toBeCloseTo(want[i].sum, 6);
        expect(h.increase).toBeCloseTo(want[i].increase, 6);
      });
    }
  });

  it('declines values that need more decimal digits, and readings that are not after the last one', () => {
    const data = encodeBlock(T0, points([T0, T0 + 1000], [1.5, 2.5]), false);
    expect(appendToBlock(T0, data, points([T0 + 2000], [1.25]), false)).toBeUndefined();
    expect(appendToBlock(T0, data, points([T0 + 500], [1.5]), false)).toBeUndefined();
    expect(appendToBlock(T0, data, points([T0 + 2000], [3.5]), false)).toBeDefined();
  });
});
