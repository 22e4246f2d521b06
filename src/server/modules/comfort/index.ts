import { defineModule } from '../../module.ts';
import { FlaggedReadings } from '../../timeseries/flagged-readings.ts';
import { COMFORT_JOB, ComfortService } from './comfort.service.ts';
import { comfortRoutes } from './comfort.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** Stored comfort: comfort points, their hourly PMV/PPD, dwelling, building and district views. */
    comfort: ComfortService;
  }
}

/** The comfort engine: PMV/PPD on demand and stored hourly comfort of every dwelling. */
export const comfortModule = defineModule({
  id: 'comfort',
  open: ({ db, engine, catalog, config, logger }) => ({
    comfort: new ComfortService(db, engine, config, logger, new FlaggedReadings(db, engine, catalog)),
  }),
  routes: [{ plugin: comfortRoutes }],
  jobs: ({ comfort }, { config }) => [
    // Pairs new sensors into comfort points, computes the history of new points, and recomputes
    // the hours the change feed reports (new, late and overwritten readings).
    {
      name: COMFORT_JOB,
      everyMs: config.comfortIntervalS * 1000,
      run: async (now) => void (await comfort.runJob(now)),
    },
  ],
});
