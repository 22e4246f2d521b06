import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  type Migration,
  Migrator,
  PostgresDialect,
  type SqliteDatabase,
  SqliteDialect,
  sql,
} from 'kysely';
import type pg from 'pg';
import type { Database } from './schema.ts';
import { createWriteWaiters, whileBusy, type WriteWaiters } from './sqlite-busy.ts';

export type DialectName = 'sqlite' | 'postgres';

/** One open database, whichever engine it is. The only place that knows SQLite from PostgreSQL. */
export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  /** The raw SQLite connection, for the time-series engine's prepared statements. */
  sqlite?: SQLite.Database;
  /** The SQLite file and its durability setting. */
  sqliteFile?: string;
  sqliteSync?: 'full' | 'normal';
  /**
   * SQLite, a connection of the event loop: its writers waiting for the write lock, shared with
   * the storage threads of the same file (see sqlite-busy.ts).
   */
  sqliteWaiters?: WriteWaiters;
  /** The PostgreSQL pool, for the time-series engine's batched statements. */
  pool?: pg.Pool;
  close(): Promise<void>;
}

// PostgreSQL returns int8 and numeric as strings; CIOP's int8 are epoch milliseconds and ids,
// all far below 2^53, so numbers are exact and far easier to use.
let pgModule: typeof pg | undefined;

/** The PostgreSQL driver, loaded by the first PostgreSQL database opened: SQLite needs none of it. */
function postgresDriver(): typeof pg {
  if (pgModule) return pgModule;
  pgModule = createRequire(import.meta.url)('pg') as typeof pg;
  pgModule.types.setTypeParser(20, (value) => Number(value));
  pgModule.types.setTypeParser(1700, (value) => Number(value));
  return pgModule;
}

export interface OpenOptions {
  /** SQLite: fsync every commit (`full`) or only at checkpoints (`normal`). */
  sqliteSync?: 'full' | 'normal';
  /**
   * SQLite: how a statement that finds the write lock taken waits. `yield` (the default, for the
   * event loop): it fails at once and is tried again asynchronously, the event loop free in
   * between (sqlite-busy.ts); raw statements on `sqlite` must go through `whileBusy`. `poll` (the
   * compaction thread): no busy timeout either, the caller tries again (`whileBusyBlocking`).
   */
  sqliteBusy?: 'yield' | 'poll';
  /** PostgreSQL pool size. */
  poolSize?: number;
}

/**
 * SQLite transactions that take the write lock when they begin (`BEGIN IMMEDIATE`). A deferred
 * transaction that reads and then writes fails at once with SQLITE_BUSY when the storage thread
 * committed meanwhile; an immediate one waits its turn instead.
 *
 * With `waiters` (a connection of the event loop, without busy timeout), a statement outside a
 * transaction and a transaction's `BEGIN IMMEDIATE` that find the write lock taken are tried again
 * asynchronously (`whileBusy`); inside a transaction, which holds the write lock, none is.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly waiters?: WriteWaiters,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    const waiters = this.waiters;
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    if (!waiters) return driver;
    // Kysely's SQLite driver has one connection, used by one query or transaction at a time.
    let inTransaction = false;
    const retrying = new WeakSet<DatabaseConnection>();
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () => {
      const connection = await acquire();
      if (!retrying.has(connection)) {
        const execute = connection.executeQuery.bind(connection);
        connection.executeQuery = ((query: CompiledQuery) =>
          inTransaction ? execute(query) : whileBusy(() => execute(query), waiters)) as typeof execute;
        retrying.add(connection);
      }
      return connection;
    };
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
      inTransaction = true;
    };
    const commit = driver.commitTransaction.bind(driver);
    driver.commitTransaction = async (connection) => {
      await commit(connection);
      inTransaction = false;
    };
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      try {
        await rollback(connection);
      } finally {
        inTransaction = false;
      }
    };
    return driver;
  }
}

/** SQL text at least this long is prepared once and kept: the multi-row inserts of bulk imports. */
const KEPT_STATEMENT_CHARS = 4096;
/** Long statements kept prepared, at most (least recently used go first). */
const KEPT_STATEMENTS = 32;

/**
 * The SQLite connection as Kysely sees it, keeping long statements prepared: a multi-row insert of
 * thousands of parameters takes SQLite milliseconds to parse, which an import of 240,000 rows
 * paid again for every chunk. Kysely runs one statement at a time on the connection, so a kept
 * statement is never in use twice at once.
 */
