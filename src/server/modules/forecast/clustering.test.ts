import { describe, expect, it } from 'vitest';
import { clusterBuildings, medoidsOf, scaleFeatures, silhouette } from './clustering.ts';

/** Points around `centres`, `each` per centre, on a fixed lattice of offsets (no randomness). */
function blobs(centres: number[][], each: number, spread = 0.3): number[][] {
  const out: number[][] = [];
  for (const c of centres)
    for (let i = 0; i < each; i++) out.push(c.map((v, d) => v + spread * Math.sin(i * 1.7 + d * 2.3)));
  return out;
}

describe('clustering', () => {
  it('scales features to zero mean and unit variance, filling the unknown with the mean and leaving out the constant', () => {
    const { data, kept } = scaleFeatures([
      [1, 5, null],
      [3, 5, 10],
      [null, 5, 20],
    ]);
    expect(kept).toEqual([0, 2]);
    const column = data.map((r) => r[0]);
    expect(column.reduce((s, v) => s + v, 0)).toBeCloseTo(0, 10);
    expect(data[2][0]).toBe(0);
  });

  it('scores well-separated clusters near 1 and a split of one blob lower (Rousseeuw’s silhouette)', () => {
    const points = blobs(
      [
        [0, 0],
        [10, 0],
        [0, 10],
      ],
      10,
    );
    const labels = points.map((_, i) => Math.floor(i / 10));
    expect(silhouette(points, labels, 3)).toBeGreaterThan(0.9);
    const line = [[0], [1], [10], [11]];
    // For point 0: a = 1, b = mean(10, 11) = 10.5 → s = 0.9048; symmetric for the others.
    expect(silhouette(line, [0, 0, 1, 1], 2)).toBeCloseTo(
      ((10.5 - 1) / 10.5) * 0.5 + ((9.5 - 1) / 9.5) * 0.5,
      6,
    );
  });

  it('finds the number of blobs, the same way every time, and a representative among the eligible', () => {
    const points = blobs(
      [
        [0, 0, 0],
        [8, 0, 0],
        [0, 8, 0],
        [0, 0, 8],
      ],
      12,
    );
    const first = clusterBuildings(points, () => true);
    expect(first.bestK).toBe(4);
    expect(first.k).toBe(4);
    expect(first.silhouette.map((s) => s.k)).toEqual([3, 4, 5, 6, 7]);
    expect(clusterBuildings(points, () => true)).toEqual(first);
    // Each blob is one cluster.
    for (let b = 0; b < 4; b++) expect(new Set(first.labels.slice(b * 12, b * 12 + 12)).size).toBe(1);
    // The planner's k wins over the best.
    expect(clusterBuildings(points, () => true, 6).k).toBe(6);
    // Medoids only among the eligible rows; a cluster without any borrows the nearest eligible.
    const even = (i: number) => i % 2 === 0;
    const medoids = medoidsOf(points, first.labels, 4, even);
    for (const [c, m] of medoids.entries()) {
      expect(m).not.toBeNull();
      expect(even(m as number)).toBe(true);
      expect(first.labels[m as number]).toBe(c);
    }
    const onlyFirstBlob = (i: number) => i < 12;
    const borrowed = medoidsOf(points, first.labels, 4, onlyFirstBlob);
    expect(borrowed.every((m) => m !== null && m < 12)).toBe(true);
  });

  it('puts every building in one cluster when there are too few to cluster', () => {
    const few = clusterBuildings([[1], [2], [3]], () => true);
    expect(few).toMatchObject({ k: 1, labels: [0, 0, 0], silhouette: [] });
  });
});
