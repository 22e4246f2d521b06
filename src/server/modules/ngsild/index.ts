import { defineModule } from '../../module.ts';
import { NgsiLdService } from './ngsild.service.ts';
import { entityOperationRoutes, ngsildRoutes, subscriptionRoutes, temporalRoutes } from './ngsild.routes.ts';
import { MeasurementUpsert } from './upsert.service.ts';
import { NOTIFICATION_JOB, SUBSCRIPTION_JOB, SubscriptionService } from './subscriptions.service.ts';

declare module '../../module.ts' {
  interface Services {
    /** NGSI-LD (ETSI GS CIM 009 V1.8.1): CIOP's places, readings and fleet as Smart Data Models entities. */
    ngsild: NgsiLdService;
    /** NGSI-LD subscriptions and the delivery of their notifications. */
    ngsildSubscriptions: SubscriptionService;
    /** NGSI-LD upserts of DeviceMeasurements into the ingest pipeline. */
    ngsildUpsert: MeasurementUpsert;
  }
}

/** The NGSI-LD API, so that FIWARE tools and integrators read CIOP as a context broker. */
export const ngsildModule = defineModule({
  id: 'ngsild',
  open: ({ db, engine, mobility, config, logger, clock, ingest }) => {
    const ngsild = new NgsiLdService(db, engine, mobility.service, config.timezone);
    return {
      ngsild,
      ngsildSubscriptions: new SubscriptionService(db, ngsild, logger, () => clock.now()),
      ngsildUpsert: new MeasurementUpsert(db, ingest),
    };
  },
  routes: [
    { plugin: ngsildRoutes, prefix: '/ngsi-ld/v1' },
    { plugin: temporalRoutes, prefix: '/ngsi-ld/v1/temporal' },
    { plugin: subscriptionRoutes, prefix: '/ngsi-ld/v1/subscriptions' },
    { plugin: entityOperationRoutes, prefix: '/ngsi-ld/v1/entityOperations' },
  ],
  jobs: ({ ngsildSubscriptions }) => [
    {
      // Readings reach the change feed when the log is compacted (every flush interval).
      name: SUBSCRIPTION_JOB,
      everyMs: 5_000,
      onChanges: async (changes, now) => void (await ngsildSubscriptions.onChanges(changes, now)),
    },
    {
      name: NOTIFICATION_JOB,
      everyMs: 5_000,
      run: (now) => ngsildSubscriptions.deliverDue(now),
    },
  ],
});
