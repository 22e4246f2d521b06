import { kmeans } from 'ml-kmeans';
import { PCA } from 'ml-pca';
import { MAX_CLUSTERS, MIN_CLUSTERS } from '#common/api/forecast.ts';

/**
 * Clusters of buildings by their characteristics: features scaled to zero mean and unit
 * variance, k-means (k-means++ initialisation, fixed seed) for k = 3…7, each k scored by its mean
 * silhouette coefficient (Rousseeuw 1987), PCA to two dimensions for a scatter, and each
 * cluster's medoid as its representative.
 */

/** Seed of the k-means initialisation, so the same table gives the same clusters. */
export const KMEANS_SEED = 42;
/** Silhouettes of more points than this are computed on a sample of them (the score is O(n²)). */
export const SILHOUETTE_SAMPLE = 2000;

/**
 * Features scaled to zero mean and unit variance; a missing value (null or NaN) takes its
 * feature's mean, and a feature that does not vary is left out. Returns the rows and the kept
 * feature indices.
 */
export function scaleFeatures(rows: readonly (readonly (number | null)[])[]): {
  data: number[][];
  kept: number[];
} {
  const width = rows[0]?.length ?? 0;
  const kept: number[] = [];
  const means: number[] = [];
  const sds: number[] = [];
  for (let j = 0; j < width; j++) {
    let n = 0;
    let sum = 0;
    for (const r of rows) {
      const v = r[j];
      if (v !== null && Number.isFinite(v)) {
        n++;
        sum += v;
      }
    }
    if (n === 0) continue;
    const mean = sum / n;
    let ss = 0;
    for (const r of rows) {
      const v = r[j];
      ss += v !== null && Number.isFinite(v) ? (v - mean) ** 2 : 0;
    }
    const sd = Math.sqrt(ss / rows.length);
    if (!(sd > 1e-12)) continue;
    kept.push(j);
    means.push(mean);
    sds.push(sd);
  }
  const data = rows.map((r) =>
    kept.map((j, c) => {
      const v = r[j];
      return v !== null && Number.isFinite(v) ? (v - means[c]) / sds[c] : 0;
    }),
  );
  return { data, kept };
}

function distance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** A deterministic sample of `count` indices out of `n` (every n/count-th after a seeded shift). */
function sampleIndices(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const step = n / count;
  return Array.from({ length: count }, (_, i) => Math.floor(i * step));
}

/**
 * Mean silhouette coefficient of a clustering: for each point, (b − a) / max(a, b), with a its
 * mean distance to its own cluster and b to the nearest other cluster (Rousseeuw 1987); points
 * alone in their cluster count 0. Over `SILHOUETTE_SAMPLE` points at most.
 */
export function silhouette(data: readonly number[][], labels: readonly number[], k: number): number {
  const points = sampleIndices(data.length, SILHOUETTE_SAMPLE);
  let total = 0;
  for (const i of points) {
    const sums = new Float64Array(k);
    const counts = new Float64Array(k);
    for (const j of points) {
      if (j === i) continue;
      sums[labels[j]] += distance(data[i], data[j]);
      counts[labels[j]]++;
    }
    const own = labels[i];
    if (counts[own] === 0) continue;
    const a = sums[own] / counts[own];
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && counts[c] > 0) b = Math.min(b, sums[c] / counts[c]);
    if (!Number.isFinite(b)) continue;
    total += (b - a) / Math.max(a, b);
  }
  return total / points.length;
}

/** The clustering of the buildings. */
export interface Clustering {
  /** k used. */
  k: number;
  /** k of the best silhouette. */
  bestK: number;
  silhouette: { k: number; score: number }[];
  /** Cluster of each row, 0-based, numbered by decreasing size. */
  labels: number[];
  /** Two principal components of each row. */
  pca: [number, number][];
  /** Share of the variance the two components explain. */
  explainedVariance: [number, number];
  /** Row index of each cluster's medoid (among the eligible rows), or null. */
  medoids: (number | null)[];
}

