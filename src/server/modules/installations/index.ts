import { defineModule } from '../../module.ts';
import { FlaggedReadings } from '../../timeseries/flagged-readings.ts';
import { AlarmSettingsService } from './alarm-settings.service.ts';
import { alarmsRoutes } from './alarms.routes.ts';
import { AlarmsService, SILENT_DEVICES_JOB } from './alarms.service.ts';
import { exportsRoutes } from './exports.routes.ts';
import { ExportsService } from './exports.service.ts';
import { installationsRoutes } from './installations.routes.ts';
import { InstallationsService } from './installations.service.ts';
import { VendorClient } from './vendor-adapter.ts';
import { VendorRefillService } from './vendor-refill.ts';
import { vendorRefillRoutes } from './vendor-refill.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** Registration of installations, their live status and the missing-data heatmap. */
    installations: InstallationsService;
    /** Incidents of silent gateways and sensors (job `silent-devices`). */
    alarms: AlarmsService;
    alarmSettings: AlarmSettingsService;
    /** Streamed data downloads. */
    exports: ExportsService;
    /** Gaps in gateways' readings filled from their manufacturer's platform (job `vendor-refill`). */
    vendorRefill: VendorRefillService;
  }
}

export const VENDOR_REFILL_JOB = 'vendor-refill';

/** Installations and operations: registration, live status, alarms of silent devices, downloads. */
export const installationsModule = defineModule({
  id: 'installations',
  open: ({ db, engine, catalog, config, logger, mail, audit, registry, auth, ingest, clock, quality }) => {
    const alarmSettings = new AlarmSettingsService(db, {
      silentAfterS: config.silentAfterDays * 86_400,
      expectedIntervalS: config.expectedIntervalS,
      contacts: config.alarmEmails,
      webhookUrl: config.alarmWebhookUrl,
    });
    const alarms = new AlarmsService(
      db,
      engine,
      alarmSettings,
      mail,
      logger,
      {
        publicUrl: config.publicUrl,
        timezone: config.timezone,
        qualityWindowMs: config.qualityIncidentWindowH * 3_600_000,
      },
      quality,
    );
    const flagged = new FlaggedReadings(db, engine, catalog);
    const installations = new InstallationsService(
      db,
      engine,
      registry,
      auth.accounts,
      audit,
      alarms,
      alarmSettings,
      config.timezone,
      flagged,
    );
    const vendor = config.vendorUrl
      ? new VendorClient({ url: config.vendorUrl, token: config.vendorToken ?? '' })
      : undefined;
    return {
      installations,
      vendorRefill: new VendorRefillService(db, ingest, registry, installations, vendor, logger, clock, {
        timezone: config.timezone,
        horizonDays: config.vendorHorizonDays,
      }),
      alarms,
      alarmSettings,
      exports: new ExportsService(db, engine, catalog, config.timezone, auth.sessions, registry, flagged),
    };
  },
  routes: [
    { plugin: installationsRoutes },
    { plugin: alarmsRoutes },
    { plugin: exportsRoutes },
    { plugin: vendorRefillRoutes },
  ],
  jobs: ({ alarms, vendorRefill }, { config }) => [
    {
      name: SILENT_DEVICES_JOB,
      everyMs: config.alarmCheckIntervalS * 1000,
      // After a restart, silent devices are noticed at once, not an interval later.
      atStart: true,
      run: async (now) => void (await alarms.detect(now)),
    },
    // Once a night, when the days before are whole: the heatmap's gaps within the horizon.
    ...(vendorRefill.configured
      ? [
          {
            name: VENDOR_REFILL_JOB,
            cron: '30 4 * * *',
            run: async (now: number) => void (await vendorRefill.fillGaps(now)),
          },
        ]
      : []),
  ],
});
