import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/schema.ts';
import type { Scheduler } from '../../plugins/scheduler.ts';
import type { AuditService } from '../auth/audit.service.ts';
import type { ReadingsService } from '../readings/readings.service.ts';
import type { TimeSeriesEngine } from '../readings/timeseries-engine.ts';
import type { RegistryImportService } from '../registry/registry-import.service.ts';
import { KpiCalculators } from './kpi-calculators.ts';
import { configuredDistrictHeating } from './kpi-factors.ts';
import { KpiFactorsService } from './kpi-factors.service.ts';
import { KpiInputsService } from './kpi-inputs.service.ts';
import { scheduleKpiJobs } from './kpi.jobs.ts';
import { KpiService } from './kpi.service.ts';
import { ResponseTimes } from './response-times.ts';

/** The KPI evaluation tool, as the platform holds it. */
export interface KpiServices {
  /** Catalogue, measures, totals, dashboards' summary, public subset. */
  store: KpiService;
  calculators: KpiCalculators;
  factors: KpiFactorsService;
  inputs: KpiInputsService;
  /** The registry's building import (the building characterisation is an input of the KPIs). */
  buildings: RegistryImportService;
  /** API response times, recorded by an `onResponse` hook (app.ts), for the ICT KPIs. */
  responseTimes: ResponseTimes;
}

/** Builds the KPI services, adds the catalogue's missing definitions and schedules the calculators. */
export async function openKpi(deps: {
  db: Kysely<Database>;
  config: Config;
  logger: Logger;
  engine: TimeSeriesEngine;
  readings: ReadingsService;
  registryImport: RegistryImportService;
  audit: AuditService;
  scheduler: Scheduler;
}): Promise<KpiServices> {
  const { db, config, engine } = deps;
  const zone = config.timezone;
  const responseTimes = new ResponseTimes(zone);
  // The summary says whether stored comfort is wired, which the calculators know.
  const wired: { calculators?: KpiCalculators } = {};
  const store = new KpiService(db, zone, () => wired.calculators?.comfortAvailable ?? false);
  await store.seed();
  const [renewable, nonRenewable, co2] = config.kpiDistrictHeating;
  const calculators = new KpiCalculators(db, store, deps.readings, engine, responseTimes, {
    zone,
    region: config.kpiRegion,
    districtHeating: configuredDistrictHeating({ renewable, nonRenewable, co2 }),
  });
  wired.calculators = calculators;
  const factors = new KpiFactorsService(db, store, calculators, deps.audit, zone);
  const inputs = new KpiInputsService(db, store, calculators, zone, {
    minTime: config.ingestMinTime,
    maxFutureS: config.ingestMaxFutureS,
  });
  scheduleKpiJobs(deps.scheduler, { db, engine, calculators, logger: deps.logger, zone });
  return { store, calculators, factors, inputs, buildings: deps.registryImport, responseTimes };
}
