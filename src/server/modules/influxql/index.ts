import { defineModule } from '../../module.ts';
import { InfluxQlService } from './influxql.service.ts';
import { influxqlRoutes } from './influxql.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** The InfluxDB 1.x query API: InfluxQL over the series the caller sees. */
    influxql: InfluxQlService;
  }
}

/** InfluxQL reads, so that Grafana and InfluxDB clients read CIOP as they read InfluxDB. */
export const influxqlModule = defineModule({
  id: 'influxql',
  open: ({ db, engine }) => ({ influxql: new InfluxQlService(db, engine) }),
  // Where InfluxDB clients look for it, beside /write.
  routes: [{ plugin: influxqlRoutes, prefix: '' }],
});