/** Renumbers labels by decreasing cluster size, so cluster 0 is the largest whatever the seed drew. */
function bySize(labels: readonly number[], k: number): number[] {
  const sizes = Array.from({ length: k }, (_, c) => ({ c, n: labels.filter((l) => l === c).length }));
  sizes.sort((a, b) => b.n - a.n || a.c - b.c);
  const to = new Map(sizes.map((s, i) => [s.c, i]));
  return labels.map((l) => to.get(l) as number);
}

/**
 * The medoid of each cluster: the eligible member (one with a model of its own) of least total
 * distance to every member of its cluster; for a cluster without an eligible member, the
 * eligible row of least total distance to its members.
 */
export function medoidsOf(
  data: readonly number[][],
  labels: readonly number[],
  k: number,
  eligible: (row: number) => boolean,
): (number | null)[] {
  const out: (number | null)[] = [];
  for (let c = 0; c < k; c++) {
    const members = labels.flatMap((l, i) => (l === c ? [i] : []));
    const probes = sampleIndices(members.length, SILHOUETTE_SAMPLE).map((i) => members[i]);
    let best: number | null = null;
    let bestSum = Infinity;
    // A cluster of rows without data of their own (buildings outside the registry) borrows the
    // eligible row nearest to its members, so that they can still be forecast.
    const candidates = members.some(eligible) ? members : labels.map((_, i) => i);
    for (const i of candidates) {
      if (!eligible(i)) continue;
      let sum = 0;
      for (const j of probes) sum += distance(data[i], data[j]);
      if (sum < bestSum) {
        bestSum = sum;
        best = i;
      }
    }
    out.push(best);
  }
  return out;
}

/**
 * Clusters the rows (`features[row][feature]`, null where unknown) for k = 3…7, chooses the k of
 * the best silhouette unless `chosenK` says otherwise, projects them on two principal components
 * and picks each cluster's medoid among the eligible rows.
 */
export function clusterBuildings(
  features: readonly (readonly (number | null)[])[],
  eligible: (row: number) => boolean,
  chosenK: number | null = null,
): Clustering {
  const n = features.length;
  const { data } = scaleFeatures(features);
  const dims = data[0]?.length ?? 0;
  const maxK = Math.min(MAX_CLUSTERS, n - 1);
  if (n < MIN_CLUSTERS + 1 || dims === 0 || maxK < MIN_CLUSTERS) {
    const labels = features.map(() => 0);
    return {
      k: 1,
      bestK: 1,
      silhouette: [],
      labels,
      pca: features.map(() => [0, 0]),
      explainedVariance: [0, 0],
      medoids: medoidsOf(data.length ? data : features.map(() => []), labels, 1, eligible),
    };
  }
  const runs = new Map<number, number[]>();
  const scores: { k: number; score: number }[] = [];
  for (let k = MIN_CLUSTERS; k <= maxK; k++) {
    const result = kmeans(data, k, { initialization: 'kmeans++', seed: KMEANS_SEED, maxIterations: 300 });
    const labels = bySize(result.clusters, k);
    runs.set(k, labels);
    scores.push({ k, score: silhouette(data, labels, k) });
  }
  const bestK = scores.reduce((a, b) => (b.score > a.score ? b : a)).k;
  const k = chosenK !== null && runs.has(chosenK) ? chosenK : bestK;
  const labels = runs.get(k) as number[];

  let pca: [number, number][];
  let explainedVariance: [number, number];
  if (dims >= 2) {
    // The features are already scaled; PCA centres them again, which changes nothing.
    const model = new PCA(data, { center: true, scale: false });
    const projected = model.predict(data, { nComponents: 2 }).to2DArray();
    pca = projected.map((r) => [r[0], r[1]]);
    const variance = model.getExplainedVariance();
    explainedVariance = [variance[0] ?? 0, variance[1] ?? 0];
  } else {
    pca = data.map((r) => [r[0], 0]);
    explainedVariance = [1, 0];
  }
  return {
    k,
    bestK,
    silhouette: scores,
    labels,
    pca,
    explainedVariance,
    medoids: medoidsOf(data, labels, k, eligible),
  };
}
