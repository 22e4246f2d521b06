import { defineModule } from '../../module.ts';
import { NgsiLdService } from './ngsild.service.ts';
import { ngsildRoutes, temporalRoutes } from './ngsild.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** NGSI-LD (ETSI GS CIM 009 V1.8.1): CIOP's places, readings and fleet as Smart Data Models entities. */
    ngsild: NgsiLdService;
  }
}

/** The NGSI-LD API, so that FIWARE tools and integrators read CIOP as a context broker. */
export const ngsildModule = defineModule({
  id: 'ngsild',
  open: ({ db, engine, mobility, config }) => ({
    ngsild: new NgsiLdService(db, engine, mobility.service, config.timezone),
  }),
  routes: [
    { plugin: ngsildRoutes, prefix: '/ngsi-ld/v1' },
    { plugin: temporalRoutes, prefix: '/ngsi-ld/v1/temporal' },
  ],
});
