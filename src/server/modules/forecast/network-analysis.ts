import type { Accuracy, Forecast, ResultBuilding, Results, Sufficiency } from '#common/api/forecast.ts';
import { clusterBuildings } from './clustering.ts';
import { heatingDegreeDays, predictDay, regressHdd } from './degree-day-model.ts';
import {
  accuracyOf,
  type DailySeries,
  fitWithAccuracy,
  FOLDS,
  sufficiencyOf,
  weekFolds,
  weekOf,
} from './model-accuracy.ts';

/**
 * The whole network at once: a CalTRACK model per building with its accuracy on held-out weeks,
 * the clusters, and the seed tool's method beside it — one regression of daily heat on heating
 * degree days (base 15 °C) for each cluster's representative building, scaled to each member by
 * heated area — measured on the same held-out weeks; then the network's daily totals.
 */

/** Degree-day base of the cluster-representative regression, °C (the seed tool's, and CIOP's HDD base). */
export const REFERENCE_BASE_C = 15;
/** z of the two-sided 95 % band around a forecast. */
const Z95 = 1.959964;

/** One row of the planning table as the analysis needs it. */
export interface NetworkRow {
  rowId: number;
  buildingId: number | null;
  code: string;
  address: string;
  latitude: number | null;
  longitude: number | null;
  heatedAreaM2: number | null;
  /** Clustering features, null where unknown. */
  features: (number | null)[];
  /** Daily heat and temperature; null when the row has none. */
  series: DailySeries | null;
  /** Why the row has no series, when that is known beforehand. */
  noSeries?: 'not-in-registry' | 'no-weather';
}

export interface NetworkOptions {
  featureNames: string[];
  chosenK: number | null;
  /** Told how far the analysis got, 0–1. */
  onProgress?: (fraction: number, stage: string) => void | Promise<void>;
}

const emptySufficiency = (reason: Sufficiency['reason']): Sufficiency => ({
  firstDate: null,
  lastDate: null,
  spanDays: 0,
  daysWithData: 0,
  missingDays: 0,
  coverage: 0,
  enough: false,
  calTrack: false,
  reason,
});

/** Folds shared by every building: the union of their weeks dealt once, so that one week is held out together everywhere. */
function sharedFolds(rows: readonly NetworkRow[]): Map<number, number> {
  const days = new Set<number>();
  for (const r of rows) if (r.series) for (const d of r.series.day) days.add(d);
  const sorted = Int32Array.from([...days].sort((a, b) => a - b));
  const folds = weekFolds(sorted);
  const map = new Map<number, number>();
  sorted.forEach((d, i) => map.set(weekOf(d), folds[i]));
  return map;
}

/** Daily totals of the network: metered, and predicted out of fold by each method. */
class NetworkDays {
  readonly byDay = new Map<number, { actual: number; own: number; reference: number }>();
  add(day: number, actual: number, own: number, reference: number): void {
    const d = this.byDay.get(day) ?? { actual: 0, own: 0, reference: 0 };
    d.actual += actual;
    d.own += own;
    d.reference += reference;
    this.byDay.set(day, d);
  }
  accuracy(which: 'own' | 'reference', parameters: number): Accuracy | null {
    if (this.byDay.size < 2) return null;
    const days = [...this.byDay.keys()].sort((a, b) => a - b);
    const totals = days.map((d) => this.byDay.get(d)!);
    return accuracyOf(
      days,
      totals.map((t) => t.actual),
      totals.map((t) => t[which]),
      parameters,
    );
  }
  residualStd(): number {
    let n = 0;
    let sum = 0;
    let ss = 0;
    for (const d of this.byDay.values()) {
      const r = d.actual - d.own;
      n++;
      sum += r;
      ss += r * r;
    }
    return n > 1 ? Math.sqrt((ss - (sum * sum) / n) / (n - 1)) : 0;
  }
}

