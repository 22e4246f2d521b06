import { defineModule } from '../../module.ts';
import { DatadisClient, syncDatadis } from './datadis.ts';
import { seedMunicipalDemo } from './municipal-demo.ts';
import { municipalImportRoutes, municipalRoutes } from './municipal.routes.ts';
import { MunicipalService } from './municipal.service.ts';
import * as store from './municipal.store.ts';

declare module '../../module.ts' {
  interface Services {
    /** Municipal energy: facilities, meters (CUPS), invoices, cost and carbon, from city to meter. */
    municipal: MunicipalService;
  }
}

/** The daily Datadis job's name (tests run it with `scheduler.run(name, now)`). */
export const DATADIS_JOB = 'municipal-datadis';

/** Municipal energy: what the city's own facilities consume and cost, and their carbon footprint. */
export const municipalModule = defineModule({
  id: 'municipal',
  open: (deps) => ({ municipal: new MunicipalService(deps.db, deps.audit, () => deps.clock.now()) }),
  routes: [{ plugin: municipalRoutes }, { plugin: municipalImportRoutes }],
  // Datadis publishes a day's hours a day or two later: every morning the supplies of the
  // authorised NIF that are registered meters are read for this month and the one before.
  jobs: ({ municipal }, { config, engine, catalog, logger }) =>
    config.datadisUsername
      ? [
          {
            name: DATADIS_JOB,
            cron: '10 6 * * *',
            run: async (now) => {
              const client = new DatadisClient({
                url: config.datadisUrl,
                username: config.datadisUsername as string,
                password: config.datadisPassword ?? '',
                zone: config.timezone,
              });
              const sync = await syncDatadis(
                client,
                {
                  engine,
                  catalog,
                  meterCodes: async (codes) =>
                    new Set((await store.metersByCode(municipal.db, codes)).keys()),
                },
                config.timezone,
                now,
              );
              logger.info({ datadis: sync }, 'Datadis consumption read');
              if (sync.failed.length > 0 && sync.read === sync.failed.length)
                throw new Error(`Datadis: every supply failed: ${sync.failed[0].error}`);
            },
          },
        ]
      : [],
  demo: ({ municipal }, deps, now) => seedMunicipalDemo(municipal, deps, now),
});
