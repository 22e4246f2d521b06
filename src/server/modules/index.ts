import type { AnyModule } from '../module.ts';
import { authModule } from './auth/index.ts';
import { backupModule } from './backup/index.ts';
import { forecastModule } from './forecast/index.ts';
import { city3dModule } from './city3d/index.ts';
import { comfortModule } from './comfort/index.ts';
import { dashboardsModule } from './dashboards/index.ts';
import { homeModule } from './home/index.ts';
import { influxqlModule } from './influxql/index.ts';
import { installationsModule } from './installations/index.ts';
import { kpiModule } from './kpi/index.ts';
import { municipalModule } from './municipal/index.ts';
import { mobilityModule } from './mobility/index.ts';
import { newsModule } from './news/index.ts';
import { ngsildModule } from './ngsild/index.ts';
import { ocppModule } from './ocpp/index.ts';
import { portalModule } from './portal/index.ts';
import { qualityModule } from './quality/index.ts';
import { readingsModule } from './readings/index.ts';
import { registryModule } from './registry/index.ts';
import { systemModule } from './system/index.ts';

/**
 * Every server module, in the order they open: a module is handed the services of those above
 * it. A new feature is a folder under `modules/` and one entry here.
 */
export const MODULES: readonly AnyModule[] = [
  systemModule,
  authModule,
  registryModule,
  readingsModule,
  newsModule,
  comfortModule,
  qualityModule,
  installationsModule,
  homeModule,
  kpiModule,
  municipalModule,
  forecastModule,
  city3dModule,
  dashboardsModule,
  mobilityModule,
  ocppModule,
  influxqlModule,
  ngsildModule,
  portalModule,
  backupModule,
];
