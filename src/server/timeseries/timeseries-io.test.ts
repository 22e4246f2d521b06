import { describe, expect, it } from 'vitest';
import { decodeChanges, encodeChanges, type SeriesChange } from './timeseries-io.ts';
import { HOUR_MS } from '#common/time.ts';

describe('change feed packing', () => {
  it('round-trips changes in any order, and packs a compaction of neighbouring series small', () => {
    const h = Date.UTC(2026, 0, 1) / HOUR_MS;
    const changes: SeriesChange[] = [
      { seriesId: 5, hourFrom: (h + 3) * HOUR_MS, hourTo: (h + 7) * HOUR_MS },
      { seriesId: 2, hourFrom: h * HOUR_MS, hourTo: h * HOUR_MS },
      { seriesId: 4_000_000_000, hourFrom: (h - 9000) * HOUR_MS, hourTo: (h + 1) * HOUR_MS },
      { seriesId: 1, hourFrom: 0, hourTo: 0 },
    ];
    expect(decodeChanges(7, encodeChanges(changes))).toEqual(changes.map((c) => ({ id: 7, ...c })));
    expect(decodeChanges(1, encodeChanges([]))).toEqual([]);
    const many = Array.from({ length: 4000 }, (_, i) => ({
      seriesId: 1000 + i,
      hourFrom: h * HOUR_MS,
      hourTo: (h + 4) * HOUR_MS,
    }));
    expect(encodeChanges(many).length).toBeLessThan(4000 * 3 + 8);
  });
});
