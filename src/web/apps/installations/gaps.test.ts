import { describe, expect, it } from 'vitest';
import { gapRanges } from './gaps.ts';

describe('gap ranges', () => {
  it('joins consecutive days without readings into one range; a day with some stays alone', () => {
    const shares = [1, 0, 0, 0, 1, 0.5, 1, 0.2, 0, 0];
    expect(gapRanges(shares.map((share) => ({ share })))).toEqual([
      { first: 1, last: 3, days: 3, share: 0 },
      { first: 5, last: 5, days: 1, share: 0.5 },
      { first: 7, last: 7, days: 1, share: 0.2 },
      { first: 8, last: 9, days: 2, share: 0 },
    ]);
  });

  it('makes a hundred dead days one range, and a complete sensor none', () => {
    expect(gapRanges(Array.from({ length: 100 }, () => ({ share: 0 })))).toHaveLength(1);
    expect(gapRanges([{ share: 1 }, { share: 1 }])).toEqual([]);
  });
});
