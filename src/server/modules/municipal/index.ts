import { defineModule } from '../../module.ts';
import { seedMunicipalDemo } from './municipal-demo.ts';
import { municipalImportRoutes, municipalRoutes } from './municipal.routes.ts';
import { MunicipalService } from './municipal.service.ts';

declare module '../../module.ts' {
  interface Services {
    /** Municipal energy: facilities, meters (CUPS), invoices, cost and carbon, from city to meter. */
    municipal: MunicipalService;
  }
}

/** Municipal energy: what the city's own facilities consume and cost, and their carbon footprint. */
export const municipalModule = defineModule({
  id: 'municipal',
  open: (deps) => ({ municipal: new MunicipalService(deps.db, deps.audit, () => deps.clock.now()) }),
  routes: [{ plugin: municipalRoutes }, { plugin: municipalImportRoutes }],
  demo: ({ municipal }, deps, now) => seedMunicipalDemo(municipal, deps, now),
});
