import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';

describe('POST /api/v1/comfort/adaptive', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform({ comfortRateLimit: 100_000 });
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (payload: unknown) =>
    t.app.inject({ method: 'POST', url: '/api/v1/comfort/adaptive', payload: payload as object });

  it('answers both models for a running mean, worked by hand, without a credential', async () => {
    const res = await post({ tdb: 24, trm: 20 });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ units: 'SI', trm: 20, to: 24 });
    // ASHRAE 55-2023 §5.4: 0.31 × 20 + 17.8 = 24.0 °C; 80 % within ±3.5 K, 90 % within ±2.5 K.
    expect(body.ashrae.standard).toBe('ANSI/ASHRAE 55-2023');
    expect(body.ashrae.tComf).toBeCloseTo(24.0, 10);
    expect(body.ashrae.tComf80Low).toBeCloseTo(20.5, 10);
    expect(body.ashrae.tComf80Up).toBeCloseTo(27.5, 10);
    expect(body.ashrae.tComf90Low).toBeCloseTo(21.5, 10);
    expect(body.ashrae.tComf90Up).toBeCloseTo(26.5, 10);
    expect(body.ashrae).toMatchObject({ acceptability80: true, acceptability90: true, withinValidity: true });
    // EN 16798-1 Annex B: 0.33 × 20 + 18.8 = 25.4 °C; category I from −3 to +2 K.
    expect(body.en.standard).toBe('EN 16798-1:2019');
    expect(body.en.tComf).toBeCloseTo(25.4, 10);
    expect(body.en.catILow).toBeCloseTo(22.4, 10);
    expect(body.en.catIUp).toBeCloseTo(27.4, 10);
    expect(body.en).toMatchObject({ category: 'I', withinValidity: true, lowerLimitsApply: true });
  });

  it('works the running mean out of daily outdoor means, newest first', async () => {
    expect((await post({ tdb: 24, outdoor: [20, 20, 20] })).json().trm).toBeCloseTo(20, 10);
    // Weights 1 and 0.8, normalised: (10 + 0.8 × 20) / 1.8.
    expect((await post({ tdb: 24, outdoor: [10, 20] })).json().trm).toBeCloseTo(26 / 1.8, 10);
    expect((await post({ tdb: 24, outdoor: [10, 20], alpha: 0.5 })).json().trm).toBeCloseTo(20 / 1.5, 10);
  });

  it('raises the upper limits for elevated air speed above 25 °C', async () => {
    const body = (await post({ tdb: 28, v: 0.9, trm: 25 })).json();
    expect(body.ashrae.airSpeedAllowance).toBeCloseTo(1.8, 10);
    expect(body.ashrae.tComf80Up).toBeCloseTo(0.31 * 25 + 17.8 + 3.5 + 1.8, 10);
    expect(body.ashrae.acceptability80).toBe(true);
  });

  it('takes and gives I-P units', async () => {
    const body = (await post({ tdb: 75.2, trm: 68, units: 'IP' })).json();
    expect(body.units).toBe('IP');
    expect(body.ashrae.tComf).toBeCloseTo(75.2, 8);
    expect(body.ashrae.tComf80Up - body.ashrae.tComf).toBeCloseTo(3.5 * 1.8, 8);
  });

  it('reports a running mean outside the models, and still computes', async () => {
    const body = (await post({ tdb: 21, trm: 5 })).json();
    expect(body.ashrae.withinValidity).toBe(false);
    expect(body.en).toMatchObject({ withinValidity: false, lowerLimitsApply: false });
    expect(body.ashrae.tComf).toBeCloseTo(0.31 * 5 + 17.8, 10);
  });

  it('refuses a request without, or with both, ways of giving the outdoor temperature, naming where', async () => {
    const neither = await post({ tdb: 24 });
    expect(neither.statusCode).toBe(400);
    expect(neither.headers['content-type']).toContain('application/problem+json');
    expect(neither.json().errors[0].where).toBe('body');
    const both = await post({ tdb: 24, trm: 20, outdoor: [20] });
    expect(both.statusCode).toBe(400);
    expect(both.json().errors[0].where).toBe('body.outdoor');
    const alpha = await post({ tdb: 24, trm: 20, alpha: 0.7 });
    expect(alpha.statusCode).toBe(400);
    expect(alpha.json().errors[0].where).toBe('body.alpha');
    const long = await post({ tdb: 24, outdoor: Array.from({ length: 31 }, () => 20) });
    expect(long.statusCode).toBe(400);
    const text = await post({ tdb: 'warm', trm: 20 });
    expect(text.statusCode).toBe(400);
  });
});
