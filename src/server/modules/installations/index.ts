import { defineModule } from '../../module.ts';
import { AlarmSettingsService } from './alarm-settings.service.ts';
import { alarmsRoutes } from './alarms.routes.ts';
import { AlarmsService, SILENT_DEVICES_JOB } from './alarms.service.ts';
import { exportsRoutes } from './exports.routes.ts';
import { ExportsService } from './exports.service.ts';
import { installationsRoutes } from './installations.routes.ts';
import { InstallationsService } from './installations.service.ts';

declare module '../../module.ts' {
  interface Services {
    /** Registration of installations, their live status and the missing-data heatmap. */
    installations: InstallationsService;
    /** Incidents of silent gateways and sensors (job `silent-devices`). */
    alarms: AlarmsService;
    alarmSettings: AlarmSettingsService;
    /** Streamed data downloads. */
    exports: ExportsService;
  }
}

/** Installations and operations: registration, live status, alarms of silent devices, downloads. */
export const installationsModule = defineModule({
  id: 'installations',
  open: ({ db, engine, catalog, config, logger, mail, audit, registry, auth }) => {
    const alarmSettings = new AlarmSettingsService(db, {
      silentAfterS: config.silentAfterDays * 86_400,
      expectedIntervalS: config.expectedIntervalS,
      contacts: config.alarmEmails,
      webhookUrl: config.alarmWebhookUrl,
    });
    const alarms = new AlarmsService(db, engine, alarmSettings, mail, logger, {
      publicUrl: config.publicUrl,
      timezone: config.timezone,
    });
    return {
      installations: new InstallationsService(
        db,
        engine,
        registry,
        auth.accounts,
        audit,
        alarms,
        alarmSettings,
        config.timezone,
      ),
      alarms,
      alarmSettings,
      exports: new ExportsService(db, engine, catalog, config.timezone, auth.sessions, registry),
    };
  },
  routes: [{ plugin: installationsRoutes }, { plugin: alarmsRoutes }, { plugin: exportsRoutes }],
  jobs: ({ alarms }, { config }) => [
    {
      name: SILENT_DEVICES_JOB,
      everyMs: config.alarmCheckIntervalS * 1000,
      // After a restart, silent devices are noticed at once, not an interval later.
      atStart: true,
      run: async (now) => void (await alarms.detect(now)),
    },
  ],
});
