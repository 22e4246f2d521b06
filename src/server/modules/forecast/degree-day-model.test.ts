import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BALANCE_POINTS_C, fitDegreeDayModel, hddSums, predictDay, regressHdd } from './degree-day-model.ts';
import {
  accuracyOf,
  type DailySeries,
  fitWithAccuracy,
  MIN_MODEL_DAYS,
  sufficiencyOf,
  weekFolds,
  weekOf,
} from './model-accuracy.ts';
import { tTwoSidedP } from './student-t.ts';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a failure can be replayed. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal numbers by Box–Muller. */
function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A year of daily means shaped like Vitoria's (4 °C in January, 20 °C in July) with weather noise. */
function syntheticYear(
  days: number,
  energy: (temperatureC: number, noise: number) => number,
  seed: number,
): DailySeries {
  const random = seededRandom(seed);
  const normal = gaussian(random);
  const first = Date.UTC(2024, 0, 1) / 86_400_000;
  const day = new Int32Array(days);
  const temperatureC = new Float64Array(days);
  const energyKWh = new Float64Array(days);
  for (let i = 0; i < days; i++) {
    day[i] = first + i;
    temperatureC[i] = 12 - 8 * Math.cos((2 * Math.PI * (i - 15)) / 365) + normal() * 3;
    energyKWh[i] = energy(temperatureC[i], normal());
  }
  return { day, temperatureC, energyKWh };
}

describe('Student t', () => {
  it('gives the two-sided tail of tables', () => {
    // t(10) = 2.228 is the 97.5 % quantile; t(10) = 1.812 the 95 % one; t(30) = 2.750 the 99.5 %.
    expect(tTwoSidedP(2.228, 10)).toBeCloseTo(0.05, 3);
    expect(tTwoSidedP(1.812, 10)).toBeCloseTo(0.1, 3);
    expect(tTwoSidedP(-2.75, 30)).toBeCloseTo(0.01, 3);
    expect(tTwoSidedP(0, 5)).toBeCloseTo(1, 10);
  });
});

