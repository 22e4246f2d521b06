import { describe, expect, it } from 'vitest';
import { fangerPmv, fangerPmvBatch, ppdFromPmv } from './fanger.ts';
import { annexDPmvPpd } from './reference/iso7730-annex-d.ts';
import { ISO_7730_RANGES, type ValidityQuantity } from './validity.ts';

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

interface Conditions {
  tdb: number;
  tr: number;
  vr: number;
  rh: number;
  met: number;
  clo: number;
}

/** A grid over ISO 7730:2005 §4.1's validity range (pa and PMV are checked by {@link insideIso7730}). */
function isoGrid(): Conditions[] {
  const rows: Conditions[] = [];
  for (const tdb of [10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30])
    for (const tr of [10, 15, 20, 25, 30, 35, 40])
      for (const vr of [0, 0.05, 0.1, 0.2, 0.5, 1])
        for (const rh of [0, 25, 50, 75, 100])
          for (const met of [0.8, 1, 1.2, 1.6, 2.4, 4])
            for (const clo of [0, 0.25, 0.5, 1, 1.5, 2]) rows.push({ tdb, tr, vr, rh, met, clo });
  return rows;
}

/** Whether conditions and their PMV are inside every range of ISO 7730:2005 §4.1. */
function insideIso7730(c: Conditions, pmv: number): boolean {
  const values: Record<ValidityQuantity, number> = {
    tdb: c.tdb,
    tr: c.tr,
    vr: c.vr,
    v: c.vr,
    met: c.met,
    clo: c.clo,
    pa: c.rh * 10 * Math.exp(16.6536 - 4030.183 / (c.tdb + 235)),
    pmv,
  };
  return ISO_7730_RANGES.every((r) => values[r.quantity] >= r.min && values[r.quantity] <= r.max);
}

describe('production PMV against the literal ISO 7730 Annex D program', () => {
  it('agrees within 0.01 PMV and 0.1 PPD over ≥ 10,000 conditions inside the validity range', () => {
    let compared = 0;
    let worstPmv = 0;
    let worstPpd = 0;
    for (const c of isoGrid()) {
      const reference = annexDPmvPpd(c.clo, c.met, 0, c.tdb, c.tr, c.vr, c.rh);
      if (!insideIso7730(c, reference.pmv)) continue;
      const pmv = fangerPmv(c.tdb, c.tr, c.vr, c.rh, c.met, c.clo, 0);
      worstPmv = Math.max(worstPmv, Math.abs(pmv - reference.pmv));
      worstPpd = Math.max(worstPpd, Math.abs(ppdFromPmv(pmv) - reference.ppd));
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(10_000);
    expect(worstPmv).toBeLessThanOrEqual(0.01);
    expect(worstPpd).toBeLessThanOrEqual(0.1);
  });

  it('agrees on random conditions with external work', () => {
    const random = seededRandom(7730);
    let compared = 0;
    while (compared < 5_000) {
      const c = {
        tdb: 10 + 20 * random(),
        tr: 10 + 30 * random(),
        vr: random(),
        rh: 100 * random(),
        met: 0.8 + 3.2 * random(),
        clo: 2 * random(),
      };
      const wme = 0.3 * random() * (c.met - 0.8);
      const reference = annexDPmvPpd(c.clo, c.met, wme, c.tdb, c.tr, c.vr, c.rh);
      if (Math.abs(reference.pmv) > 2) continue;
      const pmv = fangerPmv(c.tdb, c.tr, c.vr, c.rh, c.met, c.clo, wme);
      expect(Math.abs(pmv - reference.pmv)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(ppdFromPmv(pmv) - reference.ppd)).toBeLessThanOrEqual(0.1);
      compared++;
    }
  });

  it('the batch kernel gives the scalar answers', () => {
    const grid = isoGrid().slice(0, 5_000);
    const column = (key: keyof Conditions): Float64Array => Float64Array.from(grid, (c) => c[key]);
    const batch = fangerPmvBatch({
      tdb: column('tdb'),
      tr: column('tr'),
      vr: column('vr'),
      rh: column('rh'),
      met: column('met'),
      clo: column('clo'),
    });
    grid.forEach((c, i) => {
      const pmv = fangerPmv(c.tdb, c.tr, c.vr, c.rh, c.met, c.clo);
      expect(batch.pmv[i]).toBe(pmv);
      expect(batch.ppd[i]).toBe(ppdFromPmv(pmv));
    });
  });

  it('reuses the caller’s output buffers', () => {
    const out = { pmv: new Float64Array(2), ppd: new Float64Array(2) };
    const one = Float64Array.of(1, 1);
    const result = fangerPmvBatch(
      {
        tdb: Float64Array.of(22, 27),
        tr: Float64Array.of(22, 27),
        vr: Float64Array.of(0.1, 0.1),
        rh: Float64Array.of(60, 60),
        met: Float64Array.of(1.2, 1.2),
        clo: one.map(() => 0.5),
      },
      out,
    );
    expect(result).toBe(out);
    expect(out.pmv[0]).toBeCloseTo(-0.7526, 3);
    expect(() =>
      fangerPmvBatch({ tdb: one, tr: one, vr: one, rh: one, met: one, clo: Float64Array.of(1) }),
    ).toThrow(RangeError);
  });
});

describe('properties of PMV and PPD', () => {
  it('PMV rises with the air temperature and with the mean radiant temperature (ISO 7730)', () => {
    const random = seededRandom(1);
    for (let i = 0; i < 2_000; i++) {
      const tdb = 10 + 19 * random();
      const tr = 10 + 29 * random();
      const vr = random();
      const rh = 80 * random();
      const met = 0.8 + 3.2 * random();
      const clo = 2 * random();
      const base = fangerPmv(tdb, tr, vr, rh, met, clo);
      expect(fangerPmv(tdb + 0.5, tr, vr, rh, met, clo)).toBeGreaterThan(base);
      expect(fangerPmv(tdb, tr + 0.5, vr, rh, met, clo)).toBeGreaterThan(base);
    }
  });

  it('PPD is at least 5 % everywhere, exactly 5 % at PMV 0', () => {
    expect(ppdFromPmv(0)).toBe(5);
    const random = seededRandom(5);
    for (let i = 0; i < 10_000; i++) {
      expect(ppdFromPmv(-6 + 12 * random())).toBeGreaterThanOrEqual(5);
    }
    for (const c of isoGrid().slice(0, 3_000)) {
      expect(ppdFromPmv(fangerPmv(c.tdb, c.tr, c.vr, c.rh, c.met, c.clo))).toBeGreaterThanOrEqual(5);
    }
  });

  it('PPD is symmetric in PMV', () => {
    const random = seededRandom(9);
    for (let i = 0; i < 10_000; i++) {
      const pmv = 6 * random();
      expect(ppdFromPmv(-pmv)).toBe(ppdFromPmv(pmv));
    }
  });
});
