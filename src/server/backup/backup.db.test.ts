import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { BY_SYSTEM } from '../audit/by.ts';
import { loadConfig } from '../config.ts';
import { upsertMeasures } from '../modules/kpi/kpi.store.ts';
import { openPlatform, type Platform } from '../platform.ts';
import { createTestDatabase, type TestDatabase, testDialect } from '../testing/databases.ts';
import { BackupFileError } from './archive.ts';
import { restoreBackup, takeBackup, verifyBackup } from './backup.ts';

const folders: string[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

const folder = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ciop-backups-'));
  folders.push(dir);
  return dir;
};

async function open(url: string): Promise<Platform> {
  const config = loadConfig(
    {},
    { databaseUrl: url, logLevel: 'silent', flushIntervalMs: 60_000, mqttPort: 0 },
  );
  return openPlatform(config, pino({ level: 'silent' }));
}

async function newDatabase(): Promise<string> {
  const d = await createTestDatabase();
  databases.push(d);
  return d.url;
}

/** Empties a database whole, as a lost disk would. */
async function wipe(url: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    for (const f of [file, `${file}-ingest-log`])
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${f}${suffix}`, { force: true });
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
  await client.end();
}

const line = (sn: string, value: number, t: number) =>
  `forwarder_data,SN=${sn},channel=1,device=1,medium=temperature value=${value} ${t}`;

/** What a restore must give back: readings per series, accounts, KPI measures. */
async function contents(platform: Platform) {
  const series = await platform.db.selectFrom('series').select(['id', 'key']).orderBy('key').execute();
  const readings: Record<string, number[]> = {};
  for (const s of series) {
    const points = await platform.engine.readPoints(Number(s.id), 0, Date.now() + 1);
    readings[s.key] = [...points.values];
  }
  const accounts = await platform.db
    .selectFrom('app_user')
    .select(['email', 'password_hash'])
    .orderBy('email')
    .execute();
  const measures = await platform.db
    .selectFrom('kpi_measure')
    .select(['kpi_id', 'resource', 'period_start', 'value'])
    .orderBy(['kpi_id', 'resource', 'period_start'])
    .execute();
  return { readings, accounts, measures };
}

describe(`backup and restore (${testDialect})`, () => {
  it('gives back the same readings, accounts and KPIs after the database is lost', async () => {
    const url = await newDatabase();
    const platform = await open(url);
    const t0 = Date.UTC(2026, 0, 1);
    // Some readings compacted into blocks, some still in the ingest log.
    await platform.ingest.writeLineProtocol(
      Array.from({ length: 500 }, (_, i) => line('0xBACKUP01', 20 + (i % 7) / 10, t0 + i * 600_000)).join(
        '\n',
      ),
      'ms',
    );
    await platform.engine.flush();
    await platform.ingest.writeLineProtocol(
      [line('0xBACKUP02', 18.5, t0), line('0xBACKUP02', 18.7, t0 + 600_000)].join('\n'),
      'ms',
    );
    await platform.auth.accounts.create(
      {
        email: 'keeper@example.org',
        name: 'Keeper',
        roles: ['admin'],
        language: 'es',
        dwellingIds: [],
        password: 'a long passphrase 1',
      },
      BY_SYSTEM,
    );
    const kpi = await platform.db
      .selectFrom('kpi_definition')
      .select('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    await upsertMeasures(platform.db, [
      {
        kpi_id: kpi.id,
        resource: 'building:1',
        breakdown: '',
        period_start: t0,
        period_end: t0 + 86_400_000,
        granularity: 'day',
        value: 42.5,
        source: 'import',
        calculator: null,
        inputs_version: null,
        source_file: 'test.csv',
        source_by: 'test',
        inputs: '{}',
        computed_at: t0,
      },
    ]);
    const before = await contents(platform);
    const dir = folder();
    const taken = await takeBackup(url, { directory: dir, ciopVersion: 'test' });
    await platform.close();
    expect(taken.manifest.counts).toMatchObject({ readings: 502, series: 2, kpiMeasures: 1 });
    expect(statSync(taken.file).mode & 0o777).toBe(0o600);

    await wipe(url);
    await restoreBackup(taken.file, url);
    const restored = await open(url);
    expect(await contents(restored)).toEqual(before);
    // A database that holds data is not overwritten unless told to.
    await expect(restoreBackup(taken.file, url)).rejects.toThrow(/already holds data.*--force/);
    await restored.close();
    await restoreBackup(taken.file, url, { force: true });
    const again = await open(url);
    expect(await contents(again)).toEqual(before);
    await again.close();
  });

  it('restores a backup taken during sustained ingest to a consistent state', async () => {
    const url = await newDatabase();
    const platform = await open(url);
    const t0 = Date.UTC(2026, 1, 1);
    // Batches of ten readings; each batch's readings carry its number, so a half-written batch shows.
    let batch = 0;
    let writing = true;
    const writer = (async () => {
      while (writing) {
        const n = batch++;
        const body = Array.from({ length: 10 }, (_, i) =>
          line(`0xLOAD${String(i).padStart(4, '0')}`, n, t0 + n * 600_000),
        ).join('\n');
        await platform.ingest.writeLineProtocol(body, 'ms');
        if (n % 20 === 19) await platform.engine.flush();
      }
    })();
    // The backup starts once ingest is well under way (some batches compacted, some in the log).
    while (batch < 40) await new Promise((r) => setTimeout(r, 20));
    const dir = folder();
    const taken = await takeBackup(url, { directory: dir, ciopVersion: 'test' });
    writing = false;
    await writer;
    await platform.close();
    expect(taken.manifest.counts.readings).toBeGreaterThan(0);
    expect(taken.manifest.counts.readings % 10).toBe(0);
    // The restored database holds exactly what the manifest counted.
    const postgresUrl = testDialect === 'postgres' ? url : undefined;
    const verified = await verifyBackup(taken.file, { postgresUrl });
    expect(verified.differences).toEqual([]);
    expect(verified.ok).toBe(true);
    // And every batch is there whole or not at all.
    const target = await newDatabase();
    await restoreBackup(taken.file, target);
    const restored = await open(target);
    const perBatch = new Map<number, number>();
    const { readings } = await contents(restored);
    for (const values of Object.values(readings))
      for (const v of values) perBatch.set(v, (perBatch.get(v) ?? 0) + 1);
    await restored.close();
    expect([...perBatch.values()].every((count) => count === 10)).toBe(true);
    expect(perBatch.size * 10).toBe(taken.manifest.counts.readings);
  });

  it('encrypts with a passphrase, and verify finds a damaged or wrongly opened file', async () => {
    const url = await newDatabase();
    const platform = await open(url);
    await platform.ingest.writeLineProtocol(line('0xSECRET01', 21, Date.UTC(2026, 2, 1)), 'ms');
    await platform.close();
    const dir = folder();
    const postgresUrl = testDialect === 'postgres' ? url : undefined;
    const taken = await takeBackup(url, { directory: dir, ciopVersion: 'test', passphrase: 'correct horse' });
    const bytes = await readFile(taken.file);
    expect(bytes.subarray(0, 8).toString()).toBe('CIOPENC1');
    expect(bytes.includes(Buffer.from('0xSECRET01'))).toBe(false);
    expect((await verifyBackup(taken.file, { passphrase: 'correct horse', postgresUrl })).ok).toBe(true);
    await expect(verifyBackup(taken.file, { passphrase: 'wrong horse', postgresUrl })).rejects.toThrow(
      /cannot be decrypted/,
    );
    await expect(verifyBackup(taken.file, { postgresUrl })).rejects.toThrow(/encrypted: give its passphrase/);

    // One byte changed in the middle of a plain backup.
    const plain = await takeBackup(url, { directory: folder(), ciopVersion: 'test' });
    const damaged = await readFile(plain.file);
    const at = Math.floor(damaged.length / 2);
    damaged[at] ^= 0xff;
    await writeFile(plain.file, damaged);
    await expect(verifyBackup(plain.file, { postgresUrl })).rejects.toThrow(BackupFileError);
  });
});
