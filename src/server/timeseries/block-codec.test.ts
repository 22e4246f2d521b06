import { describe, expect, it } from 'vitest';
import { appendToBlock, decodeHours, decodePoints, encodeBlock, rollupHours } from './block-codec.ts';
import { HOUR_MS } from '#common/time.ts';

const T0 = Date.UTC(2026, 0, 1);

function points(times: number[], values: number[]) {
  return { times: Float64Array.from(times), values: Float64Array.from(values) };
}

describe('block codec', () => {
  it('round-trips decimal readings exactly and codes a regular series in about one byte a reading', () => {
    const times = Array.from({ length: 1000 }, (_, i) => T0 + i * 600_000);
    const values = times.map((_, i) => Math.round((21 + Math.sin(i / 10) * 2) * 10) / 10);
    const data = encodeBlock(T0, points(times, values), false);
    const decoded = decodePoints(T0, data);
    expect(Array.from(decoded.times)).toEqual(times);
    expect(Array.from(decoded.values)).toEqual(values);
    // Regular times cost next to nothing; the values one byte each; hours are rolled up on reading.
    expect(data.length / 1000).toBeLessThan(1.2);
  });

  it('keeps hour entries for dense series and rolls up slow ones from their points, to the same hours', () => {
    for (const step of [1000, 60_000, 600_000]) {
      const times = Array.from({ length: 900 }, (_, i) => T0 + 7 + i * step);
      const values = times.map((_, i) => Math.round((21 + Math.sin(i / 10) * 2) * 100) / 100);
      const hours = decodeHours(T0, encodeBlock(T0, points(times, values), false));
      const want = rollupHours(points(times, values), false);
      expect(hours.length).toBe(want.length);
      hours.forEach((h, i) => {
        for (const k of ['hour', 'count', 'min', 'max', 'first', 'last'] as const)
          expect(h[k]).toBe(want[i][k]);
        expect(h.sum).toBeCloseTo(want[i].sum, 9);
      });
    }
  });

  it('still reads blocks of the previous layout, and codes them anew when readings are appended', () => {
    const times = [T0 + 1, T0 + 600_000, T0 + 1_200_000, T0 + HOUR_MS + 5, T0 + 2 * HOUR_MS];
    const older = Buffer.from(
      'AgEABQAAAAAAUIh0t3lCAAAAgD13S0EAAAAAAOBoQA0AAAAGAAAAAwAAABAAAACRfQcAkn0HAAL8nkkCit3bAey9kgGuAwQFDCkAA6wDAwEABAEBuAMAAAAAAQGOAwAAAAA=',
      'base64',
    );
    const decoded = decodePoints(T0, older);
    expect(Array.from(decoded.times)).toEqual(times);
    expect(Array.from(decoded.values)).toEqual([21.5, 21.7, 21.4, 22, 19.9]);
    expect(decodeHours(T0, older).map((h) => [h.count, h.min, h.max, h.first, h.last])).toEqual([
      [3, 21.4, 21.7, 21.5, 21.4],
      [1, 22, 22, 22, 22],
      [1, 19.9, 19.9, 19.9, 19.9],
    ]);
    expect(decodeHours(T0, older)[0].sum).toBeCloseTo(64.6, 9);
    expect(appendToBlock(T0, older, points([T0 + 3 * HOUR_MS], [20]), false)).toBeUndefined();
    const cumulative = Buffer.from(
      'AgEBBQAAAAAAUIh0t3lCAAAAgD13S0EAAAAAAABZQA0AAAAHAAAAAwAAABMAAACRfQcAkn0HAAL8nkkCit3bAey9kgHQDzLFDxR4AAM84wfKBwCtDxkBAVAAAAAAAAEByAEAAAAAAA==',
      'base64',
    );
    expect(Array.from(decodePoints(T0, cumulative).values)).toEqual([100, 102.5, 3, 4, 10]);
    expect(decodeHours(T0, cumulative)[0].increase).toBeCloseTo(2.5, 9);
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
        // Slow series (hours rolled up on reading) and dense ones (hour entries kept).
        t += 1 + Math.floor(r() * (r() < 0.1 ? 5 * HOUR_MS : run % 2 === 0 ? 900_000 : 20_000));
      }
      const values = times.map((_, i) => value(i) + 0); // no -0: a reading of zero has no sign
      const cut = 1 + Math.floor(r() * (total - 1));
      const head = points(times.slice(0, cut), values.slice(0, cut));
      const rest = points(times.slice(cut), values.slice(cut));
      let data = encodeBlock(T0, head, cumulative);
      const appended = appendToBlock(T0, data, rest, cumulative);
      const whole = encodeBlock(T0, points(times, values), cumulative);
      if (!appended) {
        // Only when the new values need more decimals than the block codes, or when a dense
        // series' block was begun without hour entries.
        expect(decimals >= 0 || run % 2 === 1).toBe(true);
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

  it('codes a block begun with a few readings of a fast series again, with hour entries', () => {
    const times = Array.from({ length: 40 }, (_, i) => T0 + i * 1000);
    const values = times.map((_, i) => i);
    const head = encodeBlock(T0, points(times.slice(0, 3), values.slice(0, 3)), false);
    expect(appendToBlock(T0, head, points(times.slice(3, 10), values.slice(3, 10)), false)).toBeDefined();
    expect(appendToBlock(T0, head, points(times.slice(3), values.slice(3)), false)).toBeUndefined();
  });

  it('declines values that need more decimal digits, and readings that are not after the last one', () => {
    const data = encodeBlock(T0, points([T0, T0 + 1000], [1.5, 2.5]), false);
    expect(appendToBlock(T0, data, points([T0 + 2000], [1.25]), false)).toBeUndefined();
    expect(appendToBlock(T0, data, points([T0 + 500], [1.5]), false)).toBeUndefined();
    expect(appendToBlock(T0, data, points([T0 + 2000], [3.5]), false)).toBeDefined();
  });
});
