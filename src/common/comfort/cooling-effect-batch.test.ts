import { describe, expect, it } from 'vitest';
import { coolingEffect } from './cooling-effect.ts';
import { coolingEffectBatch } from './cooling-effect-batch.ts';
import { pmvPpdBatch } from './pmv.ts';

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

const filled = (n: number, value: number): Float64Array => new Float64Array(n).fill(value);

describe('cooling effect of a batch', () => {
  it('homes at 0.1 m/s, 1.2 met, 0.5 clo: interpolated on the checked lattice, within 0.002 K and 0.001 PMV of row-by-row', () => {
    const random = seededRandom(4);
    const n = 4000;
    const input = {
      tdb: Float64Array.from({ length: n }, () => 16 + 14 * random()),
      rh: Float64Array.from({ length: n }, () => 20 + 50 * random()),
      v: filled(n, 0.1),
      met: filled(n, 1.2),
      clo: filled(n, 0.5),
    };
    const shared = pmvPpdBatch(input, { standard: 'ashrae' });
    const alone = pmvPpdBatch(input, { standard: 'ashrae', shareCoolingEffect: false });
    for (let i = 0; i < n; i++) {
      expect(shared.coolingEffectStatus[i]).toBe(alone.coolingEffectStatus[i]);
      expect(Math.abs(shared.coolingEffect[i] - alone.coolingEffect[i])).toBeLessThanOrEqual(0.002);
      expect(Math.abs(shared.pmv[i] - alone.pmv[i])).toBeLessThanOrEqual(0.001);
      expect(Math.abs(shared.ppd[i] - alone.ppd[i])).toBeLessThanOrEqual(0.05);
    }
    // The same rows through the batch solver directly: most are interpolated, few searches run.
    const clo = 0.5 * (0.6 + 0.4 / 1.2);
    const direct = coolingEffectBatch({
      tdb: input.tdb,
      tr: input.tdb,
      vr: filled(n, 0.1 + 0.3 * 0.2),
      rh: input.rh,
      met: filled(n, 1.2),
      clo: filled(n, clo),
      wme: filled(n, 0),
    });
    expect(direct.stats.interpolated).toBeGreaterThan(0.9 * n);
    expect(direct.stats.searches).toBeLessThan(n / 4);
  });

  it('over the validity range, dense groups: PMV within 0.005 everywhere, CE within 0.005 K but in the model’s multi-root bands', () => {
    const random = seededRandom(9);
    let rows = 0;
    let ceOutliers = 0;
    let worstPmv = 0;
    for (const vr of [0.2, 0.6, 1.5])
      for (const met of [1, 1.6])
        for (const clo of [0, 0.6, 1.4]) {
          const n = 1200;
          const tdb = Float64Array.from({ length: n }, () => 12 + 24 * random());
          const rh = Float64Array.from({ length: n }, () => 90 * random());
          const input = { tdb, rh, vr: filled(n, vr), met: filled(n, met), clo: filled(n, clo) };
          const shared = pmvPpdBatch(input, { standard: 'ashrae' });
          const alone = pmvPpdBatch(input, { standard: 'ashrae', shareCoolingEffect: false });
          for (let i = 0; i < n; i++) {
            if (alone.coolingEffectStatus[i] !== 1 || shared.coolingEffectStatus[i] !== 1) continue;
            rows++;
            if (Math.abs(shared.coolingEffect[i] - alone.coolingEffect[i]) > 0.005) ceOutliers++;
            worstPmv = Math.max(worstPmv, Math.abs(shared.pmv[i] - alone.pmv[i]));
          }
        }
    expect(rows).toBeGreaterThan(10_000);
    expect(worstPmv).toBeLessThanOrEqual(0.005);
    // Where a thermoregulation response switches on, SET equivalence has several roots a few
    // hundredths of a kelvin apart and a search may land on any of them.
    expect(ceOutliers / rows).toBeLessThan(0.002);
  });

  it('searches identical rows once and gives them the same answer', () => {
    const n = 50;
    const result = coolingEffectBatch({
      tdb: filled(n, 27),
      tr: filled(n, 27),
      vr: filled(n, 0.8),
      rh: filled(n, 55),
      met: filled(n, 1.1),
      clo: filled(n, 0.5),
      wme: filled(n, 0),
    });
    expect(result.stats.searches).toBe(1);
    const single = coolingEffect(27, 27, 0.8, 55, 1.1, 0.5);
    expect([...new Set(result.ce)]).toEqual([single.ce]);
  });

  it('answers each row of a sparse batch by its own search, to the search tolerance', () => {
    const random = seededRandom(2);
    const n = 60;
    const columns = {
      tdb: Float64Array.from({ length: n }, () => 15 + 15 * random()),
      tr: Float64Array.from({ length: n }, () => 15 + 15 * random()),
      vr: Float64Array.from({ length: n }, () => 0.15 + random()),
      rh: Float64Array.from({ length: n }, () => 80 * random()),
      met: filled(n, 1.2),
      clo: filled(n, 0.7),
      wme: filled(n, 0),
    };
    const result = coolingEffectBatch(columns);
    expect(result.stats.interpolated).toBe(0);
    for (let i = 0; i < n; i++) {
      const single = coolingEffect(columns.tdb[i], columns.tr[i], columns.vr[i], columns.rh[i], 1.2, 0.7);
      if (single.status !== 'converged') continue;
      expect(Math.abs(result.ce[i] - single.ce)).toBeLessThanOrEqual(2e-4);
    }
  });
});
