import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { DateTime } from 'luxon';
import {
  DEFAULT_ORIENTATION_WEIGHTS,
  type FitResult,
  type Forecast,
  type ForecastSettings,
  MAX_FORECAST_DAYS,
  type Orientation,
  ORIENTATIONS,
  type PlanningColumn,
  type PlanningFields,
  type PlanningRow,
  type PlanningTable,
  RETROFIT_STATES,
  type Results,
  type Run,
} from '#common/api/forecast.ts';
import { systemPrincipal } from '../../access/visibility.ts';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/schema.ts';
import { badRequest, conflict, notFound } from '../../plugins/errors.ts';
import { getSetting, setSetting } from '../../settings/instance-settings.store.ts';
import type { ReadingsService } from '../readings/readings.service.ts';
import { fitSeries, parseFitDays } from './fit-request.ts';
import * as store from './forecast.store.ts';
import { serviceForecast, syntheticForecast, uploadedForecast } from './forecast-weather.ts';
import type { DailySeries } from './model-accuracy.ts';
import { analyseNetwork, type ForecastDay, forecastDemand, type NetworkRow } from './network-analysis.ts';
import { planningCsv, planningXlsx, readPlanningFile } from './planning-file.ts';

const SETTINGS_KEY = 'forecast.settings';
const WEATHER_READER = systemPrincipal('heat demand models: district weather station');
/** A run still "running" after this long was left by a replica that stopped, ms. */
const STALE_RUN_MS = 6 * 3_600_000;
const DAY_MS = 86_400_000;
/** Buildings whose heat records one query reads. */
const HEAT_READ_BUILDINGS = 500;

const DEFAULT_SETTINGS: ForecastSettings = {
  orientationWeights: { ...DEFAULT_ORIENTATION_WEIGHTS },
  clusters: null,
  publicRead: false,
};

/** The planning table's built-in clustering features, in order. */
export const BUILT_IN_FEATURES = [
  'floors',
  'heatedAreaM2',
  'orientationWeight',
  'adjacentBlocks',
  'shadowedFacades',
  'retrofit',
  'windowShare',
  'newWindowShare',
  'doubleGlazingShare',
  'districtHeating',
] as const;

/** The clustering features of a planning row (null where unknown). */
export function featuresOf(
  row: PlanningRow,
  weights: Record<Orientation, number>,
  numericColumns: readonly string[],
): (number | null)[] {
  const extra = numericColumns.map((k) => {
    const v = row.extra[k];
    return typeof v === 'number' ? v : null;
  });
  return [
    row.floors,
    row.heatedAreaM2,
    row.orientation ? weights[row.orientation] : null,
    row.adjacentBlocks,
    row.shadowedFacades,
    row.retrofit ? RETROFIT_STATES.indexOf(row.retrofit) / 2 : null,
    row.windowShare,
    row.newWindowShare,
    row.doubleGlazingShare,
    row.districtHeating ? 1 : 0,
    ...extra,
  ];
}

/** What the registry's building features say of a planning row. */
function fromRegistry(
  b: Awaited<ReturnType<typeof store.registryBuildingsMissing>>[number],
): Partial<PlanningFields> & {
  code: string;
} {
  const f = JSON.parse(b.features || '{}') as Record<string, unknown>;
  const num = (k: string) => (typeof f[k] === 'number' ? (f[k] as number) : null);
  const orientation = typeof f.orientation === 'string' ? f.orientation.toUpperCase() : null;
  const status = typeof f.retrofit_status === 'string' ? f.retrofit_status.toLowerCase() : null;
  const retrofit =
    status === null
      ? null
      : ['done', 'renovated', 'finished'].includes(status)
        ? 'renovated'
        : ['in_progress', 'in-progress', 'works', 'ongoing'].includes(status)
          ? 'in-progress'
          : 'non-renovated';
  return {
    code: b.code,
    address: b.address,
    latitude: b.latitude,
    longitude: b.longitude,
    floors: b.floors,
    heatedAreaM2: b.area1,
    carrier: b.carrier1,
    districtHeating: b.carrier1 === 'district_heating' || b.carrier2 === 'district_heating',
    orientation: (ORIENTATIONS as readonly string[]).includes(orientation ?? '')
      ? (orientation as Orientation)
      : null,
    adjacentBlocks: num('adjacent_blocks'),
    shadowedFacades: num('shadowed_facades'),
    retrofit,
    windowShare: num('window_share'),
    newWindowShare: num('new_window_share'),
    doubleGlazingShare: num('double_glazing_share'),
    extra: {},
  };
}

