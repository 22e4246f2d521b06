import { defineModule } from '../../module.ts';
import { scheduledBackup } from '../../backup/scheduled.ts';

export const BACKUP_JOB = 'backup';

/** The scheduled backup, when CIOP_BACKUP_DIR names a folder (once across replicas). */
export const backupModule = defineModule({
  id: 'backup',
  open: () => ({}),
  jobs: (_services, { config, logger }) =>
    config.backupDir
      ? [
          {
            name: BACKUP_JOB,
            cron: config.backupCron,
            run: async (now) => void (await scheduledBackup(config, logger, new Date(now))),
          },
        ]
      : [],
});
