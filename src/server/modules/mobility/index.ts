import { defineModule } from '../../module.ts';
import { ChargerReports } from './charger-reports.ts';
import { FleetAdapter } from './fleet-adapter.ts';
import { GtfsRealtime, GtfsRtPoller } from './gtfs-realtime.ts';
import { gtfsRealtimeRoutes, gtfsRoutes } from './gtfs.routes.ts';
import { GtfsService } from './gtfs.service.ts';
import { seedMobilityDemo } from './mobility-demo.ts';
import { MobilityIngest } from './mobility-ingest.ts';
import { MobilityCalculator, yearsToRecompute } from './mobility.calculator.ts';
import { mobilityRoutes } from './mobility.routes.ts';
import { MobilityService } from './mobility.service.ts';
import { VehiclePositions } from './vehicle-positions.ts';

/** The electric bus line and its chargers, as the platform holds them. */
export interface MobilityServices {
  /** What the API reads. */
  service: MobilityService;
  /** Where trips, chargers and charges enter the model (fleet platform, GTFS-Realtime, OCPP, demo). */
  ingest: MobilityIngest;
  /** Vehicle positions, as series of the time-series store. */
  positions: VehiclePositions;
  /** What chargers report themselves (OCPP): status history, transactions as charges, meter series. */
  chargerReports: ChargerReports;
  /** The mobility KPIs (calculator `mobility` of the KPI store). */
  calculator: MobilityCalculator;
  /** The fleet platform adapter, when CIOP_FLEET_URL is set. */
  fleet?: FleetAdapter;
  /** GTFS static feeds in (replacing the timetable) and out. */
  gtfs: GtfsService;
  /** GTFS-Realtime FeedMessages into positions and delays. */
  realtime: GtfsRealtime;
  /** The GTFS-Realtime poller, when CIOP_GTFS_RT_VEHICLES_URL or CIOP_GTFS_RT_TRIP_UPDATES_URL is set. */
  realtimePoller?: GtfsRtPoller;
}

declare module '../../module.ts' {
  interface Services {
    /** Electric buses, lines, timetable, chargers and charges; the fleet adapter and the mobility KPIs. */
    mobility: MobilityServices;
  }
}

export const FLEET_JOB = 'fleet-poll';
export const MOBILITY_KPI_JOB = 'kpi-mobility';
export const GTFS_RT_JOB = 'gtfs-rt-poll';

/** Electric buses and chargers: the model, the fleet platform adapter, the KPIs and the API. */
export const mobilityModule = defineModule({
  id: 'mobility',
  open: ({ db, engine, catalog, config, logger, kpi }) => {
    const zone = config.timezone;
    const ingest = new MobilityIngest(db, zone);
    const positions = new VehiclePositions(catalog, engine);
    const calculator = new MobilityCalculator(db, kpi, {
      zone,
      dieselLPer100Km: { standard: config.busDieselStandard, articulated: config.busDieselArticulated },
      dieselKgCo2PerL: config.dieselCo2PerLitre,
    });
    const fleet = config.fleetUrl
      ? new FleetAdapter(
          db,
          ingest,
          {
            url: config.fleetUrl,
            token: config.fleetToken,
            pollIntervalMs: config.fleetPollIntervalS * 1000,
          },
          logger,
        )
      : undefined;
    const realtime = new GtfsRealtime(db, positions, catalog, engine);
    const realtimePoller =
      config.gtfsRtVehiclesUrl || config.gtfsRtTripUpdatesUrl
        ? new GtfsRtPoller(
            db,
            realtime,
            {
              vehiclesUrl: config.gtfsRtVehiclesUrl,
              tripUpdatesUrl: config.gtfsRtTripUpdatesUrl,
              pollIntervalMs: config.gtfsRtPollIntervalS * 1000,
            },
            logger,
          )
        : undefined;
    return {
      mobility: {
        service: new MobilityService(db, positions, calculator, kpi, zone),
        ingest,
        positions,
        chargerReports: new ChargerReports(db, catalog, engine, ingest.calendar),
        calculator,
        fleet,
        gtfs: new GtfsService(db),
        realtime,
        realtimePoller,
      },
    };
  },
  routes: [{ plugin: mobilityRoutes }, { plugin: gtfsRoutes }, { plugin: gtfsRealtimeRoutes }],
  jobs: ({ mobility }, { config }) => [
    ...(mobility.fleet
      ? [
          {
            name: FLEET_JOB,
            everyMs: config.fleetPollIntervalS * 1000,
            run: async (now: number) => void (await mobility.fleet?.poll(now)),
          },
        ]
      : []),
    ...(mobility.realtimePoller
      ? [
          {
            name: GTFS_RT_JOB,
            everyMs: config.gtfsRtPollIntervalS * 1000,
            run: async (now: number) => void (await mobility.realtimePoller?.poll(now)),
          },
        ]
      : []),
    {
      name: MOBILITY_KPI_JOB,
      everyMs: 15 * 60_000,
      run: async (now: number) =>
        void (await mobility.calculator.compute(yearsToRecompute(now, config.timezone), now)),
    },
  ],
  demo: async ({ mobility }, deps, now) => seedMobilityDemo(mobility, deps, now),
});