export interface ForecastDeps {
  db: Kysely<Database>;
  config: Config;
  logger: Logger;
  readings: ReadingsService;
}

/** Heat demand planning: the planning table, fitting runs and their results, forecasts. */
export class ForecastService {
  private readonly db: Kysely<Database>;
  private running: Promise<void> | undefined;

  constructor(private readonly deps: ForecastDeps) {
    this.db = deps.db;
  }

  /** The stateless fit API: the CalTRACK model of any daily series, with its held-out accuracy. */
  fit(days: readonly unknown[]): FitResult {
    return fitSeries(parseFitDays(days));
  }

  // --- Settings ---------------------------------------------------------------------------------

  async settings(): Promise<ForecastSettings> {
    const stored = await getSetting(this.db, SETTINGS_KEY);
    if (!stored) return structuredClone(DEFAULT_SETTINGS);
    const s = JSON.parse(stored) as Partial<ForecastSettings>;
    return {
      orientationWeights: { ...DEFAULT_ORIENTATION_WEIGHTS, ...s.orientationWeights },
      clusters: s.clusters ?? null,
      publicRead: s.publicRead ?? false,
    };
  }

  async updateSettings(patch: Partial<ForecastSettings>): Promise<ForecastSettings> {
    const next = { ...(await this.settings()), ...patch };
    await setSetting(this.db, SETTINGS_KEY, JSON.stringify(next));
    return next;
  }

  // --- Planning table -------------------------------------------------------------------------

  async table(): Promise<PlanningTable> {
    const [rows, columns, settings] = await Promise.all([
      store.listRows(this.db),
      store.listColumns(this.db),
      this.settings(),
    ]);
    return { rows, columns, settings };
  }

  /** Adds a row for every registry building not yet in the table; returns how many. */
  async prefill(now: number): Promise<number> {
    const missing = await store.registryBuildingsMissing(this.db);
    let added = 0;
    for (const b of missing) {
      if (await store.findRowByCode(this.db, b.code)) continue;
      await store.insertRow(this.db, Number(b.id), fromRegistry(b), now);
      added++;
    }
    return added;
  }

  private async checkExtra(extra: PlanningFields['extra'] | undefined): Promise<void> {
    if (!extra) return;
    const columns = new Map((await store.listColumns(this.db)).map((c) => [c.key, c]));
    for (const [key, value] of Object.entries(extra)) {
      const column = columns.get(key);
      if (!column) throw badRequest(`extra.${key}: there is no column ${key}; add it first.`);
      if (value !== null && typeof value !== column.type)
        throw badRequest(
          `extra.${key}: the column ${column.label} holds ${column.type === 'number' ? 'numbers' : 'text'}.`,
        );
    }
  }

  async createRow(
    body: Partial<PlanningFields> & { code: string; buildingId?: number | null },
    now: number,
  ): Promise<PlanningRow> {
    await this.checkExtra(body.extra);
    if (await store.findRowByCode(this.db, body.code))
      throw conflict(`code: the planning table already has a row ${body.code}.`);
    let buildingId: number | null = null;
    let fields: Partial<PlanningFields> & { code: string } = body;
    if (body.buildingId) {
      const missing = (await store.registryBuildingsMissing(this.db)).find(
        (b) => Number(b.id) === body.buildingId,
      );
      if (!missing)
        throw badRequest(
          `buildingId: building ${body.buildingId} is not in the registry, or already has a row.`,
        );
      buildingId = body.buildingId;
      fields = { ...fromRegistry(missing), ...body };
    }
    const id = await store.insertRow(this.db, buildingId, fields, now);
    return (await store.findRow(this.db, id)) as PlanningRow;
  }

