import { describe, expect, it } from 'vitest';
import { coolingEffect } from './cooling-effect.ts';
import { fangerPmv, ppdFromPmv } from './fanger.ts';
import {
  ComfortComputationError,
  ComfortInputError,
  ComfortRangeError,
  dynamicClothing,
  PMV_BATCH_FLAGS,
  pmvPpd,
  pmvPpdBatch,
  relativeAirSpeed,
} from './pmv.ts';
import { fpmToMetresPerSecond } from './units.ts';

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

describe('ISO 7730 procedure', () => {
  it('is Fanger’s equations as the kernel computes them, row by row and in batch', () => {
    const rows: { tdb: number; tr: number; vr: number; rh: number; met: number; clo: number }[] = [];
    for (const tdb of [10, 16, 22, 28])
      for (const vr of [0, 0.1, 0.4, 1])
        for (const rh of [20, 60])
          for (const met of [0.8, 1.2, 2.4])
            for (const clo of [0, 0.5, 1.5]) rows.push({ tdb, tr: tdb + 3, vr, rh, met, clo });
    const column = (key: 'tdb' | 'tr' | 'vr' | 'rh' | 'met' | 'clo'): Float64Array =>
      Float64Array.from(rows, (r) => r[key]);
    const batch = pmvPpdBatch({
      tdb: column('tdb'),
      tr: column('tr'),
      vr: column('vr'),
      rh: column('rh'),
      met: column('met'),
      clo: column('clo'),
    });
    rows.forEach((r, i) => {
      const single = pmvPpd(r);
      const kernel = fangerPmv(r.tdb, r.tr, r.vr, r.rh, r.met, r.clo);
      expect(single.pmv).toBe(kernel);
      expect(single.ppd).toBe(ppdFromPmv(kernel));
      expect(single.coolingEffect).toEqual({ value: 0, status: 'not-applicable' });
      expect(batch.pmv[i]).toBe(kernel);
      expect((batch.flags[i] & PMV_BATCH_FLAGS.outOfRange) !== 0).toBe(!single.withinValidity);
    });
  });
});