describe('degree-day model', () => {
  it('searches balance points from 10 to 22 °C in steps of 0.5 °C', () => {
    expect(BALANCE_POINTS_C).toHaveLength(25);
    expect(BALANCE_POINTS_C[0]).toBe(10);
    expect(BALANCE_POINTS_C[24]).toBe(22);
  });

  it('recovers the balance point and slope of a synthetic building', () => {
    for (const [balance, slope, seed] of [
      [15.5, 42, 1],
      [17, 120, 2],
      [13, 8.5, 3],
      [19.5, 260, 4],
    ] as const) {
      const base = slope * 3;
      const series = syntheticYear(
        730,
        (t, noise) => base + slope * Math.max(0, balance - t) + noise * base * 0.1,
        seed,
      );
      const model = fitDegreeDayModel(series.temperatureC, series.energyKWh);
      expect(model.type).toBe('hdd');
      expect(Math.abs((model.balancePointC as number) - balance)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(model.slopeKWhPerDegreeDay / slope - 1)).toBeLessThan(0.03);
      expect(model.slopePValue).toBeLessThan(0.1);
    }
  });

  it('gives a building without temperature dependence the intercept-only model', () => {
    // A significance test at p < 0.1 over 25 balance points now and then finds a slope in pure
    // noise (CalTRACK accepts that rate): nearly every flat building is intercept-only, and the
    // few others explain next to nothing.
    let interceptOnly = 0;
    for (let seed = 100; seed < 140; seed++) {
      const series = syntheticYear(365, (_t, noise) => 200 + noise * 20, seed);
      const model = fitDegreeDayModel(series.temperatureC, series.energyKWh);
      if (model.type === 'hdd') {
        expect(model.adjR2).toBeLessThan(0.03);
        continue;
      }
      interceptOnly++;
      expect(model.balancePointC).toBeNull();
      expect(model.slopeKWhPerDegreeDay).toBe(0);
      expect(model.interceptKWhPerDay).toBeCloseTo(200, -1);
      expect(predictDay(model, -5)).toBe(model.interceptKWhPerDay);
    }
    expect(interceptOnly).toBeGreaterThanOrEqual(36);
    // Without noise there is nothing to find at all.
    const constant = syntheticYear(365, () => 200, 1);
    expect(fitDegreeDayModel(constant.temperatureC, constant.energyKWh).type).toBe('intercept-only');
  });

  it('fits from one pass of sums what a least-squares fit at the chosen balance point gives', () => {
    const series = syntheticYear(500, (t, noise) => 5000 + 900 * Math.max(0, 16.3 - t) + noise * 400, 21);
    const model = fitDegreeDayModel(series.temperatureC, series.energyKWh);
    const direct = regressHdd(series.temperatureC, series.energyKWh, model.balancePointC as number);
    expect(model.slopeKWhPerDegreeDay).toBeCloseTo(direct.slope, 6);
    expect(model.interceptKWhPerDay).toBeCloseTo(direct.intercept, 4);
    expect(model.r2).toBeCloseTo(1 - direct.ssRes / direct.ssTot, 9);
    // Sums of two halves add up to the sums of the whole.
    const half = Int32Array.from({ length: 250 }, (_, i) => i);
    const rest = Int32Array.from({ length: 250 }, (_, i) => i + 250);
    const whole = hddSums(series.temperatureC, series.energyKWh, undefined, 0);
    const parts = hddSums(series.temperatureC, series.energyKWh, half, 0).plus(
      hddSums(series.temperatureC, series.energyKWh, rest, 0),
    );
    whole.below.forEach((v, i) => expect(parts.below[i]).toBeCloseTo(v, 3));
  });

  it('refuses an HDD model whose slope would be negative', () => {
    // Heat that rises with the outdoor temperature (a cooling load) is no heating model.
    const series = syntheticYear(365, (t, noise) => 100 + 4 * Math.max(0, t - 10) + noise, 9);
    expect(fitDegreeDayModel(series.temperatureC, series.energyKWh).type).toBe('intercept-only');
  });

  it('recovers the model that generated the eemeter gas samples', () => {
    const gas = eemeterBaseline('il-gas-hdd-only-daily.csv.gz');
    const fit = fitWithAccuracy(gas);
    expect(fit.model.type).toBe('hdd');
    expect(Math.abs((fit.model.balancePointC as number) - ((60 - 32) * 5) / 9)).toBeLessThanOrEqual(0.5);
    const lastYear = yearTotals(gas, fit.model);
    expect(Math.abs(lastYear.heating / 750 - 1)).toBeLessThan(0.05);
    expect(Math.abs(lastYear.base / 250 - 1)).toBeLessThan(0.2);
    expect(Math.abs(lastYear.modelled / lastYear.metered - 1)).toBeLessThan(0.02);
    expect(fit.accuracy.meetsGuideline14).toBe(true);

    const flat = eemeterBaseline('il-gas-intercept-only-daily.csv.gz');
    const flatFit = fitWithAccuracy(flat);
    expect(flatFit.model.type).toBe('intercept-only');
    expect(Math.abs((flatFit.model.interceptKWhPerDay * 365) / 1000 - 1)).toBeLessThan(0.02);
  });
});

