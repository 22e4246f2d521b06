import type { ModuleDeps } from '../../module.ts';
import type { RegistryImportService } from '../registry/registry-import.service.ts';
import { KpiCalculators } from './kpi-calculators.ts';
import { configuredDistrictHeating } from './kpi-factors.ts';
import { KpiFactorsService } from './kpi-factors.service.ts';
import { KpiInputsService } from './kpi-inputs.service.ts';
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
  /** API response times, recorded by an `onResponse` hook of the KPI module, for the ICT KPIs. */
  responseTimes: ResponseTimes;
}

/** Builds the KPI services and adds the catalogue's missing definitions. */
export async function openKpi(
  deps: Pick<ModuleDeps, 'db' | 'config' | 'engine' | 'readings' | 'registryImport' | 'audit'>,
): Promise<KpiServices> {
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
  return { store, calculators, factors, inputs, buildings: deps.registryImport, responseTimes };
}
