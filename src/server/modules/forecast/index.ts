import { defineModule } from '../../module.ts';
import { seedForecastDemo } from './forecast-demo.ts';
import { forecastRoutes, forecastUploadRoutes } from './forecast.routes.ts';
import { ForecastService } from './forecast.service.ts';

declare module '../../module.ts' {
  interface Services {
    /** Heat demand planning: the planning table, clusters, degree-day models and forecasts. */
    forecast: ForecastService;
  }
}

/** The nightly fit's job name. */
export const FORECAST_FIT_JOB = 'forecast-fit';

/** Heat demand planning for the district heating network. */
export const forecastModule = defineModule({
  id: 'forecast',
  open: ({ db, config, logger, readings }) => ({
    forecast: new ForecastService({ db, config, logger, readings }),
  }),
  routes: [{ plugin: forecastRoutes }, { plugin: forecastUploadRoutes }],
  jobs: ({ forecast }) => [
    // The night after new thermal records or table changes, the models are fitted again.
    {
      name: FORECAST_FIT_JOB,
      cron: '15 4 * * *',
      run: async (now) => void (await forecast.fitIfNewData(now)),
    },
  ],
  demo: ({ forecast }, deps, now) => seedForecastDemo(forecast, deps, now),
  close: async ({ forecast }) => forecast.idle(),
});
