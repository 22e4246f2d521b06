import { defineModule } from '../../module.ts';
import type { ChargerReports } from '../mobility/charger-reports.ts';
import { ocppRoutes } from './ocpp.routes.ts';
import { OcppCentralSystem } from './ocpp.service.ts';

/** CIOP as the chargers' OCPP central system. */
export interface OcppServices {
  /** Answers the chargers' OCPP calls. */
  central: OcppCentralSystem;
  /** Where what they report goes: the mobility model's chargers, charges and meter series. */
  reports: ChargerReports;
}

declare module '../../module.ts' {
  interface Services {
    /** The OCPP endpoint's central system (1.6J and 2.0.1). */
    ocpp: OcppServices;
  }
}

/** Chargers speak OCPP to CIOP (`/ocpp/{chargePointId}`); what they report feeds the mobility model. */
export const ocppModule = defineModule({
  id: 'ocpp',
  open: ({ mobility, clock, config }) => ({
    ocpp: {
      central: new OcppCentralSystem(mobility.chargerReports, clock, { heartbeatS: config.ocppHeartbeatS }),
      reports: mobility.chargerReports,
    },
  }),
  routes: [{ plugin: ocppRoutes, prefix: '' }],
});