describe('ASHRAE 55 procedure', () => {
  it('PMV rises with temperature, elevated air speed included', () => {
    // Where the SET model reaches its skin-wettedness limit, ASHRAE 55's program steps evaporation
    // up and the cooling effect can jump by more than the temperature step; those results are
    // flagged `uncertain` and left out here (they are hot, sweating conditions).
    const random = seededRandom(55);
    let compared = 0;
    for (let i = 0; i < 150; i++) {
      const input = {
        tdb: 10 + 29 * random(),
        vr: 0.05 + 1.9 * random(),
        rh: 100 * random(),
        met: 1 + 3 * random(),
        clo: 1.5 * random(),
      };
      const warmer = { ...input, tdb: input.tdb + 0.5, tr: input.tdb + 0.5 };
      const a = pmvPpd(input, { standard: 'ashrae' });
      const b = pmvPpd(warmer, { standard: 'ashrae' });
      expect(a.coolingEffect.status).not.toBe('failed');
      expect(b.coolingEffect.status).not.toBe('failed');
      if (a.coolingEffect.status === 'uncertain' || b.coolingEffect.status === 'uncertain') continue;
      expect(b.pmv).toBeGreaterThan(a.pmv);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(60);
  });
});

describe('the two input forms: corrections applied exactly once', () => {
  it('`v` (measured) under ISO 7730 adds the activity’s air speed and leaves clothing alone', () => {
    const result = pmvPpd({ tdb: 25, tr: 25, v: 0.1, rh: 50, met: 1.4, clo: 0.5 });
    expect(result.applied.vr).toBeCloseTo(0.22, 12);
    expect(result.applied.clo).toBe(0.5);
    expect(result.applied.relativeAirSpeed).toBe(true);
    expect(result.applied.dynamicClothing).toBe(false);
    // pythermalcomfort pmv_ppd_iso docstring: v_relative(0.1, 1.4) → PMV 0.17, PPD 5.6.
    expect(result.pmv).toBeCloseTo(0.17, 2);
    expect(result.ppd).toBeCloseTo(5.6, 1);
    expect(result.pmv).toBe(
      pmvPpd({ tdb: 25, tr: 25, vr: relativeAirSpeed(0.1, 1.4), rh: 50, met: 1.4, clo: 0.5 }).pmv,
    );
  });

  it('`v` under ASHRAE 55 also derives the dynamic clothing, and the result equals the `vr` form fed with both', () => {
    const measured = pmvPpd({ tdb: 25, tr: 25, v: 0.1, rh: 50, met: 1.4, clo: 0.5 }, { standard: 'ashrae' });
    expect(measured.applied.relativeAirSpeed).toBe(true);
    expect(measured.applied.dynamicClothing).toBe(true);
    expect(measured.applied.clo).toBeCloseTo(0.5 * (0.6 + 0.4 / 1.4), 12);
    const corrected = pmvPpd(
      { tdb: 25, tr: 25, vr: relativeAirSpeed(0.1, 1.4), rh: 50, met: 1.4, clo: dynamicClothing(0.5, 1.4) },
      { standard: 'ashrae' },
    );
    expect(corrected.applied.relativeAirSpeed).toBe(false);
    expect(corrected.applied.dynamicClothing).toBe(false);
    expect(measured.pmv).toBe(corrected.pmv);
    // pythermalcomfort pmv_ppd_ashrae docstring, same case: PMV 0.0, PPD 5.0.
    expect(Math.abs(measured.pmv)).toBeLessThan(0.005);
    expect(measured.ppd).toBeCloseTo(5.0, 1);
  });

  it('`vr` is used as given: no second relative air speed, no second dynamic clothing', () => {
    const result = pmvPpd(
      { tdb: 25, tr: 25, vr: 0.22, rh: 50, met: 1.4, clo: 0.443 },
      { standard: 'ashrae' },
    );
    expect(result.applied.clo).toBe(0.443);
    // The still air of the cooling-effect procedure stays 0.1 m/s, not 0.1 + 0.3·(met − 1).
    expect(result.applied.vr).toBe(0.1);
    expect(result.coolingEffect.status).toBe('converged');
  });

  it('the corrections follow ASHRAE 55’s thresholds', () => {
    expect(relativeAirSpeed(0.1, 1)).toBe(0.1);
    expect(relativeAirSpeed(0.1, 1.2)).toBeCloseTo(0.16, 12);
    expect(dynamicClothing(1, 1.2)).toBe(1);
    expect(dynamicClothing(1, 2)).toBeCloseTo(0.8, 12);
  });

  it('refuses both or neither air speed', () => {
    expect(() => pmvPpd({ tdb: 22, rh: 50, met: 1.2, clo: 1 } as never)).toThrow(ComfortInputError);
    expect(() => pmvPpd({ tdb: 22, rh: 50, met: 1.2, clo: 1, v: 0.1, vr: 0.1 } as never)).toThrow(
      /either vr .* or v/,
    );
  });
});

describe('ASHRAE 55 cooling effect: reported, never a silent zero', () => {
  it('19.6 °C, 86 %, 0.1 m/s measured, 1.1 met: CE found to be 0 and PMV taken in still air', () => {
    // The relative air speed is 0.13 m/s, too low to cool in the SET model (both speeds are under its
    // natural-convection floor), so CE = 0 is a real answer. ASHRAE 55 then takes PMV at 0.1 m/s:
    // −0.48. pythermalcomfort fails its root search here, warns, returns CE 0 and evaluates Fanger at
    // 0.13 m/s instead (−0.56; pythermalcomfort issue #74).
    const result = pmvPpd({ tdb: 19.6, v: 0.1, rh: 86, met: 1.1, clo: 1 }, { standard: 'ashrae' });
    expect(result.coolingEffect).toEqual({ value: 0, status: 'converged' });
    expect(result.applied.vr).toBe(0.1);
    expect(result.pmv).toBeCloseTo(fangerPmv(19.6, 19.6, 0.1, 86, 1.1, 1), 12);
    expect(result.pmv).toBeCloseTo(-0.4755, 3);
  });

  it('a search that finds no root says so, and the PMV is NaN with the reason', () => {
    // The case pythermalcomfort pins to "CE = 0" (tests/test_cooling_effect.py).
    const ce = coolingEffect(0, 80, 5, 60, 3, 1);
    expect(ce.status).toBe('failed');
    expect(ce.ce).toBeNaN();
    expect(ce.reason).toMatch(/no air and radiant temperature shift/);
    const result = pmvPpd({ tdb: 0, tr: 80, vr: 5, rh: 60, met: 3, clo: 1 }, { standard: 'ashrae' });
    expect(result.pmv).toBeNaN();
    expect(result.ppd).toBeNaN();
    expect(result.coolingEffect.status).toBe('failed');
    expect(result.failure).toMatch(/cooling effect of elevated air speed not found/);
    expect(() =>
      pmvPpd({ tdb: 0, tr: 80, vr: 5, rh: 60, met: 3, clo: 1 }, { standard: 'ashrae', strict: true }),
    ).toThrow(ComfortRangeError);
  });

  it('a cooling effect found at the SET model’s wettedness limit is kept but flagged uncertain', () => {
    const input = { tdb: 28.94, vr: 0.32, rh: 78.5, met: 1.94, clo: 0.53 };
    const result = pmvPpd(input, { standard: 'ashrae' });
    expect(result.withinValidity).toBe(true);
    expect(result.coolingEffect.status).toBe('uncertain');
    expect(result.coolingEffect.reason).toMatch(/skin-wettedness limit/);
    expect(Number.isFinite(result.pmv)).toBe(true);
    expect(() => pmvPpd(input, { standard: 'ashrae', strict: true })).toThrow(ComfortComputationError);
  });

  it('CE is reported as found, negative too: humid air warmer than the skin heats when it moves', () => {
    // 42 °C, 95 %: above ASHRAE 55's range, where the reference tools clamp CE to 0.
    const ce = coolingEffect(42, 42, 0.5, 95, 1, 0.3);
    expect(ce.status).toBe('converged');
    expect(ce.ce).toBeCloseTo(-0.31, 2);
  });
});

describe('validity ranges: reported, not clamped; strict mode refuses with the input and the range', () => {
  it('ISO 7730: 35 °C is reported and still computed at 35 °C', () => {
    const result = pmvPpd({ tdb: 35, tr: 35, vr: 0.1, rh: 40, met: 1.2, clo: 0.5 });
    expect(result.withinValidity).toBe(false);
    expect(result.violations).toContainEqual({
      quantity: 'tdb',
      value: 35,
      min: 10,
      max: 30,
      unit: '°C',
      standard: 'ISO 7730:2005',
    });
    expect(result.pmv).toBe(fangerPmv(35, 35, 0.1, 40, 1.2, 0.5));
  });

  it('strict mode names the input and the range', () => {
    expect(() => pmvPpd({ tdb: 35, vr: 0.1, rh: 40, met: 1.2, clo: 0.5 }, { strict: true })).toThrow(
      'tdb = 35 °C is outside the validity range of ISO 7730:2005 (10 to 30 °C)',
    );
    expect(() => pmvPpd({ tdb: 22, vr: 1.5, rh: 40, met: 1.2, clo: 0.5 }, { strict: true })).toThrow(
      'vr = 1.5 m/s is outside the validity range of ISO 7730:2005 (0 to 1 m/s)',
    );
    expect(() =>
      pmvPpd({ tdb: 22, vr: 0.1, rh: 40, met: 0.7, clo: 0.5 }, { standard: 'ashrae', strict: true }),
    ).toThrow('met = 0.7 met is outside the validity range of ANSI/ASHRAE 55-2023 (1 to 4 met)');
    expect(() =>
      pmvPpd({ tdb: 22, vr: 0.1, rh: 40, met: 1.2, clo: 1.8 }, { standard: 'ashrae', strict: true }),
    ).toThrow(/clo = 1\.8 clo .* \(0 to 1\.5 clo\)/);
    try {
      pmvPpd({ tdb: 30, tr: 40, vr: 0.1, rh: 50, met: 2, clo: 1.5 }, { strict: true });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ComfortRangeError);
      // Every input is in range; the PMV itself (above +2) is not.
      expect((error as ComfortRangeError).violations.map((v) => v.quantity)).toEqual(['pmv']);
    }
  });

  it('strict mode in I-P names the range in °F and fpm', () => {
    expect(() =>
      pmvPpd({ tdb: 95, vr: 20, rh: 40, met: 1.2, clo: 0.5 }, { units: 'IP', strict: true }),
    ).toThrow('tdb = 95 °F is outside the validity range of ISO 7730:2005 (50 to 86 °F)');
    expect(() =>
      pmvPpd({ tdb: 72, vr: 250, rh: 40, met: 1.2, clo: 0.5 }, { units: 'IP', strict: true }),
    ).toThrow(/vr = 250 fpm .* \(0 to 196\.85 fpm\)/);
  });

  it('the water vapour pressure limit of ISO 7730 (2700 Pa) is checked', () => {
    const result = pmvPpd({ tdb: 30, vr: 0.1, rh: 90, met: 1.2, clo: 0.5 });
    expect(result.violations.map((v) => v.quantity)).toContain('pa');
  });

  it('ASHRAE 55 without occupant control limits the air speed for sedentary, lightly clothed occupants', () => {
    // pythermalcomfort airspeed_control=False: 26 °C at 0.9 m/s, 24 °C at 0.6, 22 °C at 0.3 are out.
    for (const [t, vr, limit] of [
      [26, 0.9, 0.8],
      [24, 0.6, 50.49 - 4.4047 * 24 + 0.096425 * 24 * 24],
      [22, 0.3, 0.2],
    ]) {
      const free = pmvPpd({ tdb: t, vr, rh: 50, met: 1.1, clo: 0.5 }, { standard: 'ashrae' });
      expect(free.withinValidity).toBe(true);
      const controlled = pmvPpd(
        { tdb: t, vr, rh: 50, met: 1.1, clo: 0.5 },
        { standard: 'ashrae', airspeedControl: false },
      );
      expect(controlled.withinValidity).toBe(false);
      expect(controlled.violations[0].quantity).toBe('v');
      expect(controlled.violations[0].max).toBeCloseTo(limit, 9);
      expect(controlled.pmv).toBe(free.pmv);
    }
  });

  it('impossible input is refused whatever the mode', () => {
    expect(() => pmvPpd({ tdb: Number.NaN, vr: 0.1, rh: 50, met: 1.2, clo: 0.5 })).toThrow(ComfortInputError);
    expect(() => pmvPpd({ tdb: 22, vr: 0.1, rh: 120, met: 1.2, clo: 0.5 })).toThrow(
      /rh must be between 0 and 100/,
    );
    expect(() => pmvPpd({ tdb: 22, vr: -0.1, rh: 50, met: 1.2, clo: 0.5 })).toThrow(
      /vr must not be negative/,
    );
    expect(() => pmvPpd({ tdb: 22, vr: 0.1, rh: 50, met: 1.2, clo: -1 })).toThrow(/clo must not be negative/);
    expect(() => pmvPpd({ tdb: 22, vr: 0.1, rh: 50, met: 1.2, clo: 1 }, { standard: 'en' as never })).toThrow(
      /standard must be/,
    );
  });
});

