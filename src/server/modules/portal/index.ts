import { defineModule } from '../../module.ts';
import { FlaggedReadings } from '../../timeseries/flagged-readings.ts';
import { PortalService } from './portal.service.ts';
import { portalRoutes } from './portal.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** Headline figures of the landing portal. */
    portal: PortalService;
  }
}

/** The landing portal's open figures of the district. */
export const portalModule = defineModule({
  id: 'portal',
  open: ({ db, engine, catalog, logger, config, kpi }) => ({
    portal: new PortalService(db, engine, new FlaggedReadings(db, engine, catalog), logger, {
      maxAgeMs: 600_000,
      minDwellings: config.privacyMinDwellings,
      kpiFigures: () => kpi.store.portalFigures(),
    }),
  }),
  routes: [{ plugin: portalRoutes }],
});
