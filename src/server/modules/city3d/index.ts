import { defineModule } from '../../module.ts';
import { seedCityDemo } from './city3d-demo.ts';
import { city3dAttributeRoutes, city3dImportRoutes, city3dRoutes } from './city3d.routes.ts';
import { City3dService } from './city3d.service.ts';

declare module '../../module.ts' {
  interface Services {
    /** The 3D city: the cadastre's buildings, their attributes and vector tiles. */
    city3d: City3dService;
  }
}

/** The 3D city viewer's data: buildings from the cadastre, served as vector tiles. */
export const city3dModule = defineModule({
  id: 'city3d',
  open: ({ db, kpi, config, clock }) => ({
    city3d: new City3dService(db, kpi, { mapStyleUrl: config.mapStyleUrl, clock: () => clock.now() }),
  }),
  routes: [{ plugin: city3dRoutes }, { plugin: city3dImportRoutes }, { plugin: city3dAttributeRoutes }],
  jobs: ({ city3d }) => [
    // Registry buildings added or moved after the city was imported are linked by their points.
    {
      name: 'city3d-relink',
      everyMs: 10 * 60_000,
      run: async () => void (await city3d.relinkIfRegistryChanged()),
    },
  ],
  demo: async ({ city3d }, { db }, now) => seedCityDemo(city3d, db, now),
});