describe('I-P units', () => {
  it('°F and fpm give the SI answer', () => {
    const si = pmvPpd({ tdb: 25, tr: 23, vr: 0.15, rh: 50, met: 1.2, clo: 0.5 });
    const ip = pmvPpd({ tdb: 77, tr: 73.4, vr: 0.15 / 0.00508, rh: 50, met: 1.2, clo: 0.5 }, { units: 'IP' });
    expect(ip.pmv).toBeCloseTo(si.pmv, 10);
    expect(ip.units).toBe('IP');
    expect(ip.applied.tdb).toBeCloseTo(77, 10);
    expect(ip.applied.vr).toBeCloseTo(0.15 / 0.00508, 8);
  });

  it('the cooling effect, a temperature difference, converts by ×1.8 only', () => {
    // 25 °C, 0.5 m/s, 50 %, 1 met, 0.6 clo: CE = 2.167 K = 3.900 °F. (pythermalcomfort prints 3.95 °F:
    // it scales the difference by 3.28 / 1.8, a feet-per-metre factor.)
    const si = pmvPpd({ tdb: 25, vr: 0.5, rh: 50, met: 1, clo: 0.6 }, { standard: 'ashrae' });
    const ip = pmvPpd(
      { tdb: 77, vr: 0.5 / fpmToMetresPerSecond(1), rh: 50, met: 1, clo: 0.6 },
      { standard: 'ashrae', units: 'IP' },
    );
    expect(si.coolingEffect.value).toBeCloseTo(2.167, 3);
    expect(ip.coolingEffect.value).toBeCloseTo(si.coolingEffect.value * 1.8, 8);
    expect(ip.coolingEffect.value).toBeCloseTo(3.9, 2);
    expect(ip.applied.tdb).toBeCloseTo(77 - ip.coolingEffect.value, 8);
    expect(ip.pmv).toBeCloseTo(si.pmv, 8);
  });
});

