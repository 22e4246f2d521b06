import { describe, expect, it } from 'vitest';
import { DAY_MS } from '#common/time.ts';
import { parseKeep, retained } from './retention.ts';

describe('backup retention', () => {
  it('reads the keep setting, naming the part it cannot read', () => {
    expect(parseKeep('7d,4w,12m,3y')).toEqual({ daily: 7, weekly: 4, monthly: 12, yearly: 3 });
    expect(parseKeep('30d')).toEqual({ daily: 30, weekly: 0, monthly: 0, yearly: 0 });
    expect(() => parseKeep('7d,4x')).toThrow('"4x" is not a count and a period');
  });

  it('keeps exactly the grandfather–father–son set over a simulated year of daily runs', () => {
    const keep = parseKeep('7d,4w,12m,3y');
    // A backup every day at 03:15 UTC for 400 days, pruned after every run as the job does.
    let files: { at: Date }[] = [];
    const first = Date.UTC(2025, 10, 3, 3, 15);
    for (let day = 0; day < 400; day++) {
      files.push({ at: new Date(first + day * DAY_MS) });
      const keepNow = retained(files, keep, 'UTC');
      files = files.filter((f) => keepNow.has(f));
    }
    const iso = files.map((f) => f.at.toISOString().slice(0, 10)).sort();
    const last = new Date(first + 399 * DAY_MS);
    // The last 7 days.
    const daily = Array.from({ length: 7 }, (_, i) =>
      new Date(last.getTime() - i * DAY_MS).toISOString().slice(0, 10),
    );
    for (const d of daily) expect(iso).toContain(d);
    // Sundays (the newest backup of each ISO week) of the last 4 weeks; the current week's is today.
    const sundays = [1, 2, 3].map((w) => {
      const t = new Date(last);
      const back = (t.getUTCDay() + 7) % 7; // days since Sunday
      return new Date(t.getTime() - (back + (w - 1) * 7) * DAY_MS).toISOString().slice(0, 10);
    });
    for (const d of sundays) expect(iso).toContain(d);
    // The last day of each of the 11 previous months, and the last of the previous year.
    for (let m = 1; m <= 11; m++) {
      const end = new Date(Date.UTC(last.getUTCFullYear(), last.getUTCMonth() - m + 1, 0));
      if (end.getTime() >= first) expect(iso).toContain(end.toISOString().slice(0, 10));
    }
    expect(iso).toContain('2025-12-31');
    // Nothing else: each kept file is the newest of a day, week, month or year within its count.
    const expected = retained(
      Array.from({ length: 400 }, (_, day) => ({ at: new Date(first + day * DAY_MS) })),
      keep,
      'UTC',
    );
    expect(iso).toEqual([...expected].map((f) => f.at.toISOString().slice(0, 10)).sort());
    expect(files.length).toBe(expected.size);
    expect(files.length).toBeLessThanOrEqual(7 + 4 + 12 + 3);
  });
});
