import { describe, expect, it } from 'vitest';
import { without } from './flagged-readings.ts';

const points = (times: number[]) => ({
  times: Float64Array.from(times),
  values: Float64Array.from(times.map((t) => t * 10)),
});

describe('readings without the flagged runs', () => {
  it('leaves out exactly the readings within a run, ends included', () => {
    const got = without(points([1, 2, 3, 4, 5, 6, 7]), [
      { from: 2, to: 3 },
      { from: 6, to: 6 },
    ]);
    expect([...got.times]).toEqual([1, 4, 5, 7]);
    expect([...got.values]).toEqual([10, 40, 50, 70]);
  });

  it('handles runs that overlap or hold one another (several checks failed)', () => {
    const got = without(points([1, 2, 3, 4, 5, 6, 7, 8]), [
      { from: 2, to: 7 },
      { from: 3, to: 3 },
      { from: 4, to: 5 },
    ]);
    expect([...got.times]).toEqual([1, 8]);
  });

  it('keeps everything when no run touches the readings', () => {
    expect([...without(points([1, 2]), [{ from: 5, to: 9 }]).times]).toEqual([1, 2]);
  });
});
