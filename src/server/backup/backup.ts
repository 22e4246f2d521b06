import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  statfs,
} from 'node:fs/promises';
import { freemem, tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { logFileOf } from '../timeseries/timeseries-sqlite.ts';
import { BackupFileError, readArchive, writeArchive } from './archive.ts';
import { type BackupCounts, countPostgres, countSqlite, startSqliteCounter } from './contents.ts';

const run = promisify(execFile);

export const MANIFEST = 'manifest.json';
const SQLITE_DATABASE = 'database.sqlite';
const SQLITE_LOG = 'ingest-log.sqlite';
const POSTGRES_DUMP = 'database.pgdump';

/** What a backup says of itself, first in its archive. */
export interface BackupManifest {
  format: 1;
  ciopVersion: string;
  /** The last migration applied to the database backed up. */
  schemaVersion: string;
  dialect: 'sqlite' | 'postgres';
  createdAt: string;
  counts: BackupCounts;
  files: { name: string; bytes: number; sha256: string }[];
  /** On PostgreSQL, the pg_dump that wrote it. */
  tool?: string;
}

export interface BackupOptions {
  /** Where the backup file goes. */
  directory: string;
  passphrase?: string;
  /** The CIOP version recorded in the manifest. */
  ciopVersion: string;
  now?: Date;
}

export const backupName = (at: Date) =>
  `ciop-backup-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.ciopbak`;

/** The moment a backup file was taken, from its name; undefined for another file. */
export function takenAt(name: string): Date | undefined {
  const m = /^ciop-backup-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z\.ciopbak$/.exec(name);
  return m ? new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : undefined;
}

async function schemaVersionSqlite(file: string): Promise<string> {
  const db = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT max(name) AS name FROM kysely_migration').get() as { name: string | null };
    return row.name ?? '';
  } finally {
    db.close();
  }
}

/**
 * Copies a live SQLite database with SQLite's online backup, in one step (one read transaction:
 * a consistent snapshot while the server goes on writing).
 */
async function copySqlite(source: string, target: string): Promise<void> {
  const db = new SQLite(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target, { progress: () => 1 << 30 });
  } finally {
    db.close();
  }
}

/** Memory-backed folder where a snapshot that fits may be staged (Linux). */
const SHARED_MEMORY = '/dev/shm';

const sizeOf = (file: string) =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  );

/**
 * Where a backup is staged before it is packed: a SQLite snapshot in shared memory when it fits
 * twice over there and in free memory (no disk write, nor the flush SQLite ends its copy with),
 * anything else in the temporary folder.
 */
async function stagingFolder(databaseUrl: string): Promise<string> {
  if (!databaseUrl.startsWith('sqlite:')) return tmpdir();
  const file = databaseUrl.slice('sqlite:'.length);
  const files = [file, `${file}-wal`, logFileOf(file), `${logFileOf(file)}-wal`];
  const bytes = (await Promise.all(files.map(sizeOf))).reduce((sum, n) => sum + n, 0);
  const fits = await statfs(SHARED_MEMORY).then(
    (fs) => fs.bavail * fs.bsize > 2 * bytes && freemem() > 2 * bytes,
    () => false,
  );
  return fits ? SHARED_MEMORY : tmpdir();
}