describe('batch', () => {
  const rows = [
    { tdb: 22, v: 0.1, rh: 50, met: 1.2, clo: 1.0 },
    { tdb: 27, v: 0.4, rh: 60, met: 1.4, clo: 0.5 },
    { tdb: 35, v: 0.1, rh: 40, met: 1.2, clo: 0.5 },
    { tdb: 19.6, v: 0.1, rh: 86, met: 1.1, clo: 1.0 },
  ];
  const column = (key: 'tdb' | 'v' | 'rh' | 'met' | 'clo'): Float64Array =>
    Float64Array.from(rows, (r) => r[key]);
  const input = {
    tdb: column('tdb'),
    v: column('v'),
    rh: column('rh'),
    met: column('met'),
    clo: column('clo'),
  };

  for (const standard of ['iso', 'ashrae'] as const) {
    it(`gives the single-row answers and flags (${standard})`, () => {
      // Searched row by row, as pmvPpd does, the answers are the same to the bit.
      const batch = pmvPpdBatch(input, { standard, shareCoolingEffect: false });
      rows.forEach((row, i) => {
        const single = pmvPpd(row, { standard });
        expect(batch.pmv[i]).toBe(single.pmv);
        expect(batch.ppd[i]).toBe(single.ppd);
        expect(batch.coolingEffect[i]).toBe(single.coolingEffect.value);
        expect((batch.flags[i] & PMV_BATCH_FLAGS.outOfRange) !== 0).toBe(!single.withinValidity);
      });
      expect(batch.standard).toBe(standard === 'iso' ? 'ISO 7730:2005' : 'ANSI/ASHRAE 55-2023');
      // Sharing the searches (the default) moves the cooling effect within the search tolerance.
      const shared = pmvPpdBatch(input, { standard });
      rows.forEach((row, i) => {
        expect(Math.abs(shared.coolingEffect[i] - batch.coolingEffect[i])).toBeLessThanOrEqual(2e-4);
        expect(Math.abs(shared.pmv[i] - batch.pmv[i])).toBeLessThanOrEqual(1e-4);
        expect(shared.flags[i]).toBe(batch.flags[i]);
      });
    });
  }

  it('flags a failed row and names the row in errors', () => {
    const failing = pmvPpdBatch(
      {
        tdb: Float64Array.of(22, 0),
        tr: Float64Array.of(22, 80),
        vr: Float64Array.of(0.1, 5),
        rh: Float64Array.of(50, 60),
        met: Float64Array.of(1.2, 3),
        clo: Float64Array.of(1, 1),
      },
      { standard: 'ashrae' },
    );
    expect(failing.flags[0]).toBe(0);
    expect(failing.flags[1] & PMV_BATCH_FLAGS.failed).not.toBe(0);
    expect(failing.pmv[1]).toBeNaN();
    expect(() => pmvPpdBatch(input, { strict: true })).toThrow(/^row 2: tdb = 35 °C/);
    expect(() => pmvPpdBatch({ ...input, rh: Float64Array.of(50, 60, 140, 50) })).toThrow(
      /^row 2: rh must be/,
    );
    expect(() => pmvPpdBatch({ ...input, rh: Float64Array.of(50) })).toThrow(/rh holds 1 values/);
  });
});

