import type { ModuleDeps } from '../../module.ts';
import type { Job } from '../../plugins/scheduler.ts';
import type { KpiCalculators } from './kpi-calculators.ts';
import { monthKey, yearOf } from './kpi-periods.ts';

/** Names of the scheduled KPI jobs (tests run them with `scheduler.run(name, now)`). */
export const KPI_JOBS = {
  /** Energy KPIs of the buildings whose dwellings' energy readings changed. */
  energy: 'kpi-energy',
  /** Comfort KPIs of every building, this year (and last year early in January). */
  comfort: 'kpi-comfort',
  /** The platform's uptime slot and its ICT KPIs of today. */
  ict: 'kpi-ict',
  /** Data completeness and correctness of this month's whole days (and last month's, early on). */
  dataQuality: 'kpi-data-quality',
} as const;

/**
 * The KPI calculators on the scheduler, as thin as routes. Thermal records and factor changes
 * recompute at once (the inputs service and the factors service call the calculator); readings
 * arrive all the time, so their effect is picked up from the change feed every ten minutes.
 */
export function kpiJobs(calculators: KpiCalculators, deps: Pick<ModuleDeps, 'logger' | 'config'>): Job[] {
  const { logger } = deps;
  const zone = deps.config.timezone;
  return [
    {
      name: KPI_JOBS.energy,
      everyMs: 10 * 60_000,
      onChanges: async (changes) => {
        const report = await calculators.energyFromChanges(changes);
        if (report.measures > 0)
          logger.info({ buildings: report.buildings, measures: report.measures }, 'energy KPIs recomputed');
      },
    },
    {
      name: KPI_JOBS.comfort,
      cron: '30 2 * * *',
      run: async (now) => {
        if (!calculators.comfortAvailable) return;
        const year = yearOf(now, zone);
        // Early in January the last days of December may still be completed.
        const years = yearOf(now - 7 * 86_400_000, zone) < year ? [year - 1, year] : [year];
        await calculators.comfort(years);
      },
    },
    {
      name: KPI_JOBS.dataQuality,
      cron: '45 2 * * *',
      run: async (now) => {
        const month = monthKey(now, zone);
        // Early in a month, late data and re-checks may still change the month before.
        const before = monthKey(now - 7 * 86_400_000, zone);
        await calculators.dataQuality(before < month ? [before, month] : [month], now);
      },
    },
    {
      name: KPI_JOBS.ict,
      everyMs: 5 * 60_000,
      run: async (now) => {
        await calculators.recordUptime(now);
        await calculators.ict(now);
      },
    },
  ];
}