/** The version of a PostgreSQL tool, e.g. 15 for "pg_dump (PostgreSQL) 15.20". */
async function toolMajor(tool: string): Promise<{ major: number; text: string }> {
  const { stdout } = await run(tool, ['--version']).catch(() => {
    throw new Error(
      `${tool} is not installed: install PostgreSQL's client tools (Debian: postgresql-client)`,
    );
  });
  const m = /(\d+)(?:\.\d+)?/.exec(stdout);
  return { major: m ? Number(m[1]) : 0, text: stdout.trim() };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Takes a backup of the database at `databaseUrl` while CIOP runs, into one file of `directory`
 * (mode 0600), written under a temporary name and renamed once complete.
 */
export async function takeBackup(
  databaseUrl: string,
  options: BackupOptions,
): Promise<{ file: string; manifest: BackupManifest; bytes: number }> {
  const now = options.now ?? new Date();
  await mkdir(options.directory, { recursive: true });
  // Shared memory may be closed to the service (a sandbox): then the temporary folder.
  const work = await mkdtemp(path.join(await stagingFolder(databaseUrl), 'ciop-backup-')).catch(() =>
    mkdtemp(path.join(tmpdir(), 'ciop-backup-')),
  );
  try {
    let files: { name: string; file: string }[];
    let manifest: Omit<BackupManifest, 'files' | 'counts'>;
    let counts: Promise<BackupCounts>;
    const base = { format: 1 as const, ciopVersion: options.ciopVersion, createdAt: now.toISOString() };
    if (databaseUrl.startsWith('sqlite:')) {
      const source = databaseUrl.slice('sqlite:'.length);
      const database = path.join(work, SQLITE_DATABASE);
      const log = path.join(work, SQLITE_LOG);
      // The log first, then the database: a batch compacted between the two copies is in the
      // database's blocks (and below its watermark in the log copy), so nothing is lost.
      const hasLog = existsSync(logFileOf(source));
      // The counting thread boots while the files are copied.
      const counter = startSqliteCounter();
      try {
        if (hasLog) await copySqlite(logFileOf(source), log);
        await copySqlite(source, database);
      } catch (error) {
        counter.cancel();
        throw error;
      }
      files = [
        { name: SQLITE_DATABASE, file: database },
        ...(hasLog ? [{ name: SQLITE_LOG, file: log }] : []),
      ];
      // Counted on another thread while this one packs the same files.
      counts = counter.count(database, hasLog ? log : undefined);
      manifest = { ...base, dialect: 'sqlite', schemaVersion: await schemaVersionSqlite(database) };
    } else {
      const dump = path.join(work, POSTGRES_DUMP);
      const tool = await toolMajor('pg_dump');
      // The counts and the dump read one snapshot: a transaction exports it, pg_dump takes it.
      const dumped = await withClient(databaseUrl, async (client) => {
        const version = Number((await client.query('SHOW server_version_num')).rows[0].server_version_num);
        const server = Math.floor(version / 10000);
        if (tool.major < server)
          throw new Error(
            `${tool.text} cannot dump a PostgreSQL ${server} server: install pg_dump ${server} or later`,
          );
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        try {
          const snapshot = String((await client.query('SELECT pg_export_snapshot() AS id')).rows[0].id);
          const counted = await countPostgres(client);
          const migration = (await client.query('SELECT max(name) AS name FROM kysely_migration')).rows[0]
            .name;
          await run(
            'pg_dump',
            [
              '--format=custom',
              '--no-owner',
              '--no-privileges',
              `--snapshot=${snapshot}`,
              `--file=${dump}`,
              databaseUrl,
            ],
            { maxBuffer: 1 << 24 },
          );
          return { counts: counted, schemaVersion: String(migration ?? '') };
        } finally {
          await client.query('COMMIT');
        }
      });
      files = [{ name: POSTGRES_DUMP, file: dump }];
      counts = Promise.resolve(dumped.counts);
      manifest = { ...base, dialect: 'postgres', schemaVersion: dumped.schemaVersion, tool: tool.text };
    }
    const target = path.join(options.directory, backupName(now));
    const partial = `${target}.partial`;
    // The data is read once: hashed as it is packed, the manifest (with the hashes) last.
    let full!: BackupManifest;
    await writeArchive(
      partial,
      files,
      MANIFEST,
      async (packed) => {
        full = { ...manifest, counts: await counts, files: packed };
        return JSON.stringify(full, null, 2);
      },
      options.passphrase,
    );
    await chmod(partial, 0o600);
    await rename(partial, target);
    return { file: target, manifest: full, bytes: (await stat(target)).size };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Unpacks a backup into a new temporary folder and checks every file against the manifest. */
async function unpack(file: string, passphrase?: string): Promise<{ dir: string; manifest: BackupManifest }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'ciop-restore-'));
  try {
    const found = await readArchive(file, dir, passphrase);
    if (found.at(-1)?.name !== MANIFEST)
      throw new BackupFileError(`${file} is not a CIOP backup (no manifest)`);
    const manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as BackupManifest;
    for (const expected of manifest.files) {
      const got = found.find((f) => f.name === expected.name);
      if (!got) throw new BackupFileError(`the backup lacks ${expected.name}`);
      if (got.sha256 !== expected.sha256 || got.bytes !== expected.bytes)
        throw new BackupFileError(
          `${expected.name} in the backup does not match its checksum: the file is damaged`,
        );
    }
    return { dir, manifest };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** Whether a database already holds CIOP data (then a restore needs `force`). */
async function holdsData(databaseUrl: string): Promise<boolean> {
  const query =
    'SELECT (SELECT count(*) FROM app_user) + (SELECT count(*) FROM series) + (SELECT count(*) FROM district) AS n';
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (!existsSync(file)) return false;
    const db = new SQLite(file, { readonly: true });
    try {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'app_user'").get() as {
        n: number;
      };
      return tables.n > 0 && Number((db.prepare(query).get() as { n: number }).n) > 0;
    } finally {
      db.close();
    }
  }
  return withClient(databaseUrl, async (client) => {
    const exists = await client.query("SELECT to_regclass('app_user') IS NOT NULL AS ok");
    return exists.rows[0].ok && Number((await client.query(query)).rows[0].n) > 0;
  });
}