describe('pmvPpdBatch: what flagged rows are about', () => {
  it('gives each flagged row the violations and failure pmvPpd gives it alone, and nothing for the others', () => {
    let seed = 11;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const n = 600;
    // Wide ranges on purpose: many rows out of range in one or more quantities.
    const column = (low: number, high: number) =>
      Float64Array.from({ length: n }, () => low + (high - low) * random());
    for (const [standard, units] of [
      ['iso', 'SI'],
      ['ashrae', 'SI'],
      ['ashrae', 'IP'],
    ] as const) {
      const ip = units === 'IP';
      const input = {
        tdb: ip ? column(40, 100) : column(5, 38),
        tr: ip ? column(40, 110) : column(5, 45),
        v: ip ? column(0, 300) : column(0, 1.5),
        rh: column(0, 100),
        met: column(0.7, 4.5),
        clo: column(0, 2.5),
      };
      const batch = pmvPpdBatch(input, { standard, units });
      let flagged = 0;
      for (let i = 0; i < n; i++) {
        const alone = pmvPpd(
          {
            tdb: input.tdb[i],
            tr: input.tr[i],
            v: input.v[i],
            rh: input.rh[i],
            met: input.met[i],
            clo: input.clo[i],
          },
          { standard, units },
        );
        const detail = batch.details.get(i);
        if (batch.flags[i] === 0) {
          expect(detail).toBeUndefined();
          expect(alone.violations).toEqual([]);
          continue;
        }
        flagged++;
        expect(detail?.violations).toEqual(alone.violations);
        expect(detail?.failure).toBe(alone.failure);
      }
      expect(flagged).toBeGreaterThan(n / 4);
      expect(batch.details.get(-1)).toBeUndefined();
      expect(batch.details.get(n)).toBeUndefined();
    }
  });
});