function keepingLongStatements(sqlite: SQLite.Database): SqliteDatabase {
  const kept = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      if (sql.length < KEPT_STATEMENT_CHARS) return sqlite.prepare(sql);
      let statement = kept.get(sql);
      if (statement) kept.delete(sql);
      else {
        statement = sqlite.prepare(sql);
        if (kept.size >= KEPT_STATEMENTS) kept.delete(kept.keys().next().value as string);
      }
      kept.set(sql, statement);
      return statement;
    },
  };
}

/** Opens `sqlite:PATH` or `postgres://…`. Creates the SQLite file's folder when missing. */
export function openDatabase(url: string, options: OpenOptions = {}): DatabaseHandle {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SQLite(file);
    // Pages freed by compactions go back to the file system (see reclaimSpace); only a new,
    // empty database can take this setting.
    if ((sqlite.pragma('page_count', { simple: true }) as number) === 0)
      sqlite.pragma('auto_vacuum = INCREMENTAL');
    sqlite.pragma('journal_mode = WAL');
    // A write-ahead log that grew during a burst shrinks back after its next checkpoint.
    sqlite.pragma('journal_size_limit = 16777216');
    sqlite.pragma(`synchronous = ${options.sqliteSync === 'normal' ? 'NORMAL' : 'FULL'}`);
    sqlite.pragma('foreign_keys = ON');
    const waiters = options.sqliteBusy === 'poll' ? undefined : createWriteWaiters();
    sqlite.pragma('busy_timeout = 0');
    // 16 MiB of page cache a connection: blocks are read once per query and the OS caches the file.
    sqlite.pragma('cache_size = -16384');
    const db = new Kysely<Database>({
      dialect: new ImmediateSqliteDialect({ database: keepingLongStatements(sqlite) }, waiters),
    });
    return {
      db,
      dialect: 'sqlite',
      sqlite,
      sqliteFile: file,
      sqliteSync: options.sqliteSync ?? 'full',
      sqliteWaiters: waiters,
      close: async () => {
        await db.destroy();
      },
    };
  }
  const pool = new (postgresDriver().Pool)({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle connection the server closes (restart, failover, administrator) must not end the
  // process: the pool drops it and opens a new one on the next query.
  pool.on('error', () => undefined);
  // The same for a connection in use (a job holding its lock, a compaction): the query it was
  // running fails on its own, and the 'error' event must not reach the process unhandled.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: 'postgres',
    pool,
    close: async () => {
      await db.destroy();
    },
  };
}

const MIGRATIONS = path.join(import.meta.dirname, 'migrations');

/** The house's migration names: a sortable timestamp, then what the migration does. */
const MIGRATION_NAME = /^\d{8}_\d{4}_[a-z0-9_-]+\.(ts|js)$/;

/**
 * Every migration in `folder`, by file name. Sources are .ts; the build (dist/server/migrations)
 * holds .js with their source maps. Any other file stops the migration: a misnamed migration
 * skipped would leave the schema behind without a word.
 */
async function loadMigrations(folder: string): Promise<Record<string, Migration>> {
  const migrations: Record<string, Migration> = {};
  for (const file of (await fs.readdir(folder)).sort()) {
    // Hidden files belong to editors and file systems, source maps to the build: neither migrates.
    if (file.startsWith('.') || file.endsWith('.js.map')) continue;
    if (!MIGRATION_NAME.test(file))
      throw new Error(
        `migration file ${file} in ${folder} is misnamed: expected YYYYMMDD_HHMM_name.ts (or .js), ` +
          `name in lowercase letters, digits, _ and - (${MIGRATION_NAME})`,
      );
    migrations[file.replace(/\.(ts|js)$/, '')] = (await import(path.join(folder, file))) as Migration;
  }
  return migrations;
}

/**
 * Brings the schema up to date with the migrations in `folder` (CIOP's own by default). Safe to run
 * from several replicas at once on PostgreSQL. A misnamed file stops it before the database is touched.
 */
export async function migrateToLatest(handle: DatabaseHandle, folder = MIGRATIONS): Promise<string[]> {
  const migrations = await loadMigrations(folder);
  const migrator = new Migrator({
    db: handle.db,
    provider: { getMigrations: async () => migrations },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return (results ?? []).map((r) => r.migrationName);
}

/** The migrations of this build not yet applied to the database (none once it is current). */
export async function pendingMigrations(handle: DatabaseHandle, folder = MIGRATIONS): Promise<string[]> {
  const migrations = await loadMigrations(folder);
  const migrator = new Migrator({ db: handle.db, provider: { getMigrations: async () => migrations } });
  return (await migrator.getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Whether a failed statement broke a unique constraint (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e?.code === '23505' ||
    e?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/** Whether the connection answers; for health checks. */
export async function ping(handle: DatabaseHandle): Promise<void> {
  await sql`select 1`.execute(handle.db);
}