/** Restores the files of an unpacked backup into the database at `databaseUrl`. */
async function place(dir: string, manifest: BackupManifest, databaseUrl: string): Promise<void> {
  const sqlite = databaseUrl.startsWith('sqlite:');
  if (sqlite !== (manifest.dialect === 'sqlite'))
    throw new Error(
      `the backup is of a ${manifest.dialect} database; CIOP_DATABASE_URL names a ${sqlite ? 'sqlite' : 'postgres'} one`,
    );
  if (sqlite) {
    const target = path.resolve(databaseUrl.slice('sqlite:'.length));
    await mkdir(path.dirname(target), { recursive: true });
    // The restored files replace the database and its log whole, with their write-ahead files.
    for (const file of [target, logFileOf(target)]) {
      for (const suffix of ['-wal', '-shm']) await rm(`${file}${suffix}`, { force: true });
    }
    await copyFile(path.join(dir, SQLITE_DATABASE), `${target}.restoring`);
    await rename(`${target}.restoring`, target);
    if (manifest.files.some((f) => f.name === SQLITE_LOG))
      await copyFile(path.join(dir, SQLITE_LOG), logFileOf(target));
    else await rm(logFileOf(target), { force: true });
    return;
  }
  await toolMajor('pg_restore');
  await run(
    'pg_restore',
    [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '--single-transaction',
      `--dbname=${databaseUrl}`,
      path.join(dir, POSTGRES_DUMP),
    ],
    { maxBuffer: 1 << 24 },
  );
}

/**
 * Restores a backup into the database at `databaseUrl` (CIOP stopped). Refuses a database that
 * already holds data unless `force`.
 */
export async function restoreBackup(
  file: string,
  databaseUrl: string,
  options: { force?: boolean; passphrase?: string } = {},
): Promise<BackupManifest> {
  if (!options.force && (await holdsData(databaseUrl)))
    throw new Error(
      'the database already holds data: restore into an empty one, or give --force to replace it',
    );
  const { dir, manifest } = await unpack(file, options.passphrase);
  try {
    await place(dir, manifest, databaseUrl);
    return manifest;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Counts what a database holds, as the manifest counts it. */
export async function countDatabase(databaseUrl: string): Promise<BackupCounts> {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    return countSqlite(file, existsSync(logFileOf(file)) ? logFileOf(file) : undefined);
  }
  return withClient(databaseUrl, countPostgres);
}

/**
 * Verifies a backup: every checksum, then a restore into a temporary database (a new SQLite
 * file, or a new PostgreSQL database on the server of `postgresUrl`) whose counts must equal the
 * manifest's. Answers the manifest and the counts found.
 */
export async function verifyBackup(
  file: string,
  options: { passphrase?: string; postgresUrl?: string } = {},
): Promise<{ manifest: BackupManifest; counts: BackupCounts; ok: boolean; differences: string[] }> {
  const { dir, manifest } = await unpack(file, options.passphrase);
  try {
    let counts: BackupCounts;
    if (manifest.dialect === 'sqlite') {
      const target = path.join(dir, 'verify', 'ciop.db');
      await place(dir, manifest, `sqlite:${target}`);
      counts = await countDatabase(`sqlite:${target}`);
    } else {
      if (!options.postgresUrl)
        throw new Error('verifying a PostgreSQL backup needs a PostgreSQL server (CIOP_DATABASE_URL)');
      const name = `ciop_verify_${Date.now().toString(36)}_${process.pid}`;
      const server = new URL(options.postgresUrl);
      await withClient(options.postgresUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
      try {
        const url = new URL(server);
        url.pathname = `/${name}`;
        await place(dir, manifest, url.toString());
        counts = await countDatabase(url.toString());
      } finally {
        await withClient(options.postgresUrl, (c) =>
          c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
        );
      }
    }
    const differences = (Object.keys(manifest.counts) as (keyof BackupCounts)[])
      .filter((k) => counts[k] !== manifest.counts[k])
      .map((k) => `${k}: the manifest says ${manifest.counts[k]}, the restored database holds ${counts[k]}`);
    return { manifest, counts, ok: differences.length === 0, differences };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The backup files of a folder, newest first. */
export async function listBackups(directory: string): Promise<{ file: string; at: Date }[]> {
  if (!existsSync(directory)) return [];
  const found = (await readdir(directory)).flatMap((name) => {
    const at = takenAt(name);
    return at ? [{ file: path.join(directory, name), at }] : [];
  });
  return found.sort((a, b) => b.at.getTime() - a.at.getTime());
}
