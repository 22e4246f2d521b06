import { describe, expect, it } from 'vitest';
import { demoBuildings } from '../../demo/district.ts';
import {
  type DwellingProfile,
  indoorCo2,
  indoorHumidity,
  indoorTemperature,
  outdoorHumidity,
  outdoorTemperature,
  peakDraw,
  powerDraw,
} from '../../demo/signals.ts';
import { rollupHours } from '../../timeseries/block-codec.ts';
import { type Ceiling, checkReadings, DEFAULT_RULES, neighboursMoved, type Readings } from './checks.ts';

const H = 3_600_000;
const STEP = 600_000;
const T0 = Date.UTC(2026, 0, 5);
const NOW = T0 + 400 * 24 * H;

/** Readings every 10 minutes for `hours` from T0, of `f(t, i)`. */
function series(
  hours: number,
  f: (t: number, i: number) => number,
): Readings & { times: number[]; values: number[] } {
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < (hours * H) / STEP; i++) {
    const t = T0 + i * STEP;
    times.push(t);
    values.push(f(t, i));
  }
  return { times, values };
}

/** The hourly rollups the engine keeps of a series. */
const hoursOf = (n: Readings) =>
  rollupHours({ times: Float64Array.from(n.times), values: Float64Array.from(n.values) }, false);

/** A pleasant indoor temperature that moves a little every reading. */
const wave = (t: number) => Math.round((21 + Math.sin(t / (3 * H)) * 1.5) * 10) / 10;

const check = (medium: string, points: Readings, now = NOW) =>
  checkReadings(points, DEFAULT_RULES[medium], now);

