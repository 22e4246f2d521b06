import { describe, expect, it } from 'vitest';
import { intervalBoundaries, intervalIndex } from './calendar.ts';

const H = 3_600_000;

describe('calendar', () => {
  it('cuts the spring DST day of Madrid into 23 hours and the autumn one into 25', () => {
    // 2026-03-29 and 2026-10-25 are the change days in the EU.
    const spring = intervalBoundaries(
      Date.UTC(2026, 2, 29, 12),
      Date.UTC(2026, 2, 29, 12),
      'day',
      'Europe/Madrid',
    );
    expect(spring).toEqual([Date.UTC(2026, 2, 28, 23), Date.UTC(2026, 2, 29, 22)]);
    expect((spring[1] - spring[0]) / H).toBe(23);
    const autumn = intervalBoundaries(
      Date.UTC(2026, 9, 25, 12),
      Date.UTC(2026, 9, 25, 12),
      'day',
      'Europe/Madrid',
    );
    expect((autumn[1] - autumn[0]) / H).toBe(25);
  });

  it('starts months at local midnight of the first', () => {
    const b = intervalBoundaries(Date.UTC(2026, 0, 15), Date.UTC(2026, 2, 2), 'month', 'Europe/Madrid');
    expect(b).toEqual([
      Date.UTC(2025, 11, 31, 23),
      Date.UTC(2026, 0, 31, 23),
      Date.UTC(2026, 1, 28, 23),
      Date.UTC(2026, 2, 31, 22),
    ]);
  });

  it('finds the interval of a time', () => {
    const b = [0, 10, 20, 30];
    expect([
      intervalIndex(b, -1),
      intervalIndex(b, 0),
      intervalIndex(b, 19),
      intervalIndex(b, 20),
      intervalIndex(b, 30),
    ]).toEqual([-1, 0, 1, 2, -1]);
  });
});
