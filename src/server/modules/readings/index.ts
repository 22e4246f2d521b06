import { defineModule } from '../../module.ts';
import { buildingsOfGateways } from '../../places/places.store.ts';
import { findGatewaysBySerial } from '../../places/places.store.ts';
import { FlaggedReadings } from '../../timeseries/flagged-readings.ts';
import { GROUP_ROLLUP_JOB, GroupRollups } from './group-rollup.service.ts';
import { IngestService } from './ingest.service.ts';
import { ingestRoutes } from './ingest.routes.ts';
import { ReadingsService } from './readings.service.ts';
import { readingsRoutes } from './readings.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** Writes of readings: JSON, CSV, line protocol, MQTT. */
    ingest: IngestService;
    /** Reads of readings, narrowed to what the caller may see. */
    readings: ReadingsService;
    /** Building, district and organisation hourly means, kept from the change feed. */
    groupRollups: GroupRollups;
  }
}

/** Readings in and out: the ingest endpoints and the read API over the time-series engine. */
export const readingsModule = defineModule({
  id: 'readings',
  open: ({ db, engine, catalog, config, logger }) => {
    const flagged = new FlaggedReadings(db, engine, catalog);
    const groupRollups = new GroupRollups(db, engine, catalog, flagged, logger);
    return {
      groupRollups,
      ingest: new IngestService(
        catalog,
        engine,
        {
          minTime: config.ingestMinTime,
          maxFutureS: config.ingestMaxFutureS,
          line: {
            lineBytes: config.ingestMaxLineBytes,
            fields: config.ingestMaxFieldsPerLine,
            tags: config.ingestMaxTags,
            keyBytes: config.ingestMaxKeyBytes,
          },
          maxNewSeries: config.ingestMaxNewSeries,
          newSeriesPerMinute: config.ingestNewSeriesPerMinute,
        },
        {
          buildingsOf: (gatewayIds) => buildingsOfGateways(db, gatewayIds),
          bySerial: (serials) => findGatewaysBySerial(db, serials),
        },
      ),
      readings: new ReadingsService(
        db,
        engine,
        catalog,
        config.timezone,
        config.privacyMinDwellings,
        groupRollups,
        flagged,
      ),
    };
  },
  jobs: ({ groupRollups }) => [
    // Computes every group's history on the first run, then what registry changes and the
    // change feed (new, late and overwritten readings) touch.
    {
      name: GROUP_ROLLUP_JOB,
      everyMs: 60_000,
      atStart: true,
      run: async () => void (await groupRollups.runJob()),
    },
  ],
  // The InfluxDB-compatible endpoints live where InfluxDB clients look for them (/write, /api/v2/write).
  routes: [{ plugin: ingestRoutes, prefix: '' }, { plugin: readingsRoutes }],
});
