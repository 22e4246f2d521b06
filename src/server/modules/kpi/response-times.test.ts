import { describe, expect, it } from 'vitest';
import { dayPeriod } from './kpi-periods.ts';
import { ResponseTimes } from './response-times.ts';

const ZONE = 'Europe/Madrid';

describe('the response-time recorder', () => {
  it('gives the nearest-rank percentiles of each local day', () => {
    const times = new ResponseTimes(ZONE);
    const noon = Date.UTC(2026, 10, 26, 11);
    for (let ms = 1; ms <= 100; ms++) times.record(ms, noon);
    times.record(5000, noon + 86_400_000);
    const today = dayPeriod(noon, ZONE).start;
    expect(times.percentiles(today, [50, 95, 100])).toEqual({ requests: 100, values: [50, 95, 100] });
    expect(times.percentiles(today + 86_400_000, [50])).toEqual({ requests: 1, values: [5000] });
    expect(times.percentiles(today - 86_400_000, [50])).toBeUndefined();
  });

  it('keeps a uniform sample of a busy day, so its percentiles stay right at a fixed cost', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const times = new ResponseTimes(ZONE, random);
    const noon = Date.UTC(2026, 10, 26, 11);
    // 200,000 requests: 90 % at 10 ms, 10 % at 200 ms.
    for (let i = 0; i < 200_000; i++) times.record(i % 10 === 0 ? 200 : 10, noon);
    const { requests, values } = times.percentiles(dayPeriod(noon, ZONE).start, [50, 85, 95]) ?? {
      requests: 0,
      values: [],
    };
    expect(requests).toBe(200_000);
    expect(values).toEqual([10, 10, 200]);
  });
});
