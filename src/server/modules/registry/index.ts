import { defineModule } from '../../module.ts';
import { RegistryImportService } from './registry-import.service.ts';
import { registryImportRoutes } from './registry-import.routes.ts';
import { RegistryService } from './registry.service.ts';
import { registryRoutes } from './registry.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** Districts, buildings, dwellings, gateways, sensors, weather stations, media. */
    registry: RegistryService;
    /** CSV/XLSX import of buildings and dwellings. */
    registryImport: RegistryImportService;
  }
}

/** The registry of the city's places and devices. */
export const registryModule = defineModule({
  id: 'registry',
  open: ({ db }) => ({ registry: new RegistryService(db), registryImport: new RegistryImportService(db) }),
  routes: [{ plugin: registryRoutes }, { plugin: registryImportRoutes }],
});