describe('quality checks', () => {
  it('flag nothing in a clean series', () => {
    expect(check('temperature', series(72, wave))).toEqual([]);
  });

  it('find a humidity reading out of range, exactly', () => {
    const s = series(24, (t) => 50 + Math.sin(t / H) * 5);
    s.values[40] = 140;
    s.values[41] = 141;
    expect(check('humidity', s)).toEqual([
      { check: 'range', from: s.times[40], to: s.times[41], count: 2, value: 140 },
    ]);
  });

  it('find a spike of a power meter, and not the reading after it', () => {
    const s = series(24, (t) => 400 + Math.round(Math.sin(t / H) * 200));
    s.values[30] = 1_000_400; // a megawatt: out of range and a step
    s.values[60] = 25_000; // within range, but no flat draws 24 kW more in ten minutes
    const runs = check('power', s);
    expect(runs).toEqual([
      { check: 'range', from: s.times[30], to: s.times[30], count: 1, value: 1_000_400 },
      { check: 'step', from: s.times[60], to: s.times[60], count: 1, value: 25_000 },
    ]);
  });

  it('take a lasting change of level as a new level, not a fault', () => {
    const s = series(24, (_t, i) => (i < 50 ? 20 : 27));
    // Both levels are flat for hours: only the step matters here.
    const runs = checkReadings(s, { ...DEFAULT_RULES.temperature, stuckHours: null }, NOW);
    expect(runs).toEqual([]);
  });

  it('find a thermometer stuck for more than a day, and only the stuck readings', () => {
    const s = series(96, (t, i) => (i >= 100 && i < 100 + 30 * 6 ? 21.0 : wave(t)));
    // The wave may touch 21.0 on either side of the stuck run; the run is what is within 0.1 of it.
    const runs = check('temperature', s);
    expect(runs).toHaveLength(1);
    expect(runs[0].check).toBe('stuck');
    expect(runs[0].from).toBeLessThanOrEqual(s.times[100]);
    expect(runs[0].from).toBeGreaterThan(s.times[95]);
    expect(runs[0].to).toBeGreaterThanOrEqual(s.times[279]);
    expect(runs[0].to).toBeLessThan(s.times[285]);
  });

  it('leave a value that holds still for less than the stuck time alone', () => {
    const s = series(96, (t, i) => (i >= 100 && i < 100 + 20 * 6 ? 21.0 : wave(t)));
    expect(check('temperature', s)).toEqual([]);
  });

  describe('stuck beside the neighbours', () => {
    const rules = DEFAULT_RULES.temperature;
    /** The neighbours' hourly rollups, as the engine keeps them. */
    const judge = (...neighbours: Readings[]) => neighboursMoved(neighbours.map(hoursOf), rules.resolution);
    // A day of a moving value, then 30 hours at 21.37, then moving again: the run is exact.
    const stuck = series(72, (t, i) => (i >= 144 && i < 144 + 180 ? 21.37 : wave(t)));
    const flat = { check: 'stuck', from: stuck.times[144], to: stuck.times[323], count: 180, value: 21.37 };

    it('find a thermometer stuck while the other thermometers of its building move', () => {
      const runs = checkReadings(
        stuck,
        rules,
        NOW,
        judge(
          series(72, wave),
          series(72, () => 19.5),
        ),
      );
      expect(runs).toEqual([flat]);
    });

    it('leave a steady temperature alone when every neighbour holds as steady (an empty home)', () => {
      // The neighbours move before and after, but not in the hours of the run.
      const still = (level: number) => series(72, (t, i) => (i >= 138 && i < 330 ? level : wave(t)));
      expect(checkReadings(stuck, rules, NOW, judge(still(18.2), still(19.05)))).toEqual([]);
      // Within the resolution is holding steady too.
      const jitter = series(72, (_t, i) => 18.2 + (i % 2) * 0.1);
      expect(checkReadings(stuck, rules, NOW, judge(jitter))).toEqual([]);
    });

    it('find a sensor stuck alone in its building, or whose neighbours sent nothing then', () => {
      expect(checkReadings(stuck, rules, NOW, judge())).toEqual([flat]);
      const before = series(20, wave);
      expect(checkReadings(stuck, rules, NOW, judge(before))).toEqual([flat]);
      expect(checkReadings(stuck, rules, NOW)).toEqual([flat]);
    });
  });

  it('find a meter that goes back, but not one reset to zero', () => {
    let e = 5000;
    const s = series(24, () => (e = Math.round((e + 0.05) * 1000) / 1000));
    s.values[20] = s.values[19] - 3; // a misread
    for (let i = 80; i < s.values.length; i++) s.values[i] = Math.round((i - 80) * 0.05 * 1000) / 1000; // a new meter
    expect(check('energy', s)).toEqual([
      { check: 'decrease', from: s.times[20], to: s.times[20], count: 1, value: s.values[20] },
    ]);
  });

  it('find a jump of a meter by a megawatt hour', () => {
    let e = 5000;
    const s = series(24, () => (e = Math.round((e + 0.05) * 1000) / 1000));
    s.values[50] += 1000;
    expect(check('energy', s)).toEqual([
      { check: 'step', from: s.times[50], to: s.times[50], count: 1, value: s.values[50] },
    ]);
  });

  it('find readings from a gateway whose clock runs ahead', () => {
    const s = series(10, wave);
    const now = s.times[50];
    const runs = check('temperature', s, now);
    // More than ten minutes after the check: from the 52nd reading on.
    expect(runs).toEqual([
      { check: 'future', from: s.times[52], to: s.times[s.times.length - 1], count: 8, value: s.values[52] },
    ]);
  });

  it('flag nothing in a year of the demo district’s clean sensors', () => {
    const year = { from: Date.UTC(2025, 9, 1), hours: 365 * 24 };
    const at = (f: (t: number) => number): Readings => {
      const times: number[] = [];
      const values: number[] = [];
      for (let t = year.from; t < year.from + year.hours * H; t += STEP) {
        times.push(t);
        values.push(f(t));
      }
      return { times, values };
    };
    const dwellings = demoBuildings()
      .flatMap((b) => b.dwellings)
      .filter((d) => (d.profile as DwellingProfile | undefined)?.stuckCo2 === undefined);
    const profiles = dwellings.slice(0, 6).map((d) => d.profile);
    expect(profiles.length).toBeGreaterThan(0);
    const found: string[] = [];
    const look = (name: string, medium: string, points: Readings, ceilings: Ceiling[] = []) => {
      const runs = checkReadings(
        points,
        DEFAULT_RULES[medium],
        year.from + year.hours * H,
        undefined,
        ceilings,
      );
      if (runs.length > 0) found.push(`${name}: ${JSON.stringify(runs[0])}`);
    };
    look('outdoor temperature', 'temperature', at(outdoorTemperature));
    look('outdoor humidity', 'humidity', at(outdoorHumidity));
    for (const p of profiles) {
      look(
        `temperature ${p.seed}`,
        'temperature',
        at((t) => indoorTemperature(p, t)),
      );
      look(
        `bedroom ${p.seed}`,
        'temperature',
        at((t) => indoorTemperature(p, t, 1)),
      );
      look(
        `humidity ${p.seed}`,
        'humidity',
        at((t) => indoorHumidity(p, t)),
      );
      look(
        `co2 ${p.seed}`,
        'co2',
        at((t) => indoorCo2(p, t)),
      );
      const contracted = dwellings.find((d) => d.profile === p)!.contractedPowerW;
      look(
        `power ${p.seed} under ${contracted} W`,
        'power',
        at((t) => powerDraw(p, t)),
        [{ from: -Infinity, to: Infinity, max: contracted }],
      );
      let e = 3000;
      look(
        `energy ${p.seed}`,
        'energy',
        at((t) => (e = Math.round((e + (powerDraw(p, t) * STEP) / 3_600_000 / 1000) * 1000) / 1000)),
      );
    }
    expect(found).toEqual([]);
  });

  it('keep every demo home’s draw under its contracted power', () => {
    const over = demoBuildings()
      .flatMap((b) => b.dwellings)
      .filter((d) => peakDraw(d.profile) > d.contractedPowerW)
      .map((d) => `${d.profile.seed}: ${peakDraw(d.profile)} W over ${d.contractedPowerW} W`);
    expect(over).toEqual([]);
  });

  it('bound power by the contracted power of the dwelling of each reading’s time', () => {
    const s = series(12, () => 1_500);
    s.values[10] = 5_000; // over 4,600 W while the first dwelling is served
    s.values[50] = 5_000; // under 5,750 W in the second
    s.values[60] = 40_000; // over the medium's 30 kW where no dwelling's bound holds
    s.values[61] = -5; // the medium's minimum stays
    const ceilings: Ceiling[] = [
      { from: T0, to: s.times[40], max: 4_600 },
      { from: s.times[40], to: s.times[55], max: 5_750 },
    ];
    expect(checkReadings(s, DEFAULT_RULES.power, NOW, undefined, ceilings)).toEqual([
      { check: 'range', from: s.times[10], to: s.times[10], count: 1, value: 5_000 },
      { check: 'range', from: s.times[60], to: s.times[61], count: 2, value: 40_000 },
    ]);
    // The bound at a span's end is the next span's: a reading at `to` belongs to the later one.
    s.values[40] = 5_000;
    expect(checkReadings(s, DEFAULT_RULES.power, NOW, undefined, ceilings)[1]).toMatchObject({
      from: s.times[60],
    });
  });

  it('find the demo’s stuck CO2 sensor, beside the CO2 sensors of its building', () => {
    const building = demoBuildings().find((b) => b.dwellings.some((d) => d.profile?.stuckCo2 !== undefined))!;
    const profiles = building.dwellings
      .map((d) => d.profile as DwellingProfile | undefined)
      .filter((q): q is DwellingProfile => q !== undefined);
    const p = profiles.find((q) => q.stuckCo2 !== undefined);
    expect(p).toBeDefined();
    const others = profiles.filter((q) => q !== p);
    expect(others.length).toBeGreaterThan(0);
    const s = series(48, (t) => indoorCo2(p!, t));
    const neighbours = others.map((q) => {
      const n = series(48, (t) => indoorCo2(q, t));
      return hoursOf(n);
    });
    const judge = neighboursMoved(neighbours, DEFAULT_RULES.co2.resolution);
    expect(checkReadings(s, DEFAULT_RULES.co2, NOW, judge)).toEqual([
      {
        check: 'stuck',
        from: s.times[0],
        to: s.times[s.times.length - 1],
        count: s.times.length,
        value: p!.stuckCo2,
      },
    ]);
  });
});