/** Fits, clusters and measures the whole network (`runId` and `finishedAt` are the caller's). */
export async function analyseNetwork(
  rows: readonly NetworkRow[],
  options: NetworkOptions,
): Promise<Omit<Results, 'runId' | 'finishedAt'>> {
  const progress = options.onProgress ?? (() => undefined);
  const foldOfWeek = sharedFolds(rows);
  const foldsOf = (s: DailySeries) => Uint8Array.from(s.day, (d) => foldOfWeek.get(weekOf(d)) as number);

  // 1. A model per building.
  const fits: {
    sufficiency: Sufficiency;
    fit: ReturnType<typeof fitWithAccuracy> | null;
    folds: Uint8Array | null;
  }[] = [];
  const step = Math.max(1, Math.floor(rows.length / 50));
  for (const [i, row] of rows.entries()) {
    const sufficiency = row.series ? sufficiencyOf(row.series) : emptySufficiency(row.noSeries ?? 'no-data');
    if (!row.series || !sufficiency.enough) {
      fits.push({ sufficiency, fit: null, folds: null });
    } else {
      const folds = foldsOf(row.series);
      fits.push({ sufficiency, fit: fitWithAccuracy(row.series, folds), folds });
    }
    if (i % step === 0) await progress((0.8 * (i + 1)) / rows.length, 'models');
  }

  // 2. Clusters, and each cluster's representative among the buildings with a model and an area.
  await progress(0.8, 'clusters');
  const clustering = clusterBuildings(
    rows.map((r) => r.features),
    (i) => fits[i].fit !== null && (rows[i].heatedAreaM2 ?? 0) > 0,
    options.chosenK,
  );

  // 3. The representative's regression, on all its days and without each fold.
  await progress(0.9, 'reference');
  const references = clustering.medoids.map((m) => {
    if (m === null) return null;
    const s = rows[m].series as DailySeries;
    const folds = fits[m].folds as Uint8Array;
    const full = regressHdd(s.temperatureC, s.energyKWh, REFERENCE_BASE_C);
    const perFold = Array.from({ length: FOLDS }, (_, f) => {
      const train = Int32Array.from(folds.keys()).filter((i) => folds[i] !== f);
      return train.length >= 3 ? regressHdd(s.temperatureC, s.energyKWh, REFERENCE_BASE_C, train) : full;
    });
    return { row: m, areaM2: rows[m].heatedAreaM2 as number, full, perFold };
  });

  const network = new NetworkDays();
  const buildings: ResultBuilding[] = rows.map((row, i) => {
    const { fit, sufficiency, folds } = fits[i];
    const cluster = clustering.labels[i];
    const ref = references[cluster] ?? null;
    let reference: Accuracy | null = null;
    if (fit && folds && ref && (row.heatedAreaM2 ?? 0) > 0) {
      const s = row.series as DailySeries;
      const scale = (row.heatedAreaM2 as number) / ref.areaM2;
      const predicted = Float64Array.from(s.day, (_, j) => {
        const r = ref.perFold[folds[j]];
        return (r.intercept + r.slope * heatingDegreeDays(s.temperatureC[j], REFERENCE_BASE_C)) * scale;
      });
      reference = accuracyOf(s.day, s.energyKWh, predicted, 2);
      for (let j = 0; j < s.day.length; j++)
        if (!Number.isNaN(fit.heldOut[j]))
          network.add(s.day[j], s.energyKWh[j], fit.heldOut[j], predicted[j]);
    }
    return {
      rowId: row.rowId,
      buildingId: row.buildingId,
      code: row.code,
      address: row.address,
      latitude: row.latitude,
      longitude: row.longitude,
      heatedAreaM2: row.heatedAreaM2,
      cluster,
      pca: clustering.pca[i],
      medoid: clustering.medoids[cluster] === i,
      sufficiency,
      model: fit
        ? {
            type: fit.model.type,
            balancePointC: fit.model.balancePointC,
            interceptKWhPerDay: fit.model.interceptKWhPerDay,
            slopeKWhPerDegreeDay: fit.model.slopeKWhPerDegreeDay,
            adjR2: fit.model.adjR2,
            r2: fit.model.r2,
            slopePValue: fit.model.slopePValue,
            residualStdKWh: fit.model.residualStdKWh,
            days: fit.model.days,
          }
        : null,
      accuracy: fit ? fit.accuracy : null,
      reference,
    };
  });
  await progress(1, 'done');
  return {
    clusters: clustering.k,
    bestK: clustering.bestK,
    silhouette: clustering.silhouette,
    features: options.featureNames,
    explainedVariance: clustering.explainedVariance,
    buildings,
    clusterModels: references.map((ref, cluster) => ({
      cluster,
      size: clustering.labels.filter((l) => l === cluster).length,
      medoidRowId: ref ? rows[ref.row].rowId : null,
      medoidCode: ref ? rows[ref.row].code : null,
      reference: ref
        ? {
            baseC: REFERENCE_BASE_C,
            interceptKWhPerDay: ref.full.intercept,
            slopeKWhPerDegreeDay: ref.full.slope,
            areaM2: ref.areaM2,
          }
        : null,
    })),
    network: {
      days: network.byDay.size,
      perBuilding: network.accuracy('own', 2),
      reference: network.accuracy('reference', 2),
      residualStdKWh: network.residualStd(),
    },
  };
}

/** A day of forecast weather: its date and mean outdoor temperature, °C. */
export interface ForecastDay {
  date: string;
  temperatureC: number;
}

/**
 * Heat demand of every building on the forecast days: its own model where it has one, else its
 * cluster's representative scaled by its heated area; the network total with a 95 % band of
 * ±1.96 times the standard deviation of the network's daily residual on held-out weeks, and the
 * total of the representative method beside it.
 */
export function forecastDemand(
  results: Results,
  days: readonly ForecastDay[],
  source: Forecast['source'],
): Forecast {
  const refOf = (b: ResultBuilding) => {
    const r = results.clusterModels[b.cluster]?.reference;
    return r && (b.heatedAreaM2 ?? 0) > 0 ? r : null;
  };
  const referenceDay = (b: ResultBuilding, t: number) => {
    const r = refOf(b);
    return r
      ? ((r.interceptKWhPerDay + r.slopeKWhPerDegreeDay * heatingDegreeDays(t, r.baseC)) *
          (b.heatedAreaM2 as number)) /
          r.areaM2
      : 0;
  };
  const buildings = results.buildings
    .filter((b) => b.model !== null || refOf(b) !== null)
    .map((b) => {
      const daysKWh = days.map((d) =>
        b.model ? predictDay({ ...b.model, parameters: 2 }, d.temperatureC) : referenceDay(b, d.temperatureC),
      );
      return {
        rowId: b.rowId,
        code: b.code,
        address: b.address,
        cluster: b.cluster,
        latitude: b.latitude,
        longitude: b.longitude,
        method: b.model ? ('building' as const) : ('cluster' as const),
        totalKWh: daysKWh.reduce((s, v) => s + v, 0),
        daysKWh,
      };
    });
  const band = Z95 * results.network.residualStdKWh;
  return {
    source,
    runId: results.runId,
    days: days.map((d, i) => {
      const total = buildings.reduce((s, b) => s + b.daysKWh[i], 0);
      return {
        date: d.date,
        temperatureC: d.temperatureC,
        totalKWh: total,
        lowKWh: Math.max(0, total - band),
        highKWh: total + band,
        referenceKWh: results.buildings.reduce((s, b) => s + referenceDay(b, d.temperatureC), 0),
      };
    }),
    buildings,
  };
}
