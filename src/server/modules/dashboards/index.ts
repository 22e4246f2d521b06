import { defineModule } from '../../module.ts';
import { FlaggedReadings } from '../../timeseries/flagged-readings.ts';
import { ANOMALY_JOB, AnomalyService } from './anomalies.service.ts';
import { BuildingViewsService } from './building-views.service.ts';
import { dashboardsRoutes } from './dashboards.routes.ts';
import { DashboardsService } from './dashboards.service.ts';
import { seedDashboardsDemo } from './dashboards.demo.ts';

export interface DashboardServices {
  dashboards: DashboardsService;
  anomalies: AnomalyService;
  buildingViews: BuildingViewsService;
}

declare module '../../module.ts' {
  interface Services {
    /** ESCO dashboards: stored dashboards and their panel queries, anomalies, building views. */
    dashboards: DashboardServices;
  }
}

/** The ESCO comfort and energy dashboards, their anomalies and the dashboard builder's storage. */
export const dashboardsModule = defineModule({
  id: 'dashboards',
  open: ({ db, engine, catalog, config, logger, readings, comfort, kpi, quality }) => {
    const anomalies = new AnomalyService(
      db,
      engine,
      catalog,
      comfort,
      new FlaggedReadings(db, engine, catalog),
      config.timezone,
      logger,
    );
    // A reading flagged (or cleared) after its week was looked at changes what the week holds.
    quality.whenFlagsChange(async (changes, now) => void (await anomalies.onChanges(changes, now)));
    return {
      dashboards: {
        dashboards: new DashboardsService(db, readings, comfort, kpi),
        anomalies,
        buildingViews: new BuildingViewsService(db, readings, config.timezone),
      },
    };
  },
  routes: [{ plugin: dashboardsRoutes }],
  jobs: ({ dashboards }) => [
    {
      // Every five minutes, after the comfort job (every minute) has turned the same readings into
      // comfort hours; a week is looked at again whole, so a later run brings it up to date.
      name: ANOMALY_JOB,
      everyMs: 5 * 60_000,
      onChanges: async (changes, now) => void (await dashboards.anomalies.onChanges(changes, now)),
    },
  ],
  demo: (services, deps, now) => seedDashboardsDemo(services.dashboards, deps, now),
});
