import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/schema.ts';
import type { Scheduler } from '../../plugins/scheduler.ts';
import type { AuthServices } from '../auth/auth.services.ts';
import type { SeriesCatalog } from '../readings/series-catalog.ts';
import type { TimeSeriesEngine } from '../readings/timeseries-engine.ts';
import type { RegistryService } from '../registry/registry.service.ts';
import { AlarmSettingsService } from './alarm-settings.service.ts';
import { AlarmsService, SILENT_DEVICES_JOB } from './alarms.service.ts';
import { ExportsService } from './exports.service.ts';
import { InstallationsService } from './installations.service.ts';

/** The services of installations and operations, as the platform holds them. */
export interface InstallationServices {
  installations: InstallationsService;
  alarms: AlarmsService;
  alarmSettings: AlarmSettingsService;
  exports: ExportsService;
}

/**
 * Builds the installation services and schedules the look for silent devices
 * (`silent-devices`, every CIOP_ALARM_CHECK_INTERVAL_S; once across replicas).
 */
export function openInstallations(deps: {
  db: Kysely<Database>;
  engine: TimeSeriesEngine;
  catalog: SeriesCatalog;
  registry: RegistryService;
  auth: AuthServices;
  scheduler: Scheduler;
  config: Config;
  logger: Logger;
}): InstallationServices {
  const { db, engine, config } = deps;
  const alarmSettings = new AlarmSettingsService(db, {
    silentAfterS: config.silentAfterDays * 86_400,
    expectedIntervalS: config.expectedIntervalS,
    contacts: config.alarmEmails,
    webhookUrl: config.alarmWebhookUrl,
  });
  const alarms = new AlarmsService(db, engine, alarmSettings, deps.auth.mail, deps.logger, {
    publicUrl: config.publicUrl,
    timezone: config.timezone,
  });
  deps.scheduler.add({
    name: SILENT_DEVICES_JOB,
    everyMs: config.alarmCheckIntervalS * 1000,
    run: async (now) => {
      await alarms.detect(now);
    },
  });
  return {
    installations: new InstallationsService(
      db,
      engine,
      deps.registry,
      deps.auth.accounts,
      deps.auth.audit,
      alarms,
      alarmSettings,
      config.timezone,
    ),
    alarms,
    alarmSettings,
    exports: new ExportsService(db, engine, deps.catalog, config.timezone, deps.auth.sessions),
  };
}