describe('held-out accuracy', () => {
  it('deals whole weeks to five folds, the same way every time', () => {
    const series = syntheticYear(364, () => 1, 1);
    const folds = weekFolds(series.day);
    expect(weekFolds(series.day)).toEqual(folds);
    const weeksOfFold = Array.from({ length: 5 }, () => new Set<number>());
    series.day.forEach((d, i) => weeksOfFold[folds[i]].add(weekOf(d)));
    // 52 or 53 calendar weeks dealt in turn: every fold 10 or 11 weeks, no week in two folds.
    for (const weeks of weeksOfFold) expect(weeks.size).toBeGreaterThanOrEqual(10);
    const all = weeksOfFold.reduce((n, w) => n + w.size, 0);
    expect(all).toBe(new Set(Array.from(series.day, weekOf)).size);
  });

  it('computes CV(RMSE), NMBE and R² as ASHRAE Guideline 14 writes them', () => {
    const day = [0, 1, 2, 3];
    const actual = [10, 12, 8, 10];
    const predicted = [9, 11, 9, 9];
    const a = accuracyOf(day, actual, predicted, 1);
    // Residuals 1, 1, −1, 1: Σr² = 4, Σr = 2, n − p = 3, ȳ = 10.
    expect(a.cvrmse).toBeCloseTo((100 * Math.sqrt(4 / 3)) / 10, 10);
    expect(a.nmbe).toBeCloseTo((100 * 2) / (3 * 10), 10);
    expect(a.r2).toBeCloseTo(1 - 4 / 8, 10);
  });

  it('measures a well-fitting building within Guideline 14 on held-out weeks', () => {
    const series = syntheticYear(730, (t, noise) => 80 + 30 * Math.max(0, 16 - t) + noise * 20, 11);
    const fit = fitWithAccuracy(series);
    expect(fit.accuracy.days).toBe(730);
    expect(fit.accuracy.meetsGuideline14).toBe(true);
    expect(fit.accuracy.r2).toBeGreaterThan(0.9);
  });

  it('states the data sufficiency', () => {
    const series = syntheticYear(400, () => 1, 1);
    const gappy: DailySeries = {
      day: series.day.filter((_, i) => i % 3 !== 0),
      energyKWh: series.energyKWh.filter((_, i) => i % 3 !== 0),
      temperatureC: series.temperatureC.filter((_, i) => i % 3 !== 0),
    };
    expect(sufficiencyOf(series)).toMatchObject({
      spanDays: 400,
      missingDays: 0,
      calTrack: true,
      reason: null,
    });
    expect(sufficiencyOf(gappy)).toMatchObject({ enough: true, calTrack: false, reason: 'low-coverage' });
    const short = {
      day: series.day.slice(0, MIN_MODEL_DAYS - 1),
      energyKWh: series.energyKWh,
      temperatureC: series.temperatureC,
    };
    expect(sufficiencyOf(short)).toMatchObject({ enough: false, reason: 'too-few-days' });
  });
});

/** The baseline of an eemeter sample (the days before its blackout) with daily mean temperatures, °C. */
function eemeterBaseline(file: string): DailySeries {
  const read = (name: string) =>
    gunzipSync(readFileSync(new URL(`./testdata/${name}`, import.meta.url)))
      .toString()
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
  const hourly = new Map<string, number[]>();
  for (const [dt, f] of read('il-tempF.csv.gz')) {
    const value = Number(f);
    if (Number.isNaN(value)) continue;
    const date = dt.slice(0, 10);
    const list = hourly.get(date) ?? [];
    list.push(value);
    hourly.set(date, list);
  }
  const day: number[] = [];
  const energy: number[] = [];
  const temperature: number[] = [];
  for (const [start, value] of read(file)) {
    const date = start.slice(0, 10);
    if (date >= '2016-12-26') break;
    const hours = hourly.get(date);
    const e = Number(value);
    if (!hours || hours.length < 20 || Number.isNaN(e)) continue;
    day.push(Date.parse(date) / 86_400_000);
    energy.push(e);
    temperature.push(((hours.reduce((s, v) => s + v, 0) / hours.length - 32) * 5) / 9);
  }
  return {
    day: Int32Array.from(day),
    energyKWh: Float64Array.from(energy),
    temperatureC: Float64Array.from(temperature),
  };
}

/** The model's heating and base load, and the metered and modelled totals, over the last 365 days. */
function yearTotals(series: DailySeries, model: ReturnType<typeof fitDegreeDayModel>) {
  let heating = 0;
  let metered = 0;
  const n = series.day.length;
  for (let i = n - 365; i < n; i++) {
    heating += predictDay(model, series.temperatureC[i]) - model.interceptKWhPerDay;
    metered += series.energyKWh[i];
  }
  const base = model.interceptKWhPerDay * 365;
  return { heating, base, metered, modelled: heating + base };
}
