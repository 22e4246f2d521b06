import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.ts';
import type { Scheduler } from '../../plugins/scheduler.ts';
import { consumeChanges } from '../readings/change-feed.ts';
import type { TimeSeriesEngine } from '../readings/timeseries-engine.ts';
import type { KpiCalculators } from './kpi-calculators.ts';
import { yearOf } from './kpi-periods.ts';

/** Names of the scheduled KPI jobs (tests run them with `scheduler.run(name, now)`). */
export const KPI_JOBS = {
  /** Energy KPIs of the buildings whose dwellings' energy readings changed. */
  energy: 'kpi-energy',
  /** Comfort KPIs of every building, this year (and last year early in January). */
  comfort: 'kpi-comfort',
  /** The platform's uptime slot and its ICT KPIs of today. */
  ict: 'kpi-ict',
} as const;

/** Position of the energy job in the change feed. */
export const ENERGY_CONSUMER = 'kpi-energy';

/**
 * The KPI calculators on the scheduler, as thin as routes. Thermal records and factor changes
 * recompute at once (the inputs service and the factors service call the calculator); readings
 * arrive all the time, so their effect is picked up from the change feed every ten minutes.
 */
export function scheduleKpiJobs(
  scheduler: Scheduler,
  deps: {
    db: Kysely<Database>;
    engine: TimeSeriesEngine;
    calculators: KpiCalculators;
    logger: Logger;
    zone: string;
  },
): void {
  const { db, engine, calculators, logger, zone } = deps;
  scheduler.add({
    name: KPI_JOBS.energy,
    everyMs: 10 * 60_000,
    run: async () => {
      await consumeChanges(db, engine.io, ENERGY_CONSUMER, async (changes) => {
        const report = await calculators.energyFromChanges(changes);
        if (report.measures > 0)
          logger.info({ buildings: report.buildings, measures: report.measures }, 'energy KPIs recomputed');
      });
    },
  });
  scheduler.add({
    name: KPI_JOBS.comfort,
    cron: '30 2 * * *',
    run: async (now) => {
      if (!calculators.comfortAvailable) return;
      const year = yearOf(now, zone);
      // Early in January the last days of December may still be completed.
      const years = yearOf(now - 7 * 86_400_000, zone) < year ? [year - 1, year] : [year];
      await calculators.comfort(years);
    },
  });
  scheduler.add({
    name: KPI_JOBS.ict,
    everyMs: 5 * 60_000,
    run: async (now) => {
      await calculators.recordUptime(now);
      await calculators.ict(now);
    },
  });
}