  async updateRow(id: number, patch: Partial<PlanningFields>, now: number): Promise<PlanningRow> {
    const row = await store.findRow(this.db, id);
    if (!row) throw notFound(`There is no row ${id} in the planning table.`);
    await this.checkExtra(patch.extra);
    if (patch.code && patch.code !== row.code && (await store.findRowByCode(this.db, patch.code)))
      throw conflict(`code: the planning table already has a row ${patch.code}.`);
    const extra = patch.extra ? { ...row.extra, ...patch.extra } : undefined;
    await store.updateRow(this.db, id, { ...patch, ...(extra ? { extra } : {}) }, now);
    return (await store.findRow(this.db, id)) as PlanningRow;
  }

  async deleteRow(id: number): Promise<void> {
    if (!(await store.deleteRow(this.db, id))) throw notFound(`There is no row ${id} in the planning table.`);
  }

  async addColumn(column: PlanningColumn, now: number): Promise<PlanningColumn[]> {
    const builtIn = new Set<string>(BUILT_IN_FEATURES.map((f) => f.toLowerCase()));
    if (builtIn.has(column.key.replace(/_/g, '')))
      throw conflict(`key: ${column.key} is a column the table already has.`);
    if ((await store.listColumns(this.db)).some((c) => c.key === column.key))
      throw conflict(`key: the planning table already has a column ${column.key}.`);
    await store.insertColumn(this.db, column, now);
    return store.listColumns(this.db);
  }

  async deleteColumn(key: string): Promise<void> {
    if (!(await store.deleteColumn(this.db, key))) throw notFound(`The planning table has no column ${key}.`);
  }

  async exportTable(format: 'csv' | 'xlsx'): Promise<Buffer> {
    const { rows, columns } = await this.table();
    return format === 'csv' ? planningCsv(rows, columns) : planningXlsx(rows, columns);
  }

  /**
   * Rows from a CSV or XLSX (the export's columns): a row whose code is in the table updates it,
   * another is added. Every bad cell is reported; with any, nothing is stored.
   */
  async importTable(bytes: Buffer, dryRun: boolean, now: number) {
    const columns = await store.listColumns(this.db);
    const { rows, rejected } = await readPlanningFile(bytes, columns);
    let created = 0;
    let updated = 0;
    const store_ = !dryRun && rejected.length === 0;
    for (const fields of rows) {
      const existing = await store.findRowByCode(this.db, fields.code);
      if (existing) {
        updated++;
        if (store_)
          await store.updateRow(
            this.db,
            existing.id,
            { ...fields, extra: { ...existing.extra, ...fields.extra } },
            now,
          );
      } else {
        created++;
        if (store_) await store.insertRow(this.db, null, fields, now);
      }
    }
    return { created, updated, rejected, dryRun: !store_ };
  }

  // --- Runs -----------------------------------------------------------------------------------

  /** The latest run and the latest results. */
  async latest(): Promise<{ run: Run | null; results: Results | null }> {
    const [run, results] = await Promise.all([store.latestRun(this.db), store.latestResults(this.db)]);
    return { run: run ?? null, results: results ?? null };
  }

  /**
   * Starts a fitting run over the current table and data ("process new data") and returns at
   * once; the run reports its progress in the table of runs. One run at a time.
   */
  async startRun(by: string, now: number): Promise<Run> {
    await store.failStaleRuns(this.db, now - STALE_RUN_MS, now);
    const { run, created } = await store.startRun(this.db, by, now);
    if (created) {
      this.running = this.execute(run.id).finally(() => {
        this.running = undefined;
      });
    }
    return run;
  }

  /** Runs a fitting to the end (the demo, tests). */
  async runNow(by: string, now: number): Promise<Results> {
    const run = await this.startRun(by, now);
    await this.running;
    const results = await store.latestResults(this.db);
    if (!results || results.runId !== run.id) throw new Error('the fitting run failed');
    return results;
  }

  /**
   * The nightly fit: a run when thermal records arrived or the table changed since the last run
   * started (none when nothing changed, or when there is no table).
   */
  async fitIfNewData(now: number): Promise<boolean> {
    const [run, changed, rows] = await Promise.all([
      store.latestRun(this.db),
      store.inputsChangedAt(this.db),
      store.listRows(this.db),
    ]);
    if (rows.length === 0 || (run && run.startedAt >= changed)) return false;
    await this.runNow('CIOP nightly fit', now);
    return true;
  }

