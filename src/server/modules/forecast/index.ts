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

/** Heat demand planning for the district heating network. */
export const forecastModule = defineModule({
  id: 'forecast',
  open: ({ db, config, logger, readings }) => ({
    forecast: new ForecastService({ db, config, logger, readings }),
  }),
  routes: [{ plugin: forecastRoutes }, { plugin: forecastUploadRoutes }],
  demo: ({ forecast }, deps, now) => seedForecastDemo(forecast, deps, now),
  close: async ({ forecast }) => forecast.idle(),
});
