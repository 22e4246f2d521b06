import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { listBackups, takeBackup } from './backup.ts';
import { retained } from './retention.ts';

/** The version of this build, recorded in every backup's manifest. */
export const CIOP_VERSION = process.env.npm_package_version ?? '0.1.0';

/** Removes the backups of a folder the retention rule no longer keeps; answers how many. */
export async function prune(
  directory: string,
  config: Pick<Config, 'backupKeep' | 'timezone'>,
): Promise<number> {
  const backups = await listBackups(directory);
  const keep = retained(backups, config.backupKeep, config.timezone);
  const gone = backups.filter((b) => !keep.has(b));
  for (const b of gone) await rm(b.file, { force: true });
  return gone.length;
}

/**
 * One scheduled backup: taken into CIOP_BACKUP_DIR, copied to CIOP_BACKUP_COPY_DIR when set,
 * then both folders pruned to the grandfather–father–son set.
 */
export async function scheduledBackup(config: Config, logger: Logger, now = new Date()): Promise<string> {
  const directory = config.backupDir;
  if (!directory) throw new Error('CIOP_BACKUP_DIR is not set');
  const began = Date.now();
  const { file, bytes, manifest } = await takeBackup(config.databaseUrl, {
    directory,
    passphrase: config.backupPassphrase,
    ciopVersion: CIOP_VERSION,
    now,
  });
  const copies = config.backupCopyDir ? [config.backupCopyDir] : [];
  for (const other of copies) {
    const target = path.join(other, path.basename(file));
    await mkdir(other, { recursive: true });
    await copyFile(file, `${target}.partial`);
    await rename(`${target}.partial`, target);
  }
  let pruned = 0;
  for (const folder of [directory, ...copies]) pruned += await prune(folder, config);
  logger.info(
    { file, bytes, readings: manifest.counts.readings, ms: Date.now() - began, pruned },
    'backup taken',
  );
  return file;
}