  /** Waits for the run in progress on this replica, if any. */
  async idle(): Promise<void> {
    await this.running;
  }

  private async execute(runId: number): Promise<void> {
    try {
      await store.updateRunProgress(this.db, runId, 0.02, 'data');
      const began = performance.now();
      const settings = await this.settings();
      const rows = await this.networkRows(settings);
      const readMs = performance.now() - began;
      const columns = (await store.listColumns(this.db)).filter((c) => c.type === 'number');
      let last = 0;
      const analysis = await analyseNetwork(rows, {
        featureNames: [...BUILT_IN_FEATURES, ...columns.map((c) => c.key)],
        chosenK: settings.clusters,
        onProgress: async (fraction, stage) => {
          // A write per 5 % at most: the page polls, it does not need every building.
          if (fraction - last < 0.05 && fraction < 1) return;
          last = fraction;
          await store.updateRunProgress(this.db, runId, 0.1 + 0.9 * fraction, stage);
        },
      });
      const finishedAt = Date.now();
      await store.finishRun(this.db, runId, { results: { runId, finishedAt, ...analysis } }, finishedAt);
      this.deps.logger.info(
        {
          runId,
          buildings: rows.length,
          readMs: Math.round(readMs),
          totalMs: Math.round(performance.now() - began),
        },
        'heat demand models fitted',
      );
    } catch (error) {
      this.deps.logger.error({ err: error, runId }, 'heat demand fitting run failed');
      await store.finishRun(this.db, runId, { error: (error as Error).message }, Date.now());
    }
  }

  /**
   * Every planning row with its features and its daily heat and outdoor temperature. The heat
   * records are read a slice of buildings at a time into one array of days per building, so a
   * city of thousands of buildings and years of records is never held as rows.
   */
  private async networkRows(settings: ForecastSettings): Promise<NetworkRow[]> {
    const zone = this.deps.config.timezone;
    const rows = await store.listRows(this.db);
    const numeric = (await store.listColumns(this.db)).filter((c) => c.type === 'number').map((c) => c.key);
    const linked = rows.flatMap((r) => (r.buildingId === null ? [] : [r.buildingId]));
    const districts = await store.districtsOf(this.db, linked);
    const month = await store.firstRecordMonth(this.db, linked);
    const span =
      month === undefined
        ? undefined
        : {
            first: DateTime.fromObject(
              { year: Math.floor(month / 100), month: month % 100, day: 1 },
              { zone },
            ).toMillis(),
          };

    // Local calendar day numbers (days since 1970-01-01 of the local date), remembered per hour.
    const dayOfHour = new Map<number, number>();
    const localDay = (t: number) => {
      const hour = t - (((t % 3_600_000) + 3_600_000) % 3_600_000);
      let d = dayOfHour.get(hour);
      if (d === undefined) {
        d = Date.parse(DateTime.fromMillis(hour, { zone }).toISODate() as string) / DAY_MS;
        dayOfHour.set(hour, d);
      }
      return d;
    };
    const firstDay = span ? localDay(span.first) : 0;
    const days = span ? localDay(Date.now()) - firstDay + 1 : 0;

    // Heat per building and local day (NaN: no record that day).
    const heat = new Map<number, Float64Array>();
    for (const b of linked) heat.set(b, new Float64Array(days).fill(Number.NaN));
    for (let i = 0; span && i < linked.length; i += HEAT_READ_BUILDINGS) {
      for (const r of await store.heatRecords(this.db, linked.slice(i, i + HEAT_READ_BUILDINGS))) {
        const k = localDay(Number(r.t)) - firstDay;
        const series = heat.get(Number(r.building_id));
        if (!series || k < 0 || k >= days) continue;
        series[k] = Number.isNaN(series[k]) ? Number(r.value) : series[k] + Number(r.value);
      }
    }

    // The district weather station's daily mean, per district (NaN: not measured).
    const weather = new Map<number, Float64Array | null>();
    for (const districtId of new Set(districts.values())) {
      const station = await store.outdoorGateway(this.db, districtId);
      if (!station || !span) {
        weather.set(districtId, null);
        continue;
      }
      const from = DateTime.fromMillis(span.first, { zone }).startOf('day').toMillis();
      const group = await this.deps.readings.group(
        { gatewayId: station },
        'temperature',
        from,
        Date.now(),
        'day',
        WEATHER_READER,
      );
      const means = new Float64Array(days).fill(Number.NaN);
      for (const b of group.buckets) {
        const k = localDay(b.start + 12 * 3_600_000) - firstDay;
        if (b.mean !== null && k >= 0 && k < days) means[k] = b.mean;
      }
      weather.set(districtId, means);
    }

    return rows.map((row) => {
      const base: NetworkRow = {
        rowId: row.id,
        buildingId: row.buildingId,
        code: row.code,
        address: row.address,
        latitude: row.latitude,
        longitude: row.longitude,
        heatedAreaM2: row.heatedAreaM2,
        features: featuresOf(row, settings.orientationWeights, numeric),
        series: null,
      };
      if (row.buildingId === null) return { ...base, noSeries: 'not-in-registry' };
      const means = weather.get(districts.get(row.buildingId) ?? -1);
      if (!means) return { ...base, noSeries: 'no-weather' };
      const energy = heat.get(row.buildingId) as Float64Array;
      let n = 0;
      for (let k = 0; k < days; k++) if (!Number.isNaN(energy[k]) && !Number.isNaN(means[k])) n++;
      const series: DailySeries = {
        day: new Int32Array(n),
        energyKWh: new Float64Array(n),
        temperatureC: new Float64Array(n),
      };
      for (let k = 0, j = 0; k < days; k++) {
        if (Number.isNaN(energy[k]) || Number.isNaN(means[k])) continue;
        series.day[j] = firstDay + k;
        series.energyKWh[j] = energy[k];
        series.temperatureC[j++] = means[k];
      }
      return { ...base, series };
    });
  }

