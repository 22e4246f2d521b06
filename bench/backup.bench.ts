/**
 * npm run bench:backup [-- --readings 100000000] [--skip-demo]
 *
 * Backup and restore, timed, on SQLite: (1) the demo district as `npm start` seeds it (120 days,
 * about 10 M readings, KPI inputs), (2) a database of `--readings` 10-minute readings (default
 * 100 million: about 1,900 sensors with a year each) loaded straight through the engine. For
 * each: the database's size, backup time and MB/s of database, the backup file's size, `verify`
 * time, and restore time; beside them, in the same run, a plain copy of the same files (`cp`),
 * the reference a backup cannot beat. The backup is timed twice: in this process from the sources
 * (its counting thread boots through tsx), and as an operator takes it, with the built
 * `ciop backup` command (process start included). Goals: backup ≥ 200 MB/s of database; the demo
 * restored in under 10 s.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildServer, serverStaleReason } from '../scripts/build-server.mjs';
import pino from 'pino';
import { restoreBackup, takeBackup, verifyBackup } from '../src/server/backup/backup.ts';
import { loadConfig } from '../src/server/config.ts';
import { seedDemo } from '../src/server/demo/demo.ts';
import { openPlatform } from '../src/server/platform.ts';
import { forwarderKey } from '../src/server/timeseries/series-key.ts';
import { logFileOf } from '../src/server/timeseries/timeseries-sqlite.ts';
import { createBatch } from '../src/server/timeseries/write-batch.ts';

const GOAL_MB_S = 200;
const GOAL_DEMO_RESTORE_S = 10;
const STEP_MS = 600_000;
const YEAR_SLOTS = 365 * 144;

const { values } = parseArgs({
  options: { readings: { type: 'string', default: '100000000' }, 'skip-demo': { type: 'boolean' } },
});
const dir = mkdtempSync(path.join(tmpdir(), 'ciop-bench-backup-'));
const MB = 1024 * 1024;

const sizeOf = (file: string) =>
  ['', '-wal'].reduce((sum, s) => sum + (existsSync(file + s) ? statSync(file + s).size : 0), 0);
const seconds = (from: number) => (performance.now() - from) / 1000;

function open(file: string) {
  const config = loadConfig(
    {},
    { databaseUrl: `sqlite:${file}`, logLevel: 'silent', mqttPort: 0, sqliteSync: 'normal' },
  );
  return openPlatform(config, pino({ level: 'silent' }));
}

async function measure(name: string, file: string): Promise<Record<string, string>> {
  const databaseBytes = sizeOf(file) + sizeOf(logFileOf(file));
  const copyStarted = performance.now();
  const copy = path.join(dir, `${name}-copy.db`);
  execFileSync('cp', [file, copy]);
  if (existsSync(logFileOf(file))) execFileSync('cp', [logFileOf(file), logFileOf(copy)]);
  const copyS = seconds(copyStarted);
  const backups = path.join(dir, `${name}-backups`);
  const started = performance.now();
  const taken = await takeBackup(`sqlite:${file}`, { directory: backups, ciopVersion: 'bench' });
  const backupS = seconds(started);
  const commandStarted = performance.now();
  execFileSync(process.execPath, [CIOP, 'backup', '--to', path.join(dir, `${name}-command`)], {
    env: { ...process.env, CIOP_DATABASE_URL: `sqlite:${file}`, CIOP_LOG_LEVEL: 'silent' },
    stdio: 'ignore',
  });
  const commandS = seconds(commandStarted);
  const verifyStarted = performance.now();
  const verified = await verifyBackup(taken.file);
  const verifyS = seconds(verifyStarted);
  if (!verified.ok) throw new Error(`verify: ${verified.differences.join('; ')}`);
  const target = path.join(dir, `${name}-restored`, 'ciop.db');
  const restoreStarted = performance.now();
  await restoreBackup(taken.file, `sqlite:${target}`);
  const restoreS = seconds(restoreStarted);
  // The restored database opens, migrates (nothing to do) and counts the same.
  const restored = await open(target);
  await restored.close();
  return {
    database: name,
    readings: taken.manifest.counts.readings.toLocaleString('en'),
    'database MB': (databaseBytes / MB).toFixed(1),
    'backup s': backupS.toFixed(2),
    'backup MB/s': (databaseBytes / MB / backupS).toFixed(0),
    '`ciop backup` s': commandS.toFixed(2),
    '`ciop backup` MB/s': (databaseBytes / MB / commandS).toFixed(0),
    'cp MB/s (reference)': (databaseBytes / MB / copyS).toFixed(0),
    'file MB': (taken.bytes / MB).toFixed(1),
    'verify s': verifyS.toFixed(2),
    'restore s': restoreS.toFixed(2),
  };
}

// The command as an operator runs it: the built server, built first when its sources changed.
const CIOP = path.join(import.meta.dirname, '..', 'bin', 'ciop.mjs');
const stale = serverStaleReason();
if (stale) {
  console.log(`building the server (${stale})`);
  await buildServer();
}

const rows: Record<string, string>[] = [];

if (!values['skip-demo']) {
  const file = path.join(dir, 'demo.db');
  const platform = await open(file);
  const began = performance.now();
  await seedDemo(platform, { kpi: true });
  console.log(`demo district seeded in ${seconds(began).toFixed(1)} s`);
  await platform.close();
  rows.push(await measure('demo district', file));
}

{
  const readings = Number(values.readings);
  const sensors = Math.ceil(readings / YEAR_SLOTS);
  const file = path.join(dir, 'large.db');
  const platform = await open(file);
  const from = Date.UTC(2025, 0, 1);
  const began = performance.now();
  let written = 0;
  for (let s = 0; s < sensors && written < readings; s++) {
    const sn = `BA0C${s.toString(16).toUpperCase().padStart(12, '0')}`;
    await platform.ingest.writeJson([
      { sn, channel: '1', device: '1', medium: 'temperature', ts: from, value: 20 },
    ]);
    const id = platform.catalog.get(forwarderKey(sn, '1', '1', 'temperature'))!.id;
    const n = Math.min(YEAR_SLOTS, readings - written);
    const batch = createBatch(n);
    for (let k = 0; k < n; k++) {
      batch.seriesIds[k] = id;
      batch.times[k] = from + k * STEP_MS;
      batch.values[k] = Math.round((20 + 2 * Math.sin((2 * Math.PI * (k % 144)) / 144 + s)) * 10) / 10;
    }
    await platform.engine.write(batch);
    written += n;
    if (s % 20 === 19) await platform.engine.flush();
    if (s % 200 === 199)
      console.log(`loaded ${written.toLocaleString('en')} readings (${seconds(began).toFixed(0)} s)`);
  }
  await platform.engine.flush();
  await platform.close();
  console.log(`loaded ${written.toLocaleString('en')} readings in ${seconds(began).toFixed(1)} s`);
  rows.push(await measure(`${(written / 1e6).toFixed(0)} M readings`, file));
}

console.table(rows);
console.log(
  `goals: backup ≥ ${GOAL_MB_S} MB/s of database on SQLite; the demo restored in under ${GOAL_DEMO_RESTORE_S} s`,
);
rmSync(dir, { recursive: true, force: true });