  // --- Forecast -------------------------------------------------------------------------------

  private async results(): Promise<Results> {
    const results = await store.latestResults(this.db);
    if (!results)
      throw conflict('No models have been fitted yet: process the data first (POST /api/v1/forecast/runs).');
    return results;
  }

  /** Where the network lies, for the forecast service: the mean of its buildings' positions. */
  private centre(results: Results): { latitude: number; longitude: number } {
    const placed = results.buildings.filter((b) => b.latitude !== null && b.longitude !== null);
    if (placed.length === 0)
      throw badRequest('No building of the planning table has a position to ask the forecast for.');
    return {
      latitude: placed.reduce((s, b) => s + (b.latitude as number), 0) / placed.length,
      longitude: placed.reduce((s, b) => s + (b.longitude as number), 0) / placed.length,
    };
  }

  /** The forecast from the forecast service or, without one (or when asked), the made-up weather. */
  async forecast(
    days = MAX_FORECAST_DAYS,
    source: 'service' | 'synthetic' | undefined,
    now: number,
  ): Promise<Forecast> {
    const results = await this.results();
    const url = this.deps.config.forecastUrl;
    const chosen = source ?? (url ? 'service' : 'synthetic');
    if (chosen === 'service' && !url)
      throw badRequest(
        'source: no forecast service is configured (CIOP_FORECAST_URL); upload the temperatures as CSV, or ask for source=synthetic.',
      );
    const weather: ForecastDay[] =
      chosen === 'service'
        ? await serviceForecast(url as string, this.centre(results), days, this.deps.config.timezone, now)
        : syntheticForecast(days, this.deps.config.timezone, now);
    return forecastDemand(results, weather, chosen);
  }

  /** The forecast from temperatures the planner uploads (CSV or XLSX: date, temperatureC). */
  async forecastFromFile(bytes: Buffer): Promise<Forecast> {
    const weather = await uploadedForecast(bytes, MAX_FORECAST_DAYS);
    return forecastDemand(await this.results(), weather, 'upload');
  }

  // --- Public reading ---------------------------------------------------------------------------

  /** Refuses, as if nothing were there, unless the instance opens the tool to the public. */
  async checkPublic(): Promise<void> {
    if (!(await this.settings()).publicRead)
      throw notFound('The heat demand planning tool is not open to the public on this instance.');
  }
}
